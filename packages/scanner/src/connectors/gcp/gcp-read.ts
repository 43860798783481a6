import type { JsonDocument, JsonValue, SourcedCredential } from '@nhi/nhi';
import type { ScanFactKind } from '../../api/scan-facts.ts';
import {
  type ConnectorOutput,
  type DiscoveredNhi,
  emptyOutput,
  type IdentityFact,
  type LooseFact,
  type ScanWarning,
} from '../connector.ts';
import type {
  GcpBinding,
  GcpExport,
  GcpKeyActivity,
  GcpServiceAccount,
  GcpServiceAccountKey,
} from './gcp-model.ts';

/** Roles that let a holder at project, folder or organization level act as the service accounts under it. */
export const impersonationRoles = new Set([
  'roles/iam.serviceAccountTokenCreator',
  'roles/iam.serviceAccountKeyAdmin',
  'roles/iam.serviceAccountUser',
  'roles/iam.workloadIdentityUser',
]);
const basicRoleFacts: Record<string, ScanFactKind> = {
  'roles/owner': 'gcp.owner_role',
  'roles/editor': 'gcp.editor_role',
};

/** Activity Analyzer reports authentications a day or two late: a newer key's silence means nothing yet. */
const activityLagMs = 2 * 86_400_000;
const resourcePattern = /^(projects|folders|organizations)\/[^/]+$/;
const defaultComputeAccount = /^\d+-compute@developer\.gserviceaccount\.com$/;

export interface GcpReadOptions {
  fingerprint(secret: string): Promise<string>;
  now?: Date;
  /** Projects whose own IAM policy could not be read: their accounts keep the permissions they had. */
  unreadPolicies?: ReadonlySet<string>;
}

interface Grant {
  resource: string;
  role: string;
  condition: { title: string | null; expression: string | null } | null;
}

const date = (value: string | undefined) => {
  if (!value) return null;
  const parsed = new Date(value);
  return Number.isNaN(parsed.getTime()) ? null : parsed;
};

/** `9999-12-31T23:59:59Z` is how IAM says a key never expires. */
const expiryOf = (value: string | undefined) => {
  const parsed = date(value);
  return parsed && parsed.getUTCFullYear() < 9999 ? parsed : null;
};

/** The project a service account lives in: its own field, its resource name, or its email's domain. */
export function projectOf(account: GcpServiceAccount): string | null {
  if (account.projectId) return account.projectId;
  const fromName = /^projects\/([^/]+)\/serviceAccounts\//.exec(account.name ?? '')?.[1];
  if (fromName && fromName !== '-') return fromName;
  return /@([^.]+)\.iam\.gserviceaccount\.com$/.exec(account.email ?? '')?.[1] ?? null;
}

const keyIdOf = (name: string | undefined) => /\/keys\/([^/]+)$/.exec(name ?? '')?.[1] ?? null;

/** Bindings per service-account email, read from every policy of the input. */
function grantsByAccount(data: GcpExport, warnings: ScanWarning[]) {
  const grants = new Map<string, Grant[]>();
  let bindings = 0;
  for (const [resource, policy] of Object.entries(data.policies ?? {})) {
    if (!resourcePattern.test(resource)) {
      warnings.push({
        item: `policy ${resource}`,
        message: 'is not named projects/<id>, folders/<id> or organizations/<id>: skipped',
      });
      continue;
    }
    (policy?.bindings ?? []).forEach((binding: GcpBinding, index) => {
      bindings += 1;
      if (!binding.role || !Array.isArray(binding.members)) {
        warnings.push({ item: `policy ${resource} binding ${index + 1}`, message: 'has no role or members' });
        return;
      }
      const condition = binding.condition
        ? { title: binding.condition.title ?? null, expression: binding.condition.expression ?? null }
        : null;
      for (const member of binding.members) {
        // `deleted:serviceAccount:…?uid=…` names an account that no longer exists: nothing can use it.
        if (typeof member !== 'string' || !member.startsWith('serviceAccount:')) continue;
        const email = member.slice('serviceAccount:'.length).toLowerCase();
        const list = grants.get(email) ?? [];
        list.push({ resource, role: binding.role, condition });
        grants.set(email, list);
      }
    });
  }
  return { grants, bindings };
}

