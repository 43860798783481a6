/**
 * The GitLab REST v4 answers the connector reads, as documented, and the export document that bundles
 * them. Only the fields read are typed; GitLab never returns a token's value after it is created.
 */

/** GET /personal_access_tokens, /projects/:id/access_tokens, /groups/:id/access_tokens. */
export interface GitLabToken {
  id?: number;
  name?: string;
  description?: string | null;
  scopes?: string[];
  active?: boolean;
  revoked?: boolean;
  created_at?: string | null;
  expires_at?: string | null;
  last_used_at?: string | null;
  user_id?: number;
  /** Project and group access tokens only: 10 guest … 50 owner. */
  access_level?: number;
}

/** GET /projects/:id/deploy_tokens, /groups/:id/deploy_tokens. */
export interface GitLabDeployToken {
  id?: number;
  name?: string;
  username?: string;
  expires_at?: string | null;
  revoked?: boolean;
  expired?: boolean;
  scopes?: string[];
}

/** GET /projects/:id/deploy_keys. */
export interface GitLabDeployKey {
  id?: number;
  title?: string;
  created_at?: string | null;
  expires_at?: string | null;
  can_push?: boolean;
  fingerprint?: string | null;
  fingerprint_sha256?: string | null;
}

/** GET /users/:id, /groups/:id/service_accounts, /service_accounts. */
export interface GitLabUser {
  id?: number;
  username?: string;
  name?: string;
  email?: string | null;
  public_email?: string | null;
}

/**
 * GET /projects/:id/variables, /groups/:id/variables without their `value`: the value is dropped as
 * the answer is read, so it never reaches the rest of the connector.
 */
export interface GitLabVariableName {
  key: string;
  variable_type?: string;
  environment_scope?: string;
  protected?: boolean;
  masked?: boolean;
}

export interface GitLabProjectData {
  access_tokens?: GitLabToken[];
  deploy_tokens?: GitLabDeployToken[];
  deploy_keys?: GitLabDeployKey[];
  variables?: GitLabVariableName[];
}

export interface GitLabGroupData {
  access_tokens?: GitLabToken[];
  deploy_tokens?: GitLabDeployToken[];
  variables?: GitLabVariableName[];
  service_accounts?: GitLabUser[];
  /** Service account id → GET /groups/:id/service_accounts/:user_id/personal_access_tokens. */
  service_account_tokens?: Record<string, GitLabToken[]>;
}

/** The export: REST answers gathered in one file (docs/sources/gitlab.md shows how). */
export interface GitLabExport {
  base_url?: string;
  /** The token owners, so a personal access token names its user (GET /users/:id). */
  users?: GitLabUser[];
  personal_access_tokens?: GitLabToken[];
  /** Self-managed: GET /service_accounts (instance service accounts). */
  service_accounts?: GitLabUser[];
  /** Project full path → its answers. */
  projects?: Record<string, GitLabProjectData>;
  /** Group full path → its answers. */
  groups?: Record<string, GitLabGroupData>;
}

/** A variable's non-secret fields: whatever else the answer holds (its value) is left behind. */
export function variableName(variable: unknown): GitLabVariableName | null {
  if (!variable || typeof variable !== 'object') return null;
  const {
    key,
    variable_type,
    environment_scope,
    protected: isProtected,
    masked,
  } = variable as Record<string, unknown>;
  if (typeof key !== 'string' || !key) return null;
  return {
    key,
    variable_type: typeof variable_type === 'string' ? variable_type : undefined,
    environment_scope: typeof environment_scope === 'string' ? environment_scope : undefined,
    protected: typeof isProtected === 'boolean' ? isProtected : undefined,
    masked: typeof masked === 'boolean' ? masked : undefined,
  };
}
