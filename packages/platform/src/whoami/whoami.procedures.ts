import { apiTokensRouter } from '../auth/api-tokens.procedures.ts';
import { mfaRouter } from '../auth/mfa/mfa.procedures.ts';
import { myRealmsRouter } from '../auth/my-realms.procedures.ts';
import { meRouter, usersRouter } from '../auth/users.procedures.ts';
import { instancesRouter } from '../instances/instances.procedures.ts';
import { authorizedProcedure, router } from '../rpc/trpc.ts';
import { scimTokensRouter } from '../scim/scim-tokens.procedures.ts';
import { WhoAmIService } from './whoami.service.ts';

export const platformRouter = router({
  whoami: authorizedProcedure('realm:read').query(({ ctx }) =>
    ctx.scope.container.resolve(WhoAmIService).whoami(),
  ),
  tokens: apiTokensRouter,
  realms: myRealmsRouter,
  scimTokens: scimTokensRouter,
  instances: instancesRouter,
  mfa: mfaRouter,
  users: usersRouter,
  me: meRouter,
});
