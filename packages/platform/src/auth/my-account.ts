import type { Config } from '../config/config.ts';
import type { Clock } from '../context/request-context.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { CLOCK, CONFIG } from '../di/tokens.ts';
import { ValidationError } from '../errors/domain-errors.ts';
import type { RequestScope } from '../guards/request-scope.ts';
import { auditInRealmsOf, checkPasswordPolicy } from './account-links.ts';
import { PasswordHasher } from './password-hasher.ts';
import type { ChangePasswordInput } from './users.schema.ts';

/** One of the caller's live sessions. */
export interface MySession {
  id: string;
  createdAt: Date;
  /**
   * When the session was last renewed (or started): an active session renews past half its life,
   * so this is its last use to within half a session's lifetime.
   */
  lastActiveAt: Date;
  expiresAt: Date;
  /** The OIDC provider it signed in with; null: a password. */
  identityProvider: string | null;
  /** The session this request came with. */
  current: boolean;
}

type Scope = Pick<RequestScope, 'container' | 'context'>;

/** Sessions and passwords belong to a person logged in: an API token cannot change them. */
function loggedInUser(scope: Scope) {
  const { principal } = scope.context;
  if (principal.kind !== 'user')
    throw new ValidationError('Only a logged-in user can do this, not an API token');
  return principal;
}

function principalUserId(scope: Scope): string {
  const { principal } = scope.context;
  if (principal.kind === 'system') throw new ValidationError('System callers have no sessions');
  return principal.userId;
}

export async function mySessions(scope: Scope): Promise<MySession[]> {
  const userId = principalUserId(scope);
  const db = scope.container.resolve(PLATFORM_DATABASE);
  const now = scope.container.resolve<Clock>(CLOCK).now();
  const ttlMs = scope.container.resolve<Config>(CONFIG).NHI_SESSION_TTL_SECONDS * 1000;
  const currentId = scope.context.principal.kind === 'user' ? scope.context.principal.sessionId : undefined;
  const sessions = await db.systemPrisma.session.findMany({
    where: { userId, revokedAt: null, expiresAt: { gt: now } },
    select: { id: true, createdAt: true, expiresAt: true, identityProvider: true },
    orderBy: { createdAt: 'desc' },
  });
  return sessions.map((session) => ({
    ...session,
    lastActiveAt: new Date(Math.max(session.createdAt.getTime(), session.expiresAt.getTime() - ttlMs)),
    current: session.id === currentId,
  }));
}

/** Ends every session of the caller, this one included: the next request of each is refused. */
export async function signOutEverywhere(scope: Scope): Promise<{ revoked: number }> {
  const userId = principalUserId(scope);
  const db = scope.container.resolve(PLATFORM_DATABASE);
  const now = scope.container.resolve<Clock>(CLOCK).now();
  return db.systemPrisma.$transaction(async (tx) => {
    const revoked = await tx.session.updateMany({
      where: { userId, revokedAt: null },
      data: { revokedAt: now },
    });
    await auditInRealmsOf(tx, userId, {
      actor: scope.context.principal,
      action: 'sessions.revoked',
      after: { count: revoked.count, reason: 'sign out everywhere' },
      requestId: scope.context.requestId,
    });
    return { revoked: revoked.count };
  });
}

/**
 * Changes the caller's password after checking the current one; every other session ends, this
 * one stays. A wrong current password is a 400 on the field, like any other bad input.
 */
export async function changeMyPassword(
  scope: Scope,
  input: ChangePasswordInput,
): Promise<{ changed: true; sessionsRevoked: number }> {
  const principal = loggedInUser(scope);
  const db = scope.container.resolve(PLATFORM_DATABASE);
  const passwords = scope.container.resolve(PasswordHasher);
  const user = await db.systemPrisma.user.findUniqueOrThrow({
    where: { id: principal.userId },
    select: { email: true, passwordHash: true },
  });
  if (!(await passwords.verify(user.passwordHash, input.currentPassword))) {
    throw new ValidationError('Current password is wrong', [
      { path: ['currentPassword'], message: 'This is not your current password' },
    ]);
  }
  checkPasswordPolicy(input.newPassword, user.email, 'newPassword');
  if (input.newPassword === input.currentPassword) {
    throw new ValidationError('Password not accepted', [
      { path: ['newPassword'], message: 'Choose a password different from the current one' },
    ]);
  }
  const passwordHash = await passwords.hash(input.newPassword);
  const now = scope.container.resolve<Clock>(CLOCK).now();
  return db.systemPrisma.$transaction(async (tx) => {
    await tx.user.update({ where: { id: principal.userId }, data: { passwordHash }, select: { id: true } });
    const others = await tx.session.updateMany({
      where: { userId: principal.userId, revokedAt: null, id: { not: principal.sessionId } },
      data: { revokedAt: now },
    });
    await auditInRealmsOf(tx, principal.userId, {
      actor: principal,
      action: 'user.password_changed',
      after: { via: 'profile', otherSessionsRevoked: others.count },
      requestId: scope.context.requestId,
    });
    return { changed: true as const, sessionsRevoked: others.count };
  });
}
