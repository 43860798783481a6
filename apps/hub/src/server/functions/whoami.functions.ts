import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { whoamiOf } from './whoami.server.ts';

export const whoami = createServerFn({ method: 'GET' })
  .middleware([authGuard('realm:read')])
  .handler(({ context }) => whoamiOf(context.scope));
