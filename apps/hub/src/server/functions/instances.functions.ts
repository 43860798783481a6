import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';

/** The worker instances, their health and the realms they serve; for the hub's administrators. */
export const listInstances = createServerFn({ method: 'GET' })
  .middleware([authGuard('platform.instances.list')])
  .handler(({ context }) => context.rpc.platform.instances.list.query());
