import { authorizedProcedure, router } from '../rpc/trpc.ts';

/** API tokens are the hub's: listed, created and revoked there whichever instance serves the realm. */
const hubOnly = { hubOnly: true } as const;

import { createApiTokenInput, revokeApiTokenInput } from './api-tokens.schema.ts';
import {
  createMyApiToken,
  grantablePermissionsOf,
  listMyApiTokens,
  revokeMyApiToken,
} from './my-api-tokens.ts';

/** platform.tokens: the caller's own API tokens in the realm the call is bound to. */
export const apiTokensRouter = router({
  list: authorizedProcedure('token:manage', hubOnly).query(({ ctx }) => listMyApiTokens(ctx.scope)),
  /** The permissions a new token may carry: those the caller holds here, with what each allows. */
  grantable: authorizedProcedure('token:manage', hubOnly).query(({ ctx }) =>
    grantablePermissionsOf(ctx.scope),
  ),
  /** The answer carries the token: the only time it is ever shown. */
  create: authorizedProcedure('token:manage', hubOnly)
    .input(createApiTokenInput)
    .mutation(({ ctx, input }) => createMyApiToken(ctx.scope, input)),
  revoke: authorizedProcedure('token:manage', hubOnly)
    .input(revokeApiTokenInput)
    .mutation(({ ctx, input }) => revokeMyApiToken(ctx.scope, input)),
});
