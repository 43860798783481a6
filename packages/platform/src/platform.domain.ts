import { platformPermissions } from './auth/permissions.ts';
import { defineDomain } from './runtime/domain.ts';
import { platformRouter } from './whoami/whoami.procedures.ts';

/** Who am I, realms and API tokens: what every process serves beside the domains. */
export const platformDomain = defineDomain({
  name: 'platform',
  router: platformRouter,
  permissions: platformPermissions,
});
