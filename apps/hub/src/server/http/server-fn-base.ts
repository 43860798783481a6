/** Where Start serves serverFn calls (its default `serverFns.base`, which this app keeps). */
export const serverFnBase = '/_serverFn/';

export function isServerFnCall(request: Request): boolean {
  return new URL(request.url).pathname.startsWith(serverFnBase);
}
