import type { JsonDocument, JsonValue, SourcedCredential } from '@nhi/nhi';
import { cloudKeyOf } from '../ci-cloud-keys.ts';
import type { ConnectorOutput, DiscoveredNhi, IdentityFact, ScanWarning } from '../connector.ts';
import { emptyOutput } from '../connector.ts';
import type {
  GitLabDeployKey,
  GitLabDeployToken,
  GitLabExport,
  GitLabToken,
  GitLabUser,
  GitLabVariableName,
} from './gitlab-model.ts';
import {
  gitlabAdminScopes,
  gitlabDeployTokenWriteScopes,
  gitlabWriteScopes,
  scopesIn,
} from './gitlab-rules.ts';

/** GitLab's role names of access_level values (project and group access tokens). */
const accessLevels: Record<number, string> = {
  5: 'minimal_access',
  10: 'guest',
  15: 'planner',
  20: 'reporter',
  30: 'developer',
  40: 'maintainer',
  50: 'owner',
};

function date(value: string | null | undefined): Date | null {
  if (!value) return null;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new Error(`has an unreadable date: ${value}`);
  return parsed;
}

const latest = (dates: (Date | null)[]) =>
  dates.reduce<Date | null>((last, value) => (value && (!last || value > last) ? value : last), null);

/** Revoked, expired or inactive: GitLab no longer accepts the token. */
function tokenIsActive(
  token: { active?: boolean; revoked?: boolean; expired?: boolean },
  expiresAt: Date | null,
) {
  if (token.revoked || token.expired || token.active === false) return false;
  return !expiresAt || expiresAt.getTime() > Date.now();
}

/**
 * Owner hints where the ownership rules read every provider's tags (`metadata.authorization.tags`):
 * a token's user by email, and for what belongs to a project or group, the GitLab group that holds it,
 * spelled as CODEOWNERS does (`@acme/payments`), so the hub's team of that name is suggested as owner.
 */
function ownerHints(tags: { owner?: string | null; team?: string | null }): Record<string, JsonValue> {
  const present = Object.entries(tags).filter((entry): entry is [string, string] => Boolean(entry[1]));
  return present.length > 0 ? { authorization: { tags: Object.fromEntries(present) } } : {};
}

/** The group a project or group belongs to: the project's namespace, or the group itself. */
function teamOf(scope: 'project' | 'group', path: string): string | null {
  const namespace = scope === 'group' ? path : path.slice(0, Math.max(0, path.lastIndexOf('/')));
  return namespace ? `@${namespace}` : null;
}

interface TokenCredential {
  credential: SourcedCredential;
  facts: IdentityFact[];
  scopes: string[];
}

/** A token as a credential of its identity, with the facts its scopes and use give. */
function tokenCredential(
  externalId: string,
  token: GitLabToken,
  where: Record<string, string>,
): TokenCredential {
  if (typeof token.id !== 'number') throw new Error('has no id');
  const credentialKey = `token_${token.id}`;
  const expiresAt = date(token.expires_at);
  const lastUsedAt = date(token.last_used_at);
  const active = tokenIsActive(token, expiresAt);
  const scopes = token.scopes ?? [];
  const facts: IdentityFact[] = [];
  // A token GitLab no longer accepts grants nothing: its scopes are history, not exposure.
  if (active) {
    const subject = `${externalId}|${credentialKey}`;
    const writes = scopesIn(scopes, gitlabWriteScopes);
    if (writes.length > 0)
      facts.push({
        kind: 'gitlab.token_write_scope',
        subject,
        credentialKey,
        evidence: { token: token.name ?? null, scopes: writes, ...where },
      });
    const admin = scopesIn(scopes, gitlabAdminScopes);
    if (admin.length > 0)
      facts.push({
        kind: 'gitlab.admin_scope',
        subject,
        credentialKey,
        evidence: { token: token.name ?? null, scopes: admin, ...where },
      });
    if (!lastUsedAt)
      facts.push({
        kind: 'credential.never_used',
        subject,
        credentialKey,
        evidence: { token: token.name ?? null, ...where },
      });
  }
  return {
    credential: {
      key: credentialKey,
      kind: 'token',
      status: active ? 'active' : 'inactive',
      providerCreatedAt: date(token.created_at),
      expiresAt,
      lastUsedAt,
    },
    facts,
    scopes,
  };
}

