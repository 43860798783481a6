import { REALM_DB } from '../database/tokens.ts';
import { ValidationError } from '../errors/domain-errors.ts';
import type { RequestScope } from '../guards/request-scope.ts';
import { mayReadInstances } from '../instances/instance-access.ts';
import { InstanceHealthReader } from '../instances/instance-health.ts';
import { AuthService, type RealmSummary, type SessionToken } from './auth.service.ts';
import { type CallerScope, callerScopeOf } from './caller-scope.ts';
import type { SwitchRealmInput } from './my-realms.schema.ts';
import type { BuiltInRole } from './permissions.ts';

export interface MyRealm {
  slug: string;
  name: string;
  role: BuiltInRole;
  /** The worker instance that serves the realm; null when the hub serves it itself. */
  instance: string | null;
  /** False while the instance that serves the realm is not answering the hub's heartbeat. */
  available: boolean;
}

/** The realms the caller belongs to, and which one the call works in. */
export interface MyRealms {
  email: string | null;
  /** Slug of the realm the session (or token) works in. */
  current: string;
  realms: MyRealm[];
  /** Whether the caller may see the worker instances (platform.instances.list). */
  mayReadInstances: boolean;
  /** The teams whose identities the caller sees in this realm; absent when they see all of it. */
  scope?: CallerScope;
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

type Scope = Pick<RequestScope, 'container' | 'context' | 'permissions'>;

export async function myRealmsOf(scope: Scope): Promise<MyRealms> {
  const { principal, realm } = scope.context;
  const mayRead = mayReadInstances(scope);
  if (principal.kind === 'system')
    return { email: null, current: realm.slug, realms: [], mayReadInstances: mayRead };
  const realms = await scope.container.resolve(AuthService).realmsOf(principal.userId);
  // Read only when a realm is placed: a hub without workers pays no second statement.
  const placedOn = realms.flatMap(({ placement }) => (placement ? [placement.instance] : []));
  const up = await scope.container.resolve(InstanceHealthReader).upAmong(placedOn);
  // A realm a worker serves keeps its groups there: its pages go without the scope's name.
  const callerScope = realm.placement
    ? undefined
    : await callerScopeOf(scope.permissions, scope.context, scope.container.resolve(REALM_DB));
  return {
    email: principal.email,
    current: realm.slug,
    realms: realms.map(({ slug, name, role, placement }) => ({
      slug,
      name,
      role,
      instance: placement?.instance ?? null,
      available: !placement || up.has(placement.instance),
    })),
    mayReadInstances: mayRead,
    ...(callerScope ? { scope: callerScope } : {}),
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
