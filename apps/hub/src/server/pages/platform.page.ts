import { authorizedProcedure, type GrantablePermission, type MyApiToken } from '@nhi/platform';
import { hubCaller } from '../rpc/caller.server.ts';

/** The API tokens page: the caller's tokens in the realm, and what a new one may carry. */
export interface TokensPage {
  tokens: MyApiToken[];
  /** Never more than the caller holds here. */
  grantable: GrantablePermission[];
}

/** page.* of the platform's own pages, spread into the page router. */
export const platformPages = {
  tokens: authorizedProcedure('token:manage', { hubOnly: true }).query(
    async ({ ctx }): Promise<TokensPage> => {
      const rpc = hubCaller(ctx.root, ctx.scope);
      const tokens = await rpc.platform.tokens.list.query();
      const grantable = await rpc.platform.tokens.grantable.query();
      return { tokens, grantable };
    },
  ),
};
