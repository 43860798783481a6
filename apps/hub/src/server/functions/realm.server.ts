import { AuthService, type RequestScope, ValidationError } from '@nhi/platform';
import { setSessionCookie } from '../guards/session-cookie.server.ts';
import { hubRuntime } from '../hub-runtime.server.ts';

export interface MyRealms {
  email: string | null;
  /** Slug of the realm the session works in. */
  current: string;
  realms: { slug: string; name: string; role: string }[];
}

export async function realmsOfCaller(scope: RequestScope): Promise<MyRealms> {
  const { principal, realm } = scope.context;
  if (principal.kind === 'system') return { email: null, current: realm.slug, realms: [] };
  const realms = await scope.container.resolve(AuthService).realmsOf(principal.userId);
  return {
    email: principal.email,
    current: realm.slug,
    realms: realms.map(({ slug, name, role }) => ({ slug, name, role })),
  };
}

export async function switchCallerRealm(scope: RequestScope, slug: string) {
  const { principal } = scope.context;
  // API tokens are bound to one realm; only a session can move.
  if (principal.kind !== 'user') throw new ValidationError('Only a logged-in user can switch realms');
  const switched = await scope.container
    .resolve(AuthService)
    .switchRealm({ userId: principal.userId, sessionId: principal.sessionId }, slug);
  setSessionCookie(switched, (await hubRuntime()).config.NHI_TRUST_PROXY);
  return { realm: switched.realm };
}
