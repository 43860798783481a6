import { IAMClient } from '@aws-sdk/client-iam';
import {
  type Account,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  OrganizationsClient,
  paginateListAccounts,
  paginateListParents,
  paginateListPoliciesForTarget,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type ConnectorOutput, type ScanWarning, UnreadableInputError } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';
import { authorizationOptions, type ServiceControlLevel } from './authorization-details.ts';
import { readAwsAccount, settingFlag } from './aws-live.ts';

/** Accounts read at once unless the source says otherwise: each runs its own requests in parallel too. */
const defaultConcurrency = 4;
/** IAM's request rate is per account, but the scanning host and the management account's STS are shared. */
const maximumConcurrency = 16;
/** OUs nest at most five deep under the root (Organizations quotas); anything deeper is a loop. */
const maximumDepth = 8;
const sessionName = 'nhi-hub-scan';

interface OrganizationSettings {
  roleName: string;
  externalId: string | undefined;
  region: string;
  endpoint: string | undefined;
  accountIds: Set<string> | null;
  concurrency: number;
  accessAdvisor: boolean;
}

function settingsOf(context: ConnectorContext): OrganizationSettings {
  const { settings, secrets } = context;
  const roleName = typeof settings.roleName === 'string' ? settings.roleName.trim() : '';
  if (!roleName)
    throw new UnreadableInputError('The source has no role to assume in each account (settings.roleName)');
  const listed = Array.isArray(settings.accountIds)
    ? settings.accountIds.map(String)
    : typeof settings.accountIds === 'string'
      ? settings.accountIds.split(/[\s,]+/)
      : [];
  const accountIds = listed.map((id) => id.trim()).filter(Boolean);
  const invalid = accountIds.filter((id) => !/^\d{12}$/.test(id));
  if (invalid.length > 0)
    throw new UnreadableInputError(
      `settings.accountIds holds values that are no AWS account id: ${invalid.join(', ')}`,
    );
  const concurrency = Number(settings.concurrency ?? defaultConcurrency);
  return {
    roleName,
    externalId:
      secrets.externalId || (typeof settings.externalId === 'string' ? settings.externalId : undefined),
    region: typeof settings.region === 'string' && settings.region ? settings.region : 'us-east-1',
    endpoint: typeof settings.endpoint === 'string' && settings.endpoint ? settings.endpoint : undefined,
    accountIds: accountIds.length > 0 ? new Set(accountIds) : null,
    concurrency: Number.isInteger(concurrency)
      ? Math.min(Math.max(concurrency, 1), maximumConcurrency)
      : defaultConcurrency,
    accessAdvisor: settingFlag(settings.accessAdvisor, true),
  };
}

/** How progress names an account: `production (222222222222)`. */
const accountLabel = (account: Account) =>
  account.Name && account.Name !== account.Id ? `${account.Name} (${account.Id})` : (account.Id as string);

/** `ACTIVE`: State where AWS sends it, else the older Status it replaces. */
const isActive = (account: Account) => (account.State ?? account.Status) === 'ACTIVE';

/**
 * Every active account of an AWS organization in one source: accounts listed with the management (or
 * delegated administrator) account's keys, a role assumed in each (with the ExternalId its trust
 * policy requires), each account's IAM read as `aws.live` reads one, judged under the SCPs above it.
 * An account that cannot be read is a warning naming it; its identities stay as the last scan left them.
 */