function grantFacts(email: string, list: Grant[]): IdentityFact[] {
  const facts: IdentityFact[] = [];
  for (const grant of list) {
    const kind =
      basicRoleFacts[grant.role] ?? (impersonationRoles.has(grant.role) ? 'gcp.impersonation' : null);
    if (!kind) continue;
    facts.push({
      kind,
      subject: [
        email,
        grant.resource,
        grant.role,
        ...(grant.condition ? [grant.condition.expression] : []),
      ].join('|'),
      evidence: {
        resource: grant.resource,
        role: grant.role,
        ...(grant.condition
          ? {
              condition: grant.condition,
              note: 'granted under an IAM condition: it applies only when the condition holds',
            }
          : {}),
        ...(defaultComputeAccount.test(email) ? { defaultComputeServiceAccount: true } : {}),
      },
    });
  }
  return facts;
}

/** Last authentication per key id, and the projects whose activity was read (silence there means unused). */
function keyActivity(data: GcpExport) {
  const lastUsed = new Map<string, Date>();
  const queried = new Set<string>();
  const entries: [string | null, GcpKeyActivity[]][] = Array.isArray(data.keyLastAuthentication)
    ? [[null, data.keyLastAuthentication]]
    : Object.entries(data.keyLastAuthentication ?? {});
  for (const [project, activities] of entries) {
    if (project) queried.add(project);
    for (const entry of Array.isArray(activities) ? activities : []) {
      const name = entry.activity?.serviceAccountKey?.fullResourceName ?? entry.fullResourceName ?? '';
      const match =
        /\/\/iam\.googleapis\.com\/projects\/([^/]+)\/serviceAccounts\/[^/]+\/keys\/([^/]+)$/.exec(name);
      if (!match) continue;
      if (!project) queried.add(match[1] as string);
      const at = date(entry.activity?.lastAuthenticatedTime);
      const keyId = match[2] as string;
      const known = lastUsed.get(keyId);
      if (at && (!known || at > known)) lastUsed.set(keyId, at);
    }
  }
  return { lastUsed, queried };
}

/** Google Cloud service accounts with their user-managed keys and the roles bound to them. */
export async function readGcpData(data: GcpExport, options: GcpReadOptions): Promise<ConnectorOutput> {
  const output = emptyOutput();
  const now = options.now ?? new Date();
  const { grants, bindings } = grantsByAccount(data, output.warnings);
  const activity = keyActivity(data);
  const labelsOf = new Map(
    (data.projects ?? []).flatMap((project) =>
      project.projectId && project.labels && Object.keys(project.labels).length > 0
        ? [[project.projectId, project.labels] as const]
        : [],
    ),
  );
  const seen = new Set<string>();
  let keysRead = 0;
  const accounts = data.serviceAccounts ?? [];
  for (const [index, account] of accounts.entries()) {
    const item = `service account ${index + 1} (${account.email ?? account.name ?? 'no email'})`;
    const email = account.email?.toLowerCase();
    if (!email) {
      output.warnings.push({ item, message: 'has no email' });
      continue;
    }
    if (seen.has(email)) {
      output.warnings.push({ item, message: 'is listed twice: the first entry is kept' });
      continue;
    }
    seen.add(email);
    const keys = data.keys?.[account.email as string] ?? data.keys?.[email];
    keysRead += keys?.length ?? 0;
    output.nhis.push(
      await accountOf(account, email, keys ?? [], grants.get(email) ?? [], {
        ...options,
        now,
        activity,
        labels: labelsOf.get(projectOf(account) ?? '') ?? null,
        // An account missing from the keys (not listed, or refused) keeps the credentials it had.
        reportsKeys: Array.isArray(keys),
        reportsPolicies:
          data.policies !== undefined && !options.unreadPolicies?.has(`projects/${projectOf(account)}`),
        warnings: output.warnings,
        item,
      }),
    );
  }
  for (const [email, list] of grants) {
    if (seen.has(email)) continue;
    // An account of another project (or input) bound here: its facts belong to it when the inventory knows it.
    for (const fact of grantFacts(email, list))
      output.looseFacts.push({
        ...fact,
        about: { provider: 'gcp', externalId: email },
        when: 'known',
      } as LooseFact);
  }
  output.namesOthers = true;
  output.read = { count: accounts.length + keysRead + bindings, unit: 'service accounts, keys and bindings' };
  return output;
}

