import type { JsonDocument } from '@nhi/nhi';
import { cloudKeyOf } from '../ci-cloud-keys.ts';
import {
  type ConnectorOutput,
  type DiscoveredNhi,
  emptyOutput,
  type IdentityFact,
  UnreadableInputError,
} from '../connector.ts';

interface Installation {
  id?: number;
  app_id?: number;
  app_slug?: string;
  account?: { login?: string };
  permissions?: Record<string, string>;
  repository_selection?: string;
  suspended_at?: string | null;
  created_at?: string;
  updated_at?: string;
}
interface DeployKey {
  id?: number;
  title?: string;
  url?: string;
  read_only?: boolean;
  created_at?: string;
  last_used?: string | null;
  added_by?: string | null;
}
interface FineGrainedToken {
  id?: number;
  owner?: { login?: string };
  token_id?: number;
  token_name?: string;
  token_expired?: boolean;
  token_expires_at?: string | null;
  token_last_used_at?: string | null;
  access_granted_at?: string;
  repository_selection?: string;
  permissions?: Record<string, Record<string, string>>;
}

/** GET /orgs/{org}/actions/secrets and /repos/{owner}/{repo}/actions/secrets items: names, never values. */
interface ActionsSecret {
  name?: string;
  created_at?: string;
  updated_at?: string;
  /** Organisation secrets: `all`, `private` or `selected` repositories. */
  visibility?: string;
}
type ActionsSecretList = (ActionsSecret | string)[] | { secrets?: (ActionsSecret | string)[] };
export interface ActionsSecrets {
  org?: ActionsSecretList;
  /** `owner/repo` → that repository's secrets. */
  repositories?: Record<string, ActionsSecretList>;
}

/** The export: REST answers gathered in one file, or one endpoint's answer as returned. */
export interface GitHubExport {
  organization?: string;
  installations?: Installation[] | { installations?: Installation[] };
  /** `owner/repo` → GET /repos/{owner}/{repo}/keys, or a flat list (the repository is read from `url`). */
  deploy_keys?: Record<string, DeployKey[]> | DeployKey[];
  personal_access_tokens?: FineGrainedToken[];
  actions_secrets?: ActionsSecrets;
}

const writeAccess = new Set(['write', 'admin']);
const date = (value: string | null | undefined) => (value ? new Date(value) : null);

function normalise(input: unknown): GitHubExport {
  if (Array.isArray(input)) {
    const first = input[0] as Record<string, unknown> | undefined;
    if (!first) return {};
    if ('read_only' in first || 'key' in first) return { deploy_keys: input as DeployKey[] };
    if ('token_id' in first || 'token_expires_at' in first)
      return { personal_access_tokens: input as FineGrainedToken[] };
    if ('app_slug' in first) return { installations: input as Installation[] };
    throw new UnreadableInputError(
      'A GitHub export array must hold installations, deploy keys or personal access tokens',
    );
  }
  if (input && typeof input === 'object') {
    const object = input as GitHubExport;
    if (object.installations || object.deploy_keys || object.personal_access_tokens || object.actions_secrets)
      return object;
  }
  throw new UnreadableInputError(
    'Not a GitHub export: expected installations, deploy_keys, personal_access_tokens or actions_secrets (REST JSON shapes)',
  );
}

/** GitHub App installations, deploy keys and fine-grained tokens of an organisation as identities. */
export function readGitHubExport(text: string): ConnectorOutput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UnreadableInputError(`The GitHub export is not JSON: ${(error as Error).message}`);
  }
  return readGitHubData(normalise(parsed));
}

