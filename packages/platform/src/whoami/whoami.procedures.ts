import { apiTokensRouter } from '../auth/api-tokens.procedures.ts';
import { myRealmsRouter } from '../auth/my-realms.procedures.ts';
import { instancesRouter } from '../instances/instances.procedures.ts';
import { authorizedProcedure, router } from '../rpc/trpc.ts';
import { WhoAmIService } from './whoami.service.ts';

export const platformRouter = router({
  whoami: authorizedProcedure('realm:read').query(({ ctx }) =>
    ctx.scope.container.resolve(WhoAmIService).whoami(),
  ),
  tokens: apiTokensRouter,
  realms: myRealmsRouter,
  instances: instancesRouter,
});