export async function readAwsOrganization(context: ConnectorContext): Promise<ConnectorOutput> {
  const { accessKeyId, secretAccessKey, sessionToken } = context.secrets;
  if (!accessKeyId || !secretAccessKey)
    throw new UnreadableInputError(
      'The source has no AWS credentials of the management account (accessKeyId and secretAccessKey)',
    );
  const settings = settingsOf(context);
  const base = {
    region: settings.region,
    endpoint: settings.endpoint,
    maxAttempts: 3,
  };
  const credentials = { accessKeyId, secretAccessKey, sessionToken };
  const organizations = new OrganizationsClient({ ...base, credentials });
  const sts = new STSClient({ ...base, credentials });
  try {
    const { Organization: organization } = await organizations.send(new DescribeOrganizationCommand({}), {
      abortSignal: context.signal,
    });
    const listed: Account[] = [];
    for await (const page of paginateListAccounts({ client: organizations }, {})) {
      if (context.signal.aborted) break;
      listed.push(...(page.Accounts ?? []));
    }
    const accounts = listed.filter(
      (account) =>
        account.Id && isActive(account) && (!settings.accountIds || settings.accountIds.has(account.Id)),
    );
    if (accounts.length === 0)
      throw new UnreadableInputError(
        settings.accountIds
          ? `None of settings.accountIds is an active account of the organization (${[...settings.accountIds].join(', ')})`
          : 'The organization lists no active account',
      );
    const serviceControl = serviceControlReader(organizations, context.signal);
    const organizationAccountIds = listed.flatMap((account) => (account.Id ? [account.Id] : []));
    const output: ConnectorOutput = { nhis: [], looseFacts: [], leaks: [], warnings: [] };
    const unread: string[] = [];
    let itemsRead = 0;

    /** Whether the account was read (or the scan stopped): false when it is a warning. */
    const readAccount = async (account: Account): Promise<boolean> => {
      const id = account.Id as string;
      const name = account.Name ?? id;
      const partition = /^arn:([\w-]+):/.exec(account.Arn ?? '')?.[1] ?? 'aws';
      const item = `account ${id} (${name})`;
      const warnings: ScanWarning[] = [];
      let client: IAMClient | undefined;
      try {
        // SCPs restrict neither the management account nor, through it, anything read there.
        let levels: ServiceControlLevel[] = [];
        if (id !== organization?.MasterAccountId)
          levels = await serviceControl(id).catch((error: Error) => {
            // Judged without SCPs: more findings rather than fewer, and the reason is said.
            warnings.push({
              item,
              message: `Service control policies not read, judged without them: ${error.message}`,
            });
            return [];
          });
        const assumed = await sts.send(
          new AssumeRoleCommand({
            RoleArn: `arn:${partition}:iam::${id}:role/${settings.roleName}`,
            RoleSessionName: sessionName,
            ExternalId: settings.externalId,
          }),
          { abortSignal: context.signal },
        );
        const session = assumed.Credentials;
        if (!session?.AccessKeyId || !session.SecretAccessKey)
          throw new Error('AssumeRole returned no credentials');
        client = new IAMClient({
          ...base,
          credentials: {
            accessKeyId: session.AccessKeyId,
            secretAccessKey: session.SecretAccessKey,
            sessionToken: session.SessionToken,
          },
        });
        const read = await readAwsAccount(client, context, {
          authorization: {
            ...authorizationOptions(context.settings),
            organizationAccountIds,
            serviceControlPolicies: levels,
          },
          accessAdvisor: settings.accessAdvisor,
        });
        for (const nhi of read.nhis)
          nhi.metadata = { ...nhi.metadata, awsAccountId: id, awsAccountName: name };
        output.nhis.push(...read.nhis);
        output.warnings.push(
          ...warnings,
          ...read.warnings.map((warning) => ({ ...warning, item: `${item}: ${warning.item}` })),
        );
        itemsRead += read.read?.count ?? read.nhis.length;
        return true;
      } catch (error) {
        if (context.signal.aborted) return true;
        unread.push(`arn:${partition}:iam::${id}:`);
        output.warnings.push(...warnings, {
          item,
          message: `Not read, its identities are kept as the last scan left them: ${(error as Error).message}`,
        });
        return false;
      } finally {
        client?.destroy();
      }
    };

    const queue = [...accounts];
    const progress = { unit: 'accounts', total: accounts.length, done: 0, failed: [] as string[] };
    const reading = new Set<string>();
    const report = () => context.progress?.({ ...progress, reading: [...reading] });
    const next = () => {
      const account = context.signal.aborted ? undefined : queue.shift();
      if (account) reading.add(accountLabel(account));
      return account;
    };
    // Progress is told as each account ends (with the one read next), never per request.
    const worker = async () => {
      for (let account = next(); account; ) {
        const read = await readAccount(account);
        const label = accountLabel(account);
        account = next();
        reading.delete(label);
        progress.done += 1;
        if (!read) progress.failed.push(label);
        report();
      }
    };
    const workers = Array.from({ length: Math.min(settings.concurrency, accounts.length) }, worker);
    report();
    await Promise.all(workers);
    if (unread.length === accounts.length)
      throw new Error(
        `No account of the organization could be read: ${output.warnings
          .slice(0, 3)
          .map((warning) => `${warning.item}: ${warning.message}`)
          .join('; ')}`,
      );
    return {
      ...output,
      ...(unread.length > 0 ? { unreadExternalIdPrefixes: unread } : {}),
      read: {
        count: itemsRead,
        unit: `credential report rows and IAM entries of ${accounts.length - unread.length} accounts`,
      },
    };
  } finally {
    organizations.destroy();
    sts.destroy();
  }
}

