import type { CredentialKind, NhiEnvironment, NhiKind, NhiProvider, NhiStatus } from '@nhi/nhi';
import type { ListNhiInput } from '@nhi/nhi/schema';

/**
 * The inventory's enumerations for pages that need the values but not the validators: importing
 * them from the shared schema module would load zod on every page (the list's URL parsing runs in
 * the main bundle). A test keeps these equal to the schema's.
 */
export const nhiKinds = [
  'service_account',
  'access_key',
  'api_key',
  'oauth_app',
  'personal_access_token',
  'deploy_key',
  'ssh_key',
  'certificate',
  'bot',
  'workload_identity',
  'ai_agent',
  'other',
] as const satisfies readonly NhiKind[];

export const nhiProviders = [
  'aws',
  'gcp',
  'azure',
  'github',
  'kubernetes',
  'slack',
  'okta',
  'other',
] as const satisfies readonly NhiProvider[];

export const nhiEnvironments = [
  'production',
  'staging',
  'development',
  'unknown',
] as const satisfies readonly NhiEnvironment[];

export const nhiStatuses = [
  'active',
  'disabled',
  'decommissioned',
  'missing_from_source',
] as const satisfies readonly NhiStatus[];

export const credentialKinds = [
  'access_key',
  'api_key',
  'password',
  'token',
  'private_key',
  'certificate',
  'client_secret',
  'other',
] as const satisfies readonly CredentialKind[];

export type SortKey = NonNullable<ListNhiInput['sort']>;

export const sortableColumns = [
  'name',
  'kind',
  'provider',
  'environment',
  'status',
  'owner',
  'lastUsedAt',
  'lastSeenAt',
  'firstSeenAt',
  'updatedAt',
  'oldestCredentialAge',
  'nextCredentialExpiry',
] as const satisfies readonly SortKey[];
