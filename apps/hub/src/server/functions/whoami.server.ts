import { type RequestScope, type WhoAmI, WhoAmIService } from '@nhi/platform';

/** The same service platform.whoami serves over tRPC, resolved from this request's container. */
export function whoamiOf(scope: RequestScope): Promise<WhoAmI> {
  return scope.container.resolve(WhoAmIService).whoami();
}
