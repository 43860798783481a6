import { ValidationError } from '../errors/domain-errors.ts';
import type { RequestScope } from '../guards/request-scope.ts';
import { AuthService, type RealmSummary, type SessionToken } from './auth.service.ts';
import type { SwitchRealmInput } from './my-realms.schema.ts';
import type { BuiltInRole } from './permissions.ts';

export interface MyRealm {
  slug: string;
  name: string;
  role: BuiltInRole;
}

/** The realms the caller belongs to, and which one the call works in. */
export interface MyRealms {
  email: string | null;
  /** Slug of the realm the session (or token) works in. */
  current: string;
  realms: MyRealm[];
}

/** The realm the session now works in, and the token that says so. */
export interface SwitchedRealm extends SessionToken {
  realm: RealmSummary;
}

/**
 * What platform.realms.switch answers: the new realm, and the session token only to a caller in
 * this process, which sets the cookie from it (over HTTP the procedure sets the cookie itself).
 */
export interface RealmSwitch {
  realm: RealmSummary;
  session?: SessionToken;
}

type Scope = Pick<RequestScope, 'container' | 'context'>;

export async function myRealmsOf(scope: Scope): Promise<MyRealms> {
  const { principal, realm } = scope.context;
  if (principal.kind === 'system') return { email: null, current: realm.slug, realms: [] };
  const realms = await scope.container.resolve(AuthService).realmsOf(principal.userId);
  return {
    email: principal.email,
    current: realm.slug,
    realms: realms.map(({ slug, name, role }) => ({ slug, name, role })),
  };
}

/** Re-issues the caller's session for another realm of the same user. */
export async function switchMyRealm(scope: Scope, input: SwitchRealmInput): Promise<SwitchedRealm> {
  const { principal } = scope.context;
  // API tokens are bound to one realm; only a session can move.
  if (principal.kind !== 'user') throw new ValidationError('Only a logged-in user can switch realms');
  return scope.container
    .resolve(AuthService)
    .switchRealm({ userId: principal.userId, sessionId: principal.sessionId }, input.slug);
}
