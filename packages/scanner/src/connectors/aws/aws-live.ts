import {
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetCredentialReportCommand,
  IAMClient,
  paginateGetAccountAuthorizationDetails,
  paginateListAccessKeys,
} from '@aws-sdk/client-iam';
import { type ConnectorOutput, type DiscoveredNhi, UnreadableInputError } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';
import { serviceLastAccessed, unusedServicesFact } from './access-advisor.ts';
import { type ListedAccessKey, reconcileAccessKeys } from './access-keys.ts';
import {
  type AuthorizationDetails,
  type AuthorizationOptions,
  authorizationEntries,
  authorizationOptions,
  readAuthorizationDetails,
} from './authorization-details.ts';
import { readCredentialReport } from './credential-report.ts';

/** AWS answers Date objects where the exports have strings; the readers take the exports' form. */
function withIsoDates<T>(value: T): T {
  if (value instanceof Date) return value.toISOString() as T;
  if (Array.isArray(value)) return value.map(withIsoDates) as T;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, withIsoDates(entry)])) as T;
  return value;
}

const delay = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Whether a setting typed as text or given as a boolean is on; `fallback` when it is not set. */
export function settingFlag(value: unknown, fallback: boolean): boolean {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return fallback;
}

/** How one account is read, beyond its IAM client. */
export interface AccountReadOptions {
  authorization: AuthorizationOptions;
  /** IAM access advisor per user and role: two calls per principal, so a setting. */
  accessAdvisor: boolean;
  /** First wait between polls of the credential report and access advisor jobs. */
  pollMs?: number;
  now?: Date;
}

/**
 * Reads an AWS account live with the source's credentials: the credential report (generated first,
 * waited for) and every page of GetAccountAuthorizationDetails, merged per principal.
 */
export async function readAwsLive(context: ConnectorContext): Promise<ConnectorOutput> {
  const { accessKeyId, secretAccessKey, sessionToken } = context.secrets;
  if (!accessKeyId || !secretAccessKey)
    throw new UnreadableInputError('The source has no AWS credentials (accessKeyId and secretAccessKey)');
  const client = new IAMClient({
    region: typeof context.settings.region === 'string' ? context.settings.region : 'us-east-1',
    endpoint: typeof context.settings.endpoint === 'string' ? context.settings.endpoint : undefined,
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    maxAttempts: 3,
  });
  try {
    return await readAwsAccount(client, context, {
      authorization: authorizationOptions(context.settings),
      // Opt-in for one account, whose scans predate it; an organization's source reads it by default.
      accessAdvisor: settingFlag(context.settings.accessAdvisor, false),
    });
  } finally {
    client.destroy();
  }
}

/**
 * One account through an IAM client already holding its credentials (the source's own, or a role
 * assumed in a member account): identities with their keys' last use and, when asked, access advisor.
 */
export async function readAwsAccount(
  client: IAMClient,
  context: Pick<ConnectorContext, 'fingerprint' | 'signal'>,
  options: AccountReadOptions,
): Promise<ConnectorOutput> {
  for (let attempt = 0; ; attempt++) {
    const generated = await client.send(new GenerateCredentialReportCommand({}), {
      abortSignal: context.signal,
    });
    if (generated.State === 'COMPLETE') break;
    if (attempt >= 20) throw new Error('AWS did not finish the credential report in time');
    await delay(options.pollMs ?? 1000, context.signal);
  }
  const report = await client.send(new GetCredentialReportCommand({}), { abortSignal: context.signal });
  const csv = Buffer.from(report.Content ?? new Uint8Array()).toString('utf8');
  const fromReport = readCredentialReport(csv);

  const details: Required<
    Pick<AuthorizationDetails, 'UserDetailList' | 'GroupDetailList' | 'RoleDetailList' | 'Policies'>
  > = { UserDetailList: [], GroupDetailList: [], RoleDetailList: [], Policies: [] };
  for await (const page of paginateGetAccountAuthorizationDetails({ client }, {})) {
    const plain = withIsoDates(page) as AuthorizationDetails;
    details.UserDetailList.push(...(plain.UserDetailList ?? []));
    details.GroupDetailList.push(...(plain.GroupDetailList ?? []));
    details.RoleDetailList.push(...(plain.RoleDetailList ?? []));
    details.Policies.push(...(plain.Policies ?? []));
  }
  const fromDetails = await readAuthorizationDetails(details, options.authorization);
  const keys = await listAccessKeys(client, details.UserDetailList, context.signal);
  const merged = mergeByExternalId(fromReport.nhis, fromDetails.nhis);
  const nhis = await Promise.all(
    merged.map((nhi) => {
      const listed = keys.byArn.get(nhi.externalId);
      return listed ? reconcileAccessKeys(nhi, listed, context.fingerprint) : nhi;
    }),
  );
  const advisor = options.accessAdvisor
    ? await serviceLastAccessed(
        client,
        nhis.filter(advised(options.authorization)).map((nhi) => nhi.externalId),
        {
          signal: context.signal,
          pollMs: options.pollMs,
        },
      )
    : { byArn: new Map(), warnings: [] };
  const now = options.now ?? new Date();
  for (const nhi of nhis) {
    const services = advisor.byArn.get(nhi.externalId);
    const fact = services && unusedServicesFact(nhi.externalId, services, now);
    if (fact) nhi.facts.push(fact);
  }
  return {
    nhis,
    looseFacts: [],
    leaks: [],
    warnings: [...fromReport.warnings, ...fromDetails.warnings, ...keys.warnings, ...advisor.warnings],
    read: {
      count: (fromReport.read?.count ?? 0) + authorizationEntries(details),
      unit: 'credential report rows and IAM entries',
    },
  };
}