/** An identity whose credentials are tokens: active while one of them is. */
function tokenIdentity(
  base: Omit<DiscoveredNhi, 'facts' | 'credentials' | 'status' | 'lastUsedAt' | 'permissions'>,
  tokens: GitLabToken[],
  where: Record<string, string>,
  permissions: (token: GitLabToken) => Record<string, unknown>,
): DiscoveredNhi {
  const read = tokens.map((token) => tokenCredential(base.externalId, token, where));
  return {
    ...base,
    status: read.some((entry) => entry.credential.status === 'active') ? 'active' : 'disabled',
    lastUsedAt: latest(read.map((entry) => entry.credential.lastUsedAt ?? null)),
    permissions: tokens.map(permissions) as JsonDocument,
    credentials: read.map((entry) => entry.credential),
    facts: read.flatMap((entry) => entry.facts),
  };
}

interface Collector {
  output: ConnectorOutput;
  /** Runs one entry's reading: a bad entry becomes a warning and the rest is still read. */
  each<T>(items: T[] | undefined, item: (entry: T, index: number) => string, read: (entry: T) => void): void;
}

function collector(): Collector {
  const output = emptyOutput();
  let count = 0;
  output.read = { count: 0, unit: 'tokens, keys, accounts and variables' };
  return {
    output,
    each(items, item, read) {
      if (items !== undefined && !Array.isArray(items)) {
        output.warnings.push({ item: item(items as never, 0), message: 'is not a list' });
        return;
      }
      (items ?? []).forEach((entry, index) => {
        count += 1;
        if (output.read) output.read.count = count;
        try {
          if (!entry || typeof entry !== 'object') throw new Error('is not an object');
          read(entry);
        } catch (error) {
          output.warnings.push({ item: item(entry, index), message: (error as Error).message });
        }
      });
    },
  };
}

const label =
  (kind: string, where: string) => (entry: { name?: string; title?: string; key?: string }, index: number) =>
    `${where} ${kind} ${index + 1}${entry?.name || entry?.title || entry?.key ? ` (${entry.name ?? entry.title ?? entry.key})` : ''}`;

/**
 * The identities of GitLab's answers: personal access tokens, the bot users of project and group
 * access tokens, deploy tokens and keys, service accounts, and CI/CD variables named as cloud keys.
 * `instance` is the instance's host (instanceHostOf): GitLab's ids are unique only within one
 * instance, so each external id names it (`gitlab:gitlab.com:pat:1`).
 */
export function readGitLabData(
  data: GitLabExport,
  instance: string,
  warnings: ScanWarning[] = [],
): ConnectorOutput {
  const prefix = `gitlab:${instance}:`;
  const { output, each } = collector();
  output.warnings.push(...warnings);
  const users = new Map<number, GitLabUser>();
  for (const user of Array.isArray(data.users) ? data.users : [])
    if (user && typeof user.id === 'number') users.set(user.id, user);

  // Tokens of bots and service accounts also show in the instance's list of personal access tokens:
  // they are read once, as credentials of those identities.
  const claimedTokens = new Set<number>();
  const claimedUsers = new Set<number>();
  const projects = Object.entries(data.projects ?? {});
  const groups = Object.entries(data.groups ?? {});
  for (const [, scope] of [...projects, ...groups])
    for (const token of Array.isArray(scope?.access_tokens) ? scope.access_tokens : []) {
      if (typeof token?.id === 'number') claimedTokens.add(token.id);
      if (typeof token?.user_id === 'number') claimedUsers.add(token.user_id);
    }

  const serviceAccounts = new Map<
    number,
    { account: GitLabUser; group: string | null; tokens: GitLabToken[] }
  >();
  const addServiceAccounts = (accounts: GitLabUser[] | undefined, group: string | null, where: string) =>
    each(accounts, label('service account', where), (account) => {
      if (typeof account.id !== 'number') throw new Error('has no id');
      const known = serviceAccounts.get(account.id);
      if (!known) serviceAccounts.set(account.id, { account, group, tokens: [] });
      claimedUsers.add(account.id);
    });
  addServiceAccounts(data.service_accounts, null, 'instance');
  for (const [path, group] of groups) {
    addServiceAccounts(group?.service_accounts, path, `group ${path}`);
    for (const [id, tokens] of Object.entries(group?.service_account_tokens ?? {})) {
      const entry = serviceAccounts.get(Number(id));
      for (const token of Array.isArray(tokens) ? tokens : [])
        if (entry && typeof token?.id === 'number' && !entry.tokens.some((known) => known.id === token.id)) {
          entry.tokens.push(token);
          claimedTokens.add(token.id);
        }
    }
  }

  each(data.personal_access_tokens, label('personal access token', 'instance'), (token) => {
    if (typeof token.id === 'number' && claimedTokens.has(token.id)) return;
    const account = typeof token.user_id === 'number' ? serviceAccounts.get(token.user_id) : undefined;
    if (account) {
      if (!account.tokens.some((known) => known.id === token.id)) account.tokens.push(token);
      return;
    }
    if (typeof token.user_id === 'number' && claimedUsers.has(token.user_id)) return;
    output.nhis.push(personalToken(prefix, token, users));
  });

  for (const [id, { account, group, tokens }] of serviceAccounts) {
    const externalId = `${prefix}service_account:${id}`;
    const where: Record<string, string> = group ? { group } : {};
    try {
      const identity = tokenIdentity(
        {
          provider: 'gitlab',
          externalId,
          kind: 'service_account',
          name: account.username ?? account.name ?? String(id),
          description: account.name ?? null,
          metadata: {
            gitlab: {
              userId: id,
              username: account.username ?? null,
              email: account.email ?? null,
              group,
              owner: group,
            },
            ...ownerHints({ team: group ? teamOf('group', group) : null }),
          },
        },
        tokens,
        where,
        (token) => ({ token: token.name ?? null, scopes: token.scopes ?? [] }),
      );
      // An account with no token is still an account: it is active until GitLab blocks it.
      if (tokens.length === 0) identity.status = 'active';
      output.nhis.push(identity);
    } catch (error) {
      output.warnings.push({
        item: `service account ${account.username ?? id}`,
        message: (error as Error).message,
      });
    }
  }

  for (const [path, project] of projects) readScope(each, output, prefix, 'project', path, project ?? {});
  for (const [path, group] of groups) readScope(each, output, prefix, 'group', path, group ?? {});
  return output;
}

