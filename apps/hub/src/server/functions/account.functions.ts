import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { clearSessionCookie } from '../guards/session-cookie.server.ts';
import { hubRuntime } from '../hub-runtime.server.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** The caller's live sessions, the current one marked. */
export const mySessions = createServerFn({ method: 'GET' })
  .middleware([authGuard('platform.me.sessions')])
  .handler(({ context }) => context.rpc.platform.me.sessions.query());

export const changeMyPassword = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.me.changePassword')])
  .validator(inputOf('platform.me.changePassword'))
  .handler(({ data, context }) => context.rpc.platform.me.changePassword.mutate(data));

/** Ends every session, this one too: the cookie goes with it. */
export const signOutEverywhere = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.me.signOutEverywhere')])
  .handler(async ({ context }) => {
    const ended = await context.rpc.platform.me.signOutEverywhere.mutate();
    clearSessionCookie((await hubRuntime()).config.NHI_TRUST_PROXY);
    return ended;
  });
