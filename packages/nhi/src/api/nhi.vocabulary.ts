/**
 * The inventory's enumerations, without validators: pages that only need the values import this
 * module and stay free of zod. They mirror the enums of prisma/schema.prisma.
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
] as const;
export const nhiProviders = [
  'aws',
  'gcp',
  'azure',
  'github',
  'gitlab',
  'kubernetes',
  'slack',
  'okta',
  'other',
] as const;
export const nhiEnvironments = ['production', 'staging', 'development', 'unknown'] as const;
export const nhiStatuses = ['active', 'disabled', 'decommissioned', 'missing_from_source'] as const;
export const credentialKinds = [
  'access_key',
  'api_key',
  'password',
  'token',
  'private_key',
  'certificate',
  'client_secret',
  'other',
] as const;
export const credentialStatuses = ['active', 'inactive', 'revoked'] as const;

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
] as const;

/**
 * The risk levels the inventory filters by: the level of the score the alert rules give an
 * identity, or none when it has no score.
 */
export const nhiRiskLevels = ['critical', 'high', 'medium', 'low', 'none'] as const;
