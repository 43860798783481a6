import { listMyApiTokens, type MyApiToken, permissionCatalogue, type RequestScope } from '@nhi/platform';

/** Creating and revoking go through the very adapter platform.tokens uses over tRPC. */
export { createMyApiToken, revokeMyApiToken } from '@nhi/platform';

export interface GrantablePermission {
  key: string;
  description: string;
}

export interface MyApiTokensPage {
  tokens: MyApiToken[];
  /** What a new token may be narrowed to: never more than the caller holds here. */
  grantable: GrantablePermission[];
}

/** The list platform.tokens.list serves over tRPC, plus what the create form offers. */
export async function apiTokensPageOf(scope: RequestScope): Promise<MyApiTokensPage> {
  const tokens = await listMyApiTokens(scope);
  const grantable = permissionCatalogue()
    .filter(({ key }) => scope.permissions.has(key))
    .map(({ key, description }) => ({ key, description }));
  return { tokens, grantable };
}
