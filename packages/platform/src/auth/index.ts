export {
  checkPasswordPolicy,
  type LinkDelivery,
  type PasswordLinkInfo,
  PasswordLinks,
  passwordLinkPath,
  passwordLinkTtlMs,
} from './account-links.ts';
export { apiTokenPrefix, generateApiToken, hashApiToken, looksLikeApiToken } from './api-token-format.ts';
export { apiTokensRouter } from './api-tokens.procedures.ts';
export {
  apiTokenExpiry,
  type CreateApiTokenInput,
  createApiTokenInput,
  maxApiTokenLifetimeDays,
  type RevokeApiTokenInput,
  revokeApiTokenInput,
} from './api-tokens.schema.ts';
export { ApiTokenService, type ApiTokenSummary, type CreatedApiToken } from './api-tokens.service.ts';
export { type AuditEntry, writeAuditEntry } from './audit-entry.ts';
export {
  type Authenticated,
  AuthService,
  defaultRealmSlug,
  type EndedSession,
  type LoginResult,
  normaliseEmail,
  type RealmOfUser,
  type RealmSummary,
  type SessionToken,
} from './auth.service.ts';
export { BuiltInRolePermissionResolver } from './builtin-role-resolver.ts';
export type { NamedGroup } from './caller-scope.sql.ts';
export type { CallerScope } from './caller-scope.ts';
export {
  allCoverage,
  asRequestPermissions,
  type Coverage,
  coverageIfHeld,
  coveredGroupsWhere,
  coveredOwnerWhere,
  coversOwner,
  noCoverage,
  permissionsWithCoverage,
  type RequestPermissions,
  unguardedPermissions,
} from './coverage.ts';
export { identityCovered, ownerCovered } from './coverage-sql.ts';
export {
  ensureFirstStart,
  type FirstStartOptions,
  type FirstStartResult,
  initialPasswordFileName,
} from './first-start.ts';
export { LoginThrottle } from './login-throttle.ts';
export { mfaRouter } from './mfa/mfa.procedures.ts';
export { MfaService, type MfaStatus, type TotpEnrolment } from './mfa/mfa.service.ts';
export { type ChallengePurpose, type MfaChallenge, MfaChallenges } from './mfa/mfa-challenges.ts';
export { totpCodeAt } from './mfa/totp.ts';
export { changeMyPassword, type MySession, mySessions, signOutEverywhere } from './my-account.ts';
export {
  type ApiTokenStatus,
  apiTokenStatus,
  createMyApiToken,
  type GrantablePermission,
  grantablePermissionsOf,
  listMyApiTokens,
  type MyApiToken,
  revokeMyApiToken,
} from './my-api-tokens.ts';
export { myRealmsRouter } from './my-realms.procedures.ts';
export { type SwitchRealmInput, switchRealmInput } from './my-realms.schema.ts';
export {
  type MyRealm,
  type MyRealms,
  myRealmsOf,
  type RealmSwitch,
  type SwitchedRealm,
  switchMyRealm,
} from './my-realms.ts';
export {
  type AssertedIdentity,
  type ManagedGrants,
  OidcAccounts,
} from './oidc/oidc-accounts.ts';
export { type OidcClaimRule, type OidcProviderConfig, oidcEnvPrefix } from './oidc/oidc-config.ts';
export { OIDC_FLOW_COOKIE, OidcLogin, OidcLoginError, oidcFlowTtlSeconds } from './oidc/oidc-login.ts';
export { PasswordHasher } from './password-hasher.ts';
export * from './permissions.ts';
export { type CreatedMember, RealmAdminService } from './realm-admin.service.ts';
export { isUniqueViolation, realmCreatedEvent } from './realm-admin-writes.ts';
export { registerAuth } from './register-auth.ts';
export {
  type IssuedSessionToken,
  type SessionClaims,
  SessionTokens,
  sessionExpired,
  sessionInvalid,
} from './session-tokens.ts';
export { type SessionAlgorithm, sessionAlgorithms } from './signing-key-material.ts';
export { SigningKeys } from './signing-keys.ts';
export {
  AccountBeyondRealmError,
  type InvitedUser,
  type RealmUser,
  type ResetLink,
  type UserStatus,
} from './user-admin.ts';
export { meRouter, usersRouter } from './users.procedures.ts';
export {
  type ChangePasswordInput,
  changePasswordInput,
  type InviteUserInput,
  inviteUserInput,
  passwordLinkInput,
  redeemPasswordLinkInput,
  type SetRoleInput,
  setRoleInput,
  type UserIdInput,
  userIdInput,
} from './users.schema.ts';
export { WriteThrottle } from './write-throttle.ts';