export function readGitHubData(data: GitHubExport): ConnectorOutput {
  const output = emptyOutput();
  const org = data.organization ?? 'github';
  const installations = Array.isArray(data.installations)
    ? data.installations
    : (data.installations?.installations ?? []);
  installations.forEach((installation, index) => {
    const item = `installation ${index + 1} (${installation.app_slug ?? 'no app'})`;
    try {
      output.nhis.push(installationOf(org, installation));
    } catch (error) {
      output.warnings.push({ item, message: (error as Error).message });
    }
  });
  const keys = Array.isArray(data.deploy_keys)
    ? data.deploy_keys.map((key) => [repositoryOf(key.url), key] as const)
    : Object.entries(data.deploy_keys ?? {}).flatMap(([repo, list]) =>
        (list ?? []).map((key) => [repo, key] as const),
      );
  keys.forEach(([repo, key], index) => {
    try {
      output.nhis.push(deployKeyOf(repo, key));
    } catch (error) {
      output.warnings.push({
        item: `deploy key ${index + 1} (${key.title ?? 'untitled'})`,
        message: (error as Error).message,
      });
    }
  });
  const secrets = actionsSecretsOf(org, data.actions_secrets);
  output.read = {
    count: installations.length + keys.length + (data.personal_access_tokens ?? []).length + secrets.length,
    unit:
      secrets.length > 0
        ? 'installations, deploy keys, tokens and Actions secrets'
        : 'installations, deploy keys and tokens',
  };
  (data.personal_access_tokens ?? []).forEach((token, index) => {
    try {
      output.nhis.push(tokenOf(org, token));
    } catch (error) {
      output.warnings.push({
        item: `personal access token ${index + 1} (${token.token_name ?? 'unnamed'})`,
        message: (error as Error).message,
      });
    }
  });
  secrets.forEach(({ owner, secret }, index) => {
    try {
      const nhi = actionsSecretOf(org, owner, secret);
      if (nhi) output.nhis.push(nhi);
    } catch (error) {
      output.warnings.push({
        item: `Actions secret ${index + 1} of ${owner.name}`,
        message: (error as Error).message,
      });
    }
  });
  return output;
}

interface SecretOwner {
  scope: 'organization' | 'repository';
  name: string;
}

function actionsSecretsOf(org: string, data: ActionsSecrets | undefined) {
  const listOf = (list: ActionsSecretList | undefined) =>
    (Array.isArray(list) ? list : (list?.secrets ?? [])).map((secret) =>
      typeof secret === 'string' ? { name: secret } : secret,
    );
  return [
    ...listOf(data?.org).map((secret) => ({
      owner: { scope: 'organization', name: org } as SecretOwner,
      secret,
    })),
    ...Object.entries(data?.repositories ?? {}).flatMap(([repository, list]) =>
      listOf(list).map((secret) => ({
        owner: { scope: 'repository', name: repository } as SecretOwner,
        secret,
      })),
    ),
  ];
}

/**
 * An Actions secret named as a long-lived cloud key stands for that key: the identity a pipeline
 * authenticates as. Other secrets are no cloud identity and are left out. GitHub never returns the
 * value; updating a secret replaces the key, so its update time is the key's last rotation.
 */
function actionsSecretOf(org: string, owner: SecretOwner, secret: ActionsSecret): DiscoveredNhi | null {
  if (!secret.name) throw new Error('has no name');
  const cloud = cloudKeyOf(secret.name);
  if (!cloud) return null;
  const externalId = `github:actions-secret:${owner.name}/${secret.name}`;
  const credentialKey = 'actions_secret';
  const repository = owner.scope === 'repository' ? owner.name : null;
  return {
    provider: 'github',
    externalId,
    kind: 'api_key',
    name: `${secret.name} in ${owner.name}`,
    providerCreatedAt: date(secret.created_at),
    permissions: [],
    metadata: {
      github: {
        organization: repository ? (repository.split('/')[0] ?? org) : owner.name,
        repository,
        actionsSecret: {
          name: secret.name,
          scope: owner.scope,
          cloud,
          visibility: secret.visibility ?? null,
          updatedAt: secret.updated_at ?? null,
        },
      },
    },
    credentials: [
      {
        key: credentialKey,
        kind: cloud === 'aws' ? 'access_key' : cloud === 'azure' ? 'client_secret' : 'private_key',
        status: 'active',
        providerCreatedAt: date(secret.created_at),
        lastRotatedAt: date(secret.updated_at ?? secret.created_at),
      },
    ],
    facts: [
      {
        kind: 'github.actions_cloud_key',
        subject: externalId,
        credentialKey,
        evidence: {
          secret: secret.name,
          cloud,
          scope: owner.scope,
          [owner.scope]: owner.name,
          ...(secret.visibility ? { visibility: secret.visibility } : {}),
        },
      },
    ],
  };
}