function personalToken(prefix: string, token: GitLabToken, users: Map<number, GitLabUser>): DiscoveredNhi {
  if (typeof token.id !== 'number' || !token.name) throw new Error('has no id or name');
  const user = typeof token.user_id === 'number' ? users.get(token.user_id) : undefined;
  const owner = user?.username ?? (token.user_id !== undefined ? `user ${token.user_id}` : 'unknown user');
  const email = user?.email ?? user?.public_email ?? null;
  return tokenIdentity(
    {
      provider: 'gitlab',
      externalId: `${prefix}pat:${token.id}`,
      kind: 'personal_access_token',
      name: `${owner}: ${token.name}`,
      description: token.description ?? null,
      providerCreatedAt: date(token.created_at),
      metadata: {
        gitlab: {
          tokenId: token.id,
          userId: token.user_id ?? null,
          username: user?.username ?? null,
          email,
          owner: email ?? user?.username ?? null,
        },
        ...ownerHints({ owner: email }),
      },
    },
    [token],
    user?.username ? { user: user.username } : {},
    (entry) => ({ scopes: entry.scopes ?? [] }),
  );
}

type ScopeKind = 'project' | 'group';

function readScope(
  each: Collector['each'],
  output: ConnectorOutput,
  prefix: string,
  scope: ScopeKind,
  path: string,
  data: {
    access_tokens?: GitLabToken[];
    deploy_tokens?: GitLabDeployToken[];
    deploy_keys?: GitLabDeployKey[];
    variables?: GitLabVariableName[];
  },
) {
  const where = `${scope} ${path}`;
  const bots = new Map<string, GitLabToken[]>();
  each(data.access_tokens, label('access token', where), (token) => {
    if (typeof token.id !== 'number') throw new Error('has no id');
    // The token's bot user is the identity: rotation gives it a new token, not a new user.
    const key =
      typeof token.user_id === 'number' ? `bot:${token.user_id}` : `${scope}:${path}:token:${token.id}`;
    bots.set(key, [...(bots.get(key) ?? []), token]);
  });
  for (const [key, tokens] of bots) {
    const externalId = `${prefix}${key}`;
    const newest = tokens[tokens.length - 1] as GitLabToken;
    try {
      output.nhis.push(
        tokenIdentity(
          {
            provider: 'gitlab',
            externalId,
            kind: 'api_key',
            name: `${path}: ${newest.name ?? newest.id}`,
            description: newest.description ?? null,
            providerCreatedAt: latest(tokens.map((token) => date(token.created_at))),
            metadata: {
              gitlab: {
                [scope]: path,
                botUserId: newest.user_id ?? null,
                accessLevel: accessLevels[newest.access_level ?? -1] ?? newest.access_level ?? null,
                owner: path,
              },
              ...ownerHints({ team: teamOf(scope, path) }),
            },
          },
          tokens,
          { [scope]: path },
          (token) => ({
            [scope]: path,
            accessLevel: accessLevels[token.access_level ?? -1] ?? token.access_level ?? null,
            scopes: token.scopes ?? [],
          }),
        ),
      );
    } catch (error) {
      output.warnings.push({
        item: `${where} access token ${newest.name ?? ''}`.trim(),
        message: (error as Error).message,
      });
    }
  }
  each(data.deploy_tokens, label('deploy token', where), (token) =>
    output.nhis.push(deployToken(prefix, scope, path, token)),
  );
  each(data.deploy_keys, label('deploy key', where), (key) => output.nhis.push(deployKey(prefix, path, key)));
  const cloudKeys = new Map<string, GitLabVariableName[]>();
  each(data.variables, label('variable', where), (variable) => {
    if (typeof variable.key !== 'string' || !variable.key) throw new Error('has no key');
    if (cloudKeyOf(variable.key))
      cloudKeys.set(variable.key, [...(cloudKeys.get(variable.key) ?? []), variable]);
  });
  for (const [key, variables] of cloudKeys)
    output.nhis.push(cloudKeyVariable(prefix, scope, path, key, variables));
}

