import { authorizedProcedure, router } from '../rpc/trpc.ts';
import { requireInstanceReader } from './instance-access.ts';
import { InstanceHealthReader } from './instance-health.ts';

/** platform.instances: the hub's registry of worker instances, which the hub alone keeps. */
export const instancesRouter = router({
  /** Every instance with its health and the realms placed on it; for the hub's administrators. */
  list: authorizedProcedure('instance:read', { hubOnly: true }).query(({ ctx }) => {
    requireInstanceReader(ctx.scope);
    return ctx.scope.container.resolve(InstanceHealthReader).list();
  }),
});
