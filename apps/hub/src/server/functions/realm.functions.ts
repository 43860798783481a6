import { createServerFn } from '@tanstack/react-start';
import { z } from 'zod';
import { authGuard } from '../guards/auth-guard.ts';
import { inputValidator } from '../guards/input-validator.ts';
import { realmsOfCaller, switchCallerRealm } from './realm.server.ts';

/** The realms the caller belongs to, and which one the session is working in. */
export const listMyRealms = createServerFn({ method: 'GET' })
  .middleware([authGuard('realm:read')])
  .handler(({ context }) => realmsOfCaller(context.scope));

/** Re-issues the session for another realm of the same user; the cookie follows. */
export const switchRealm = createServerFn({ method: 'POST' })
  .middleware([authGuard('realm:read')])
  .validator(inputValidator(z.object({ slug: z.string().min(1).max(100) })))
  .handler(({ data, context }) => switchCallerRealm(context.scope, data.slug));
