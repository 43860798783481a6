import { z } from 'zod';
import { authorizedProcedure, router } from '../rpc/trpc.ts';
import { ScimTokens } from './scim-tokens.ts';

/** SCIM tokens are the hub's, like API tokens: made and revoked there whichever instance serves the realm. */
const hubOnly = { hubOnly: true } as const;

export const createScimTokenInput = z.object({
  name: z.string().trim().min(1, 'Give the token a name').max(100, 'Keep the name under 100 characters'),
  /** The role provisioned users get in the realm; viewer when absent. */
  defaultRole: z.enum(['admin', 'editor', 'viewer']).optional(),
});

export const revokeScimTokenInput = z.object({ id: z.string().min(1).max(100) });

/** platform.scimTokens: the realm's SCIM tokens, for its administrators. */
export const scimTokensRouter = router({
  list: authorizedProcedure('scim:manage', hubOnly).query(({ ctx }) =>
    ctx.scope.container.resolve(ScimTokens).list(ctx.scope.context.realm.id),
  ),
  /** The answer carries the token: the only time it is ever shown. */
  create: authorizedProcedure('scim:manage', hubOnly)
    .input(createScimTokenInput)
    .mutation(({ ctx, input }) => {
      const { realm, principal, requestId } = ctx.scope.context;
      return ctx.scope.container
        .resolve(ScimTokens)
        .create({ realmId: realm.id, ...input, requestId }, principal);
    }),
  revoke: authorizedProcedure('scim:manage', hubOnly)
    .input(revokeScimTokenInput)
    .mutation(async ({ ctx, input }) => {
      const { realm, principal, requestId } = ctx.scope.context;
      await ctx.scope.container
        .resolve(ScimTokens)
        .revoke({ realmId: realm.id, tokenId: input.id, requestId }, principal);
    }),
});
