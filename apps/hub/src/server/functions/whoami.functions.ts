import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';

/** Who is calling, in which realm, with which role and permissions. */
export const whoami = createServerFn({ method: 'GET' })
  .middleware([authGuard('platform.whoami')])
  .handler(({ context }) => context.rpc.platform.whoami.query());
