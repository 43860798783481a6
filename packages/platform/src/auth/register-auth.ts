import type { DependencyContainer } from 'tsyringe';
import { InstanceForwarder } from '../instances/instance-forwarder.ts';
import { PasswordLinks } from './account-links.ts';
import { ApiTokenService } from './api-tokens.service.ts';
import { AuthService } from './auth.service.ts';
import { BuiltInRolePermissionResolver } from './builtin-role-resolver.ts';
import { ForwardTokens } from './forward-tokens.ts';
import { LoginThrottle } from './login-throttle.ts';
import { MfaService } from './mfa/mfa.service.ts';
import { MfaChallenges } from './mfa/mfa-challenges.ts';
import { MfaSecrets } from './mfa/mfa-secrets.ts';
import { IdTokenSeal } from './oidc/id-token-seal.ts';
import { OidcAccounts } from './oidc/oidc-accounts.ts';
import { OidcLogin } from './oidc/oidc-login.ts';
import { PasswordHasher } from './password-hasher.ts';
import { PERMISSION_RESOLVER } from './permissions.ts';
import { RealmAdminService } from './realm-admin.service.ts';
import { SessionTokens } from './session-tokens.ts';
import { SigningKeys } from './signing-keys.ts';
import { WriteThrottle } from './write-throttle.ts';

type ServiceClass<T> = new (...args: unknown[]) => T;

/**
 * One instance per root container, built from the root's registrations. tsyringe builds a
 * singleton with the dependencies of whichever container resolves it first; resolved first
 * from a request container, it would capture that request's clock and context for good.
 */
function registerRootSingleton<T>(root: DependencyContainer, service: ServiceClass<T>): void {
  let instance: T | undefined;
  root.register(service, {
    useFactory: () => {
      if (instance === undefined) {
        const scope = root.createChildContainer();
        scope.register(service, { useClass: service });
        instance = scope.resolve(service);
      }
      return instance;
    },
  });
}

/**
 * Registers authentication in a root container that already holds CONFIG, LOGGER, CLOCK and
 * PLATFORM_DATABASE. ApiTokenService works for one request: resolve it from a request
 * container (it needs REQUEST_CONTEXT and REALM_DB).
 */
export function registerAuth(root: DependencyContainer): void {
  for (const service of [
    PasswordHasher,
    SigningKeys,
    SessionTokens,
    LoginThrottle,
    WriteThrottle,
    MfaChallenges,
    MfaSecrets,
    IdTokenSeal,
    AuthService,
    MfaService,
    RealmAdminService,
    BuiltInRolePermissionResolver,
    ForwardTokens,
    InstanceForwarder,
    OidcAccounts,
    OidcLogin,
    PasswordLinks,
  ] as ServiceClass<unknown>[]) {
    registerRootSingleton(root, service);
  }
  root.register(PERMISSION_RESOLVER, { useFactory: () => root.resolve(BuiltInRolePermissionResolver) });
  root.register(ApiTokenService, { useClass: ApiTokenService });
}
