import type { JsonDocument } from '@nhi/nhi';
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

/** The export: REST answers gathered in one file, or one endpoint's answer as returned. */
export interface GitHubExport {
  organization?: string;
  installations?: Installation[] | { installations?: Installation[] };
  /** `owner/repo` → GET /repos/{owner}/{repo}/keys, or a flat list (the repository is read from `url`). */
  deploy_keys?: Record<string, DeployKey[]> | DeployKey[];
  personal_access_tokens?: FineGrainedToken[];
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
    if (object.installations || object.deploy_keys || object.personal_access_tokens) return object;
  }
  throw new UnreadableInputError(
    'Not a GitHub export: expected installations, deploy_keys or personal_access_tokens (REST JSON shapes)',
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
  output.read = {
    count: installations.length + keys.length + (data.personal_access_tokens ?? []).length,
    unit: 'installations, deploy keys and tokens',
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
  return output;
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