function repositoryOf(url: string | undefined): string | null {
  return url ? (/\/repos\/([^/]+\/[^/]+)\/keys\//.exec(url)?.[1] ?? null) : null;
}

function installationOf(org: string, installation: Installation): DiscoveredNhi {
  if (!installation.id || !installation.app_slug) throw new Error('has no id or app_slug');
  const externalId = `github:${org}:installation:${installation.id}`;
  const permissions = installation.permissions ?? {};
  const writes = Object.entries(permissions).filter(([, access]) => writeAccess.has(access));
  const all = installation.repository_selection === 'all';
  const facts: IdentityFact[] = [];
  if (all && writes.length > 0)
    facts.push({
      kind: 'github.app_write_all',
      subject: externalId,
      evidence: { permissions: Object.fromEntries(writes) },
    });
  const admin = Object.entries(permissions).filter(([, access]) => access === 'admin');
  if (admin.length > 0)
    facts.push({
      kind: 'github.app_admin_permission',
      subject: externalId,
      evidence: { permissions: Object.fromEntries(admin) },
    });
  if (installation.suspended_at)
    facts.push({
      kind: 'github.app_suspended',
      subject: externalId,
      evidence: { suspendedAt: installation.suspended_at },
    });
  return {
    provider: 'github',
    externalId,
    kind: 'oauth_app',
    name: installation.app_slug,
    status: installation.suspended_at ? 'disabled' : 'active',
    providerCreatedAt: date(installation.created_at),
    permissions: Object.entries(permissions).map(([permission, access]) => ({
      permission,
      access,
    })) as JsonDocument,
    metadata: {
      github: {
        organization: installation.account?.login ?? org,
        appId: installation.app_id ?? null,
        repositorySelection: installation.repository_selection ?? null,
        suspendedAt: installation.suspended_at ?? null,
      },
    },
    facts,
  };
}

function deployKeyOf(repo: string | null, key: DeployKey): DiscoveredNhi {
  if (!key.id || !repo) throw new Error('has no id or repository');
  const externalId = `github:${repo}:deploy_key:${key.id}`;
  const credentialKey = `deploy_key_${key.id}`;
  const facts: IdentityFact[] = [];
  if (key.read_only === false)
    facts.push({
      kind: 'github.deploy_key_write',
      subject: externalId,
      credentialKey,
      evidence: { repository: repo },
    });
  if (!key.last_used)
    facts.push({
      kind: 'credential.never_used',
      subject: `${externalId}|${credentialKey}`,
      credentialKey,
      evidence: { repository: repo },
    });
  return {
    provider: 'github',
    externalId,
    kind: 'deploy_key',
    name: `${repo}: ${key.title ?? key.id}`,
    providerCreatedAt: date(key.created_at),
    lastUsedAt: date(key.last_used),
    permissions: [{ repository: repo, access: key.read_only === false ? 'write' : 'read' }],
    metadata: {
      github: { repository: repo, readOnly: key.read_only !== false, addedBy: key.added_by ?? null },
    },
    credentials: [
      {
        key: credentialKey,
        kind: 'private_key',
        status: 'active',
        providerCreatedAt: date(key.created_at),
        lastUsedAt: date(key.last_used),
      },
    ],
    facts,
  };
}

function tokenOf(org: string, token: FineGrainedToken): DiscoveredNhi {
  if (!token.id || !token.token_name) throw new Error('has no id or token_name');
  const externalId = `github:${org}:pat:${token.id}`;
  const credentialKey = `token_${token.token_id ?? token.id}`;
  const grants = Object.entries(token.permissions ?? {}).flatMap(([scope, entries]) =>
    Object.entries(entries ?? {}).map(([permission, access]) => ({ scope, permission, access })),
  );
  const writes = grants.filter((grant) => writeAccess.has(grant.access));
  const facts: IdentityFact[] = [];
  if (!token.token_expires_at && !token.token_expired)
    facts.push({ kind: 'github.pat_no_expiry', subject: externalId, credentialKey, evidence: {} });
  if (writes.length > 0)
    facts.push({
      kind: 'github.pat_write_permission',
      subject: externalId,
      credentialKey,
      evidence: { permissions: writes },
    });
  return {
    provider: 'github',
    externalId,
    kind: 'personal_access_token',
    name: `${token.owner?.login ?? 'unknown'}: ${token.token_name}`,
    providerCreatedAt: date(token.access_granted_at),
    lastUsedAt: date(token.token_last_used_at),
    permissions: grants as JsonDocument,
    metadata: {
      github: {
        organization: org,
        owner: token.owner?.login ?? null,
        repositorySelection: token.repository_selection ?? null,
      },
    },
    credentials: [
      {
        key: credentialKey,
        kind: 'token',
        status: token.token_expired ? 'inactive' : 'active',
        expiresAt: date(token.token_expires_at),
        lastUsedAt: date(token.token_last_used_at),
      },
    ],
    facts,
  };
}