async function accountOf(
  account: GcpServiceAccount,
  email: string,
  keys: GcpServiceAccountKey[],
  grants: Grant[],
  context: GcpReadOptions & {
    now: Date;
    activity: ReturnType<typeof keyActivity>;
    labels: Record<string, string> | null;
    reportsKeys: boolean;
    reportsPolicies: boolean;
    warnings: ScanWarning[];
    item: string;
  },
): Promise<DiscoveredNhi> {
  const project = projectOf(account);
  const facts = grantFacts(email, grants);
  const credentials: SourcedCredential[] = [];
  for (const key of keys) {
    const keyId = keyIdOf(key.name);
    if (!keyId) {
      context.warnings.push({ item: context.item, message: `a key has no id (${key.name ?? 'no name'})` });
      continue;
    }
    if (key.keyType !== 'USER_MANAGED') {
      // Google holds and rotates system-managed keys: nobody can download them, so they are no credential here.
      if (key.keyType !== 'SYSTEM_MANAGED')
        context.warnings.push({ item: context.item, message: `key ${keyId} has no keyType: skipped` });
      continue;
    }
    const createdAt = date(key.validAfterTime);
    const expiresAt = expiryOf(key.validBeforeTime);
    const lastUsedAt = context.activity.lastUsed.get(keyId) ?? null;
    const active = key.disabled !== true && (!expiresAt || expiresAt > context.now);
    credentials.push({
      key: keyId,
      kind: 'private_key',
      fingerprint: await context.fingerprint(keyId),
      status: key.disabled === true ? 'inactive' : 'active',
      providerCreatedAt: createdAt,
      lastRotatedAt: createdAt,
      expiresAt,
      lastUsedAt,
    });
    const observed = project !== null && context.activity.queried.has(project);
    const settled = createdAt !== null && context.now.getTime() - createdAt.getTime() > activityLagMs;
    if (active && observed && settled && !lastUsedAt)
      facts.push({
        kind: 'credential.never_used',
        subject: `${email}|${keyId}`,
        credentialKey: keyId,
        evidence: {
          key: keyId,
          createdAt: createdAt?.toISOString() ?? null,
          source: 'Policy Analyzer activity',
        },
      });
  }
  const used = credentials.flatMap((credential) => (credential.lastUsedAt ? [credential.lastUsedAt] : []));
  const metadata: Record<string, JsonValue> = {
    gcp: {
      project,
      email,
      uniqueId: account.uniqueId ?? null,
      displayName: account.displayName ?? null,
      oauth2ClientId: account.oauth2ClientId ?? null,
      defaultComputeServiceAccount: defaultComputeAccount.test(email),
      ...(context.labels ? { projectLabels: context.labels } : {}),
    },
  };
  // The ownership rules read these tags: a project labelled team=payments suggests that team.
  if (context.labels) metadata.authorization = { tags: context.labels };
  return {
    provider: 'gcp',
    externalId: email,
    kind: 'service_account',
    name: email,
    description: account.description || account.displayName || null,
    status: account.disabled === true ? 'disabled' : 'active',
    // An input without policies or keys says nothing about them: what another scan recorded stays.
    ...(context.reportsPolicies
      ? {
          permissions: grants.map((grant) => ({
            resource: grant.resource,
            role: grant.role,
            ...(grant.condition ? { condition: grant.condition } : {}),
          })) as JsonDocument,
        }
      : {}),
    metadata,
    ...(used.length > 0 ? { lastUsedAt: new Date(Math.max(...used.map((at) => at.getTime()))) } : {}),
    ...(context.reportsKeys ? { credentials } : {}),
    facts,
  };
}