/**
 * The SCP levels above an account, root first: its parents walked up with ListParents, each level's
 * policies with ListPoliciesForTarget and DescribePolicy. OUs and policies are shared by many accounts,
 * so each is asked once per scan.
 */
function serviceControlReader(client: OrganizationsClient, signal: AbortSignal) {
  const parents = new Map<string, Promise<{ id: string; type: string } | null>>();
  const attached = new Map<string, Promise<{ name: string; document: unknown }[]>>();
  const documents = new Map<string, Promise<unknown>>();
  const once = <T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>) => {
    let value = cache.get(key);
    if (!value) {
      value = load();
      cache.set(key, value);
    }
    return value;
  };
  const parentOf = (child: string) =>
    once(parents, child, async () => {
      for await (const page of paginateListParents({ client }, { ChildId: child })) {
        const parent = page.Parents?.[0];
        if (parent?.Id) return { id: parent.Id, type: parent.Type ?? 'ORGANIZATIONAL_UNIT' };
      }
      return null;
    });
  const documentOf = (policyId: string) =>
    once(documents, policyId, async () => {
      const { Policy: policy } = await client.send(new DescribePolicyCommand({ PolicyId: policyId }), {
        abortSignal: signal,
      });
      if (!policy?.Content) throw new Error(`SCP ${policyId} has no content`);
      return JSON.parse(policy.Content) as unknown;
    });
  const policiesOf = (target: string) =>
    once(attached, target, async () => {
      const summaries: { id: string; name: string }[] = [];
      const pages = paginateListPoliciesForTarget(
        { client },
        { TargetId: target, Filter: 'SERVICE_CONTROL_POLICY' },
      );
      for await (const page of pages)
        for (const policy of page.Policies ?? [])
          if (policy.Id) summaries.push({ id: policy.Id, name: policy.Name ?? policy.Id });
      return Promise.all(summaries.map(async ({ id, name }) => ({ name, document: await documentOf(id) })));
    });
  return async (accountId: string): Promise<ServiceControlLevel[]> => {
    const chain: { id: string; label: string }[] = [{ id: accountId, label: `account ${accountId}` }];
    for (let current = accountId, depth = 0; ; depth++) {
      if (depth > maximumDepth)
        throw new Error(`the parents of ${accountId} nest deeper than an organization can`);
      const parent = await parentOf(current);
      if (!parent) break;
      chain.unshift({ id: parent.id, label: `${parent.type === 'ROOT' ? 'root' : 'ou'} ${parent.id}` });
      if (parent.type === 'ROOT') break;
      current = parent.id;
    }
    return Promise.all(
      chain.map(async ({ id, label }) => ({ target: label, policies: await policiesOf(id) })),
    );
  };
}

/**
 * One cheap call with the management account's keys: DescribeOrganization answers only a member of
 * an organization, and names its management account.
 */
export async function testAwsOrganizationConnection(
  settings: Record<string, unknown>,
  secrets: Record<string, string>,
  signal: AbortSignal,
): Promise<{ ok: boolean; message: string }> {
  const { accessKeyId, secretAccessKey, sessionToken } = secrets;
  if (!accessKeyId || !secretAccessKey)
    return { ok: false, message: 'Give an access key id and a secret access key of the management account' };
  const client = new OrganizationsClient({
    region: typeof settings.region === 'string' && settings.region ? settings.region : 'us-east-1',
    endpoint: typeof settings.endpoint === 'string' && settings.endpoint ? settings.endpoint : undefined,
    credentials: { accessKeyId, secretAccessKey, sessionToken },
    maxAttempts: 1,
  });
  try {
    const { Organization: organization } = await client.send(new DescribeOrganizationCommand({}), {
      abortSignal: signal,
    });
    return {
      ok: true,
      message: `AWS accepted the credentials and lets them read organization ${organization?.Id ?? ''} (management account ${organization?.MasterAccountId ?? 'unknown'})`,
    };
  } finally {
    client.destroy();
  }
}
