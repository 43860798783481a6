import { CONFIG } from '../di/tokens.ts';
import { isHttpsRequest, serializeSessionCookie } from '../guards/cookies.ts';
import { authorizedProcedure, router, type TrpcContext } from '../rpc/trpc.ts';
import { switchRealmInput } from './my-realms.schema.ts';
import { myRealmsOf, type RealmSwitch, type SwitchedRealm, switchMyRealm } from './my-realms.ts';

/**
 * Over HTTP the new session goes out as the cookie, never in the answer: the cookie is httpOnly
 * so that no script reads the session it carries. A caller in this process (the hub's serverFn)
 * has no response here to set it on, and gets the token to set the cookie itself.
 */
function answerOf(ctx: TrpcContext, { token, expiresAt, realm }: SwitchedRealm): RealmSwitch {
  if (!ctx.req || !ctx.resHeaders) return { realm, session: { token, expiresAt } };
  const secure = isHttpsRequest(ctx.req.headers, ctx.req.url, ctx.root.resolve(CONFIG).NHI_TRUST_PROXY);
  ctx.resHeaders.append('set-cookie', serializeSessionCookie(token, expiresAt, { secure }));
  return { realm };
}

/** The realm list and sessions are the hub's, whichever instance serves the current realm. */
const hubOnly = { hubOnly: true } as const;

/** platform.realms: the realms of the caller, and moving the session to another of them. */
export const myRealmsRouter = router({
  list: authorizedProcedure('realm:read', hubOnly).query(({ ctx }) => myRealmsOf(ctx.scope)),
  /** Same session, another realm of the same user; API tokens are bound to theirs. */
  switch: authorizedProcedure('realm:read', hubOnly)
    .input(switchRealmInput)
    .mutation(async ({ ctx, input }) => answerOf(ctx, await switchMyRealm(ctx.scope, input))),
});