function deployToken(
  prefix: string,
  scope: ScopeKind,
  path: string,
  token: GitLabDeployToken,
): DiscoveredNhi {
  if (typeof token.id !== 'number') throw new Error('has no id');
  const externalId = `${prefix}deploy_token:${token.id}`;
  const credentialKey = `deploy_token_${token.id}`;
  const expiresAt = date(token.expires_at);
  const active = tokenIsActive(token, expiresAt);
  const writes = scopesIn(token.scopes, gitlabDeployTokenWriteScopes);
  const facts: IdentityFact[] = [];
  if (active && writes.length > 0)
    facts.push({
      kind: 'gitlab.deploy_token_write',
      subject: `${externalId}|${credentialKey}`,
      credentialKey,
      evidence: { [scope]: path, token: token.name ?? null, scopes: writes },
    });
  return {
    provider: 'gitlab',
    externalId,
    kind: 'deploy_key',
    name: `${path}: ${token.name ?? token.id}`,
    status: active ? 'active' : 'disabled',
    permissions: [{ [scope]: path, scopes: token.scopes ?? [] }],
    metadata: {
      gitlab: { [scope]: path, username: token.username ?? null, owner: path },
      ...ownerHints({ team: teamOf(scope, path) }),
    },
    credentials: [{ key: credentialKey, kind: 'token', status: active ? 'active' : 'inactive', expiresAt }],
    facts,
  };
}

function deployKey(prefix: string, project: string, key: GitLabDeployKey): DiscoveredNhi {
  if (typeof key.id !== 'number') throw new Error('has no id');
  const externalId = `${prefix}deploy_key:${project}:${key.id}`;
  const credentialKey = `deploy_key_${key.id}`;
  const expiresAt = date(key.expires_at);
  const active = tokenIsActive({}, expiresAt);
  const facts: IdentityFact[] = [];
  if (active && key.can_push === true)
    facts.push({
      kind: 'gitlab.deploy_key_write',
      subject: externalId,
      credentialKey,
      evidence: { project, key: key.title ?? null },
    });
  return {
    provider: 'gitlab',
    externalId,
    kind: 'deploy_key',
    name: `${project}: ${key.title ?? key.id}`,
    status: active ? 'active' : 'disabled',
    providerCreatedAt: date(key.created_at),
    permissions: [{ project, access: key.can_push ? 'write' : 'read' }],
    metadata: {
      gitlab: {
        project,
        canPush: key.can_push === true,
        publicKeyFingerprint: key.fingerprint_sha256 ?? key.fingerprint ?? null,
        owner: project,
      },
      ...ownerHints({ team: teamOf('project', project) }),
    },
    credentials: [
      {
        key: credentialKey,
        kind: 'private_key',
        status: active ? 'active' : 'inactive',
        providerCreatedAt: date(key.created_at),
        expiresAt,
      },
    ],
    facts,
  };
}

/** A CI/CD variable named as a cloud key stands for the cloud credential it holds; its value is never read. */
function cloudKeyVariable(
  prefix: string,
  scope: ScopeKind,
  path: string,
  key: string,
  variables: GitLabVariableName[],
): DiscoveredNhi {
  const externalId = `${prefix}variable:${path}/${key}`;
  const environments = [...new Set(variables.map((variable) => variable.environment_scope ?? '*'))];
  const cloud = cloudKeyOf(key);
  return {
    provider: 'gitlab',
    externalId,
    kind: 'api_key',
    name: `${key} in ${path}`,
    permissions: [],
    metadata: {
      gitlab: {
        [scope]: path,
        variable: key,
        cloud,
        environments,
        protected: variables.every((variable) => variable.protected === true),
        masked: variables.every((variable) => variable.masked === true),
        owner: path,
      },
      ...ownerHints({ team: teamOf(scope, path) }),
    },
    facts: [
      {
        kind: 'gitlab.ci_cloud_key',
        subject: externalId,
        evidence: { [scope]: path, variable: key, cloud, environments },
      },
    ],
  };
}