/** Users and roles (not the root user), service-linked roles only when their facts are reported. */
const advised = (authorization: AuthorizationOptions) => (nhi: DiscoveredNhi) => {
  if (!/:(user|role)\//.test(nhi.externalId)) return false;
  const serviceLinked = (nhi.metadata?.authorization as { serviceLinked?: boolean } | undefined)
    ?.serviceLinked;
  return !serviceLinked || authorization.includeServiceLinkedRoles === true;
};

/** One identity per principal: credentials and kind from the report, permissions from the authorization export. */
function mergeByExternalId(report: DiscoveredNhi[], details: DiscoveredNhi[]): DiscoveredNhi[] {
  const merged = new Map(details.map((nhi) => [nhi.externalId, nhi]));
  for (const user of report) {
    const other = merged.get(user.externalId);
    merged.set(
      user.externalId,
      other
        ? {
            ...other,
            kind: user.kind,
            keepExistingKind: false,
            credentials: user.credentials,
            lastUsedAt: user.lastUsedAt,
            metadata: { ...other.metadata, ...user.metadata },
            facts: [...other.facts, ...user.facts],
          }
        : user,
    );
  }
  return [...merged.values()];
}

/** Requests in flight at once: enough to hide latency, few enough for IAM's request rate. */
const keyListingConcurrency = 8;

/**
 * Every user's access key ids (ListAccessKeys, page by page). A user whose keys cannot be listed keeps
 * the credential report's view of its keys, with a warning.
 */
async function listAccessKeys(
  client: IAMClient,
  users: AuthorizationDetails['UserDetailList'] & object,
  signal: AbortSignal,
) {
  const byArn = new Map<string, ListedAccessKey[]>();
  const warnings: { item: string; message: string }[] = [];
  const queue = users.filter((user) => user.UserName && user.Arn);
  const worker = async () => {
    for (let user = queue.shift(); user; user = queue.shift()) {
      try {
        const listed: ListedAccessKey[] = [];
        const pages = paginateListAccessKeys({ client }, { UserName: user.UserName });
        for await (const page of pages) {
          if (signal.aborted) return;
          for (const key of page.AccessKeyMetadata ?? [])
            if (key.AccessKeyId)
              listed.push({
                accessKeyId: key.AccessKeyId,
                status: key.Status ?? 'Inactive',
                createDate: key.CreateDate ?? null,
              });
        }
        for (const key of listed) {
          try {
            const used = await client.send(
              new GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }),
              {
                abortSignal: signal,
              },
            );
            key.lastUsedAt = used.AccessKeyLastUsed?.LastUsedDate ?? null;
          } catch (error) {
            // The key keeps the credential report's last use.
            warnings.push({
              item: `GetAccessKeyLastUsed (${user.UserName})`,
              message: (error as Error).message,
            });
          }
        }
        byArn.set(user.Arn as string, listed);
      } catch (error) {
        warnings.push({ item: `ListAccessKeys (${user.UserName})`, message: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: keyListingConcurrency }, worker));
  return { byArn, warnings };
}
