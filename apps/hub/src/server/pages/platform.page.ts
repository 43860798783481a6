import {
  authorizedProcedure,
  CONFIG,
  type GrantablePermission,
  type MyApiToken,
  type ScimTokenSummary,
} from '@nhi/platform';
import { scimBasePath } from '../ops/scim.ts';
import { hubCaller } from '../rpc/caller.server.ts';

/** The realm's SCIM tokens, for those who may manage them (ADR 0033). */
export interface ScimTokensSection {
  tokens: ScimTokenSummary[];
  /**
   * Where an identity provider sends SCIM requests: absolute when NHI_PUBLIC_URL is set, otherwise
   * the path, which the page completes with the address it was loaded from.
   */
  baseUrl: string;
}

/** The API tokens page: the caller's tokens in the realm, and what a new one may carry. */
export interface TokensPage {
  tokens: MyApiToken[];
  /** Never more than the caller holds here. */
  grantable: GrantablePermission[];
  /** Null without `scim:manage` in the realm: the section is not shown. */
  scim: ScimTokensSection | null;
}

/** page.* of the platform's own pages, spread into the page router. */
export const platformPages = {
  tokens: authorizedProcedure('token:manage', { hubOnly: true }).query(
    async ({ ctx }): Promise<TokensPage> => {
      const rpc = hubCaller(ctx.root, ctx.scope);
      const tokens = await rpc.platform.tokens.list.query();
      const grantable = await rpc.platform.tokens.grantable.query();
      const scim = ctx.scope.permissions.has('scim:manage')
        ? {
            tokens: await rpc.platform.scimTokens.list.query(),
            baseUrl: scimBaseUrl(ctx.root.resolve(CONFIG).NHI_PUBLIC_URL),
          }
        : null;
      return { tokens, grantable, scim };
    },
  ),
};

function scimBaseUrl(publicUrl: string | undefined): string {
  return publicUrl ? `${new URL(publicUrl).origin}${scimBasePath}` : scimBasePath;
}
