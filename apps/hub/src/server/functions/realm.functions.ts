import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { setSessionCookie } from '../guards/session-cookie.server.ts';
import { hubRuntime } from '../hub-runtime.server.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** The realms the caller belongs to, and which one the session is working in. */
export const listMyRealms = createServerFn({ method: 'GET' })
  .middleware([authGuard('platform.realms.list')])
  .handler(({ context }) => context.rpc.platform.realms.list.query());

/**
 * Re-issues the session for another realm of the same user. The procedure answers a caller in
 * this process with the new token: it becomes the cookie here, and never reaches the browser's
 * scripts.
 */
export const switchRealm = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.realms.switch')])
  .validator(inputOf('platform.realms.switch'))
  .handler(async ({ data, context }) => {
    const { realm, session } = await context.rpc.platform.realms.switch.mutate(data);
    // Only a caller in another process goes without it: then the switch would not reach the browser.
    if (!session) throw new Error('The realm switch answered without the session');
    setSessionCookie(session, (await hubRuntime()).config.NHI_TRUST_PROXY);
    return { realm };
  });
