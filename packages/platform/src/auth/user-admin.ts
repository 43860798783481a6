import type { Clock, Principal } from '../context/request-context.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { CLOCK, LOGGER } from '../di/tokens.ts';
import { ConflictError, DomainError, NotFoundError, ValidationError } from '../errors/domain-errors.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { RequestScope } from '../guards/request-scope.ts';
import { InstanceSync } from '../instances/instance-sync.ts';
import { publishMemberDeactivated } from '../scim/member-deactivated.ts';
import { type LinkDelivery, noPasswordHash, PasswordLinks } from './account-links.ts';
import { writeAuditEntry } from './audit-entry.ts';
import { normaliseEmail } from './auth.service.ts';
import type { BuiltInRole } from './permissions.ts';
import { insertMembership, insertUser, isUniqueViolation, removeMembership } from './realm-admin-writes.ts';
import type { InviteUserInput, SetRoleInput, UserIdInput } from './users.schema.ts';

export type UserStatus = 'active' | 'invited' | 'disabled';

/** A member of the realm as its admins see them: never a password hash or a token. */
export interface RealmUser {
  id: string;
  email: string;
  name: string | null;
  role: BuiltInRole;
  status: UserStatus;
  /** Start of the newest session, whatever realm it began in; null: never logged in. */
  lastLoginAt: Date | null;
  /** `password`, and the id of every OIDC provider the account is linked to. */
  signInMethods: string[];
  /** Whether a TOTP second factor is on (ADR 0034). */
  mfa: boolean;
  /** Whether the caller may disable or reset this account (it belongs only to realms they administer). */
  manageable: boolean;
}

export type InvitedUser = {
  user: { id: string; email: string };
  role: BuiltInRole;
  expiresAt: Date | null;
} & (LinkDelivery | { delivery: 'none'; reason: string });

export type ResetLink = { user: { id: string; email: string }; expiresAt: Date } & LinkDelivery;

/**
 * The account spans realms: disabling it or resetting its password reaches every realm it belongs
 * to. A realm admin may do that only to accounts that belong to no realm they do not administer.
 */
export class AccountBeyondRealmError extends DomainError {
  readonly code = 'FORBIDDEN';
  constructor() {
    super(
      'This account also belongs to realms you do not administer: use “Remove from realm” to take it out of this one, or ask the hub administrators',
    );
  }
}

type Scope = Pick<RequestScope, 'container' | 'context'>;

function actorOfScope(scope: Scope): Principal {
  return scope.context.principal;
}

function callerUserId(scope: Scope): string | undefined {
  const { principal } = scope.context;
  return principal.kind === 'system' ? undefined : principal.userId;
}

function servicesOf(scope: Scope) {
  return {
    db: scope.container.resolve(PLATFORM_DATABASE),
    links: scope.container.resolve(PasswordLinks),
    clock: scope.container.resolve<Clock>(CLOCK),
    sync: scope.container.resolve(InstanceSync),
    logger: scope.container.resolve(LOGGER),
  };
}

function statusOf(user: { disabledAt: Date | null; passwordHash: string }): UserStatus {
  if (user.disabledAt) return 'disabled';
  return user.passwordHash === noPasswordHash ? 'invited' : 'active';
}

/** The members of the caller's realm with what admins need to decide about them. */
export async function listRealmUsers(scope: Scope): Promise<RealmUser[]> {
  const { db } = servicesOf(scope);
  const realm = scope.context.realm;
  const members = await db.systemPrisma.realmMembership.findMany({
    where: { realmId: realm.id },
    select: {
      role: true,
      user: {
        select: {
          id: true,
          email: true,
          displayName: true,
          disabledAt: true,
          totpEnabledAt: true,
          // Read to tell "invited" (no password yet) from "active"; never answered.
          passwordHash: true,
          identities: { select: { provider: true }, orderBy: { provider: 'asc' } },
          sessions: { select: { createdAt: true }, orderBy: { createdAt: 'desc' }, take: 1 },
          memberships: { select: { realmId: true } },
        },
      },
    },
    orderBy: { user: { email: 'asc' } },
  });
  const administered = await administeredRealms(scope);
  return members.map(({ role, user }) => ({
    id: user.id,
    email: user.email,
    name: user.displayName,
    role,
    status: statusOf(user),
    lastLoginAt: user.sessions[0]?.createdAt ?? null,
    // Accounts made by OIDC sign-in carry a random password nobody knows: provider only.
    signInMethods: [
      ...(user.passwordHash !== noPasswordHash && user.identities.length === 0 ? ['password'] : []),
      ...new Set(user.identities.map((identity) => identity.provider)),
    ],
    mfa: user.totpEnabledAt !== null,
    manageable: user.memberships.every(({ realmId }) => administered === 'all' || administered.has(realmId)),
  }));
}

/** Realms where the caller is an admin; system code administers all. */
async function administeredRealms(scope: Scope): Promise<'all' | Set<string>> {
  const userId = callerUserId(scope);
  if (!userId) return 'all';
  const rows = await servicesOf(scope).db.systemPrisma.realmMembership.findMany({
    where: { userId, role: 'admin' },
    select: { realmId: true },
  });
  return new Set(rows.map((row) => row.realmId));
}

/**
 * The member of the caller's realm, or NOT_FOUND exactly as for an id that names nobody: a user of
 * another realm is not disclosed.
 */
async function realmMember(
  scope: Scope,
  userId: string,
): Promise<{ id: string; email: string; realmIds: string[] }> {
  const { db } = servicesOf(scope);
  const realm = scope.context.realm;
  const user = await db.systemPrisma.user.findFirst({
    where: { id: userId, memberships: { some: { realmId: realm.id } } },
    select: { id: true, email: true, memberships: { select: { realmId: true } } },
  });
  if (!user) throw new NotFoundError('User', userId);
  return { id: user.id, email: user.email, realmIds: user.memberships.map((m) => m.realmId) };
}

/** realmMember, and FORBIDDEN when the account reaches realms the caller does not run. */
async function manageableMember(
  scope: Scope,
  userId: string,
): Promise<{ id: string; email: string; realmIds: string[] }> {
  const member = await realmMember(scope, userId);
  const { realmIds } = member;
  const administered = await administeredRealms(scope);
  if (administered !== 'all' && realmIds.some((id) => !administered.has(id)))
    throw new AccountBeyondRealmError();
  return member;
}

/** Worker instances keep copies of members: each realm the change touched hears of it. */
async function syncRealms(scope: Scope, realmIds: readonly string[]): Promise<void> {
  const { sync, logger } = servicesOf(scope);
  for (const realmId of realmIds) {
    await sync.syncRealm(realmId).catch((error: unknown) => {
      logger.warn(
        { event: 'user_sync_failed', realmId, err: error },
        'realm sync after a user change failed',
      );
    });
  }
}

/**
 * A new account joins the realm with no password and a one-time link to choose one; an existing
 * account (a member elsewhere) only gains the membership and keeps how it signs in.
 */
export async function inviteUser(scope: Scope, input: InviteUserInput): Promise<InvitedUser> {
  const { db, links } = servicesOf(scope);
  const realm = scope.context.realm;
  const email = normaliseEmail(input.email);
  const actor = actorOfScope(scope);
  const existing = await db.systemPrisma.user.findUnique({
    where: { email },
    select: { id: true, email: true },
  });
  try {
    const created = await db.systemPrisma.$transaction(async (tx) => {
      const user =
        existing ?? (await insertUser(tx, { email, passwordHash: noPasswordHash }, realm.id, actor));
      await insertMembership(tx, { realmId: realm.id, userId: user.id, role: input.role }, actor);
      const link = existing ? undefined : await links.issue(tx, user.id, 'invite');
      await auditUser(tx, scope, 'user.invited', user.id, {
        email,
        role: input.role,
        existingAccount: Boolean(existing),
      });
      return { user, link };
    });
    await syncRealms(scope, [realm.id]);
    const base = { user: created.user, role: input.role, expiresAt: created.link?.expiresAt ?? null };
    if (!created.link) {
      return { ...base, delivery: 'none', reason: 'The account already exists: it signs in as before' };
    }
    return { ...base, ...(await links.deliver(email, 'invite', created.link.token)) };
  } catch (error) {
    if (isUniqueViolation(error)) throw new ConflictError(`${email} is already a member of this realm`);
    throw error;
  }
}

/**
 * Disables the account and, in the same transaction, revokes every session and API token it has:
 * the next request of any of them is refused. The caller cannot disable themself.
 */
export async function disableUser(scope: Scope, input: UserIdInput): Promise<{ id: string; disabled: true }> {
  const target = await manageableMember(scope, input.userId);
  if (target.id === callerUserId(scope)) throw new ValidationError('You cannot disable your own account');
  const { db, clock } = servicesOf(scope);
  const now = clock.now();
  await db.systemPrisma.$transaction(async (tx) => {
    await tx.user.updateMany({ where: { id: target.id, disabledAt: null }, data: { disabledAt: now } });
    const sessions = await tx.session.updateMany({
      where: { userId: target.id, revokedAt: null },
      data: { revokedAt: now },
    });
    const tokens = await tx.apiToken.updateMany({
      where: { userId: target.id, revokedAt: null },
      data: { revokedAt: now },
    });
    // Pending invitation and reset links die with the account's access.
    await tx.passwordToken.updateMany({ where: { userId: target.id, usedAt: null }, data: { usedAt: now } });
    await auditUser(tx, scope, 'user.disabled', target.id, {
      email: target.email,
      sessionsRevoked: sessions.count,
      apiTokensRevoked: tokens.count,
    });
    await publishWhereServedHere(tx, target.realmIds, target.id);
  });
  await syncRealms(scope, target.realmIds);
  return { id: target.id, disabled: true };
}

/**
 * What the user owns raises nhi1.owner_inactive now, not at the next scheduled pass. Realms on a
 * worker hear of the change with the sync that follows it, and the worker publishes it there.
 */
async function publishWhereServedHere(
  tx: Prisma.TransactionClient,
  realmIds: readonly string[],
  userId: string,
): Promise<void> {
  const servedHere = await tx.realm.findMany({
    where: { id: { in: [...realmIds] }, instanceId: null },
    select: { id: true },
  });
  for (const realm of servedHere) await publishMemberDeactivated(tx, realm.id, [userId]);
}

const lastAdminRefusal = 'This realm would be left without an admin: make another member an admin first';

/**
 * The member's role, read after locking the realm's admin memberships for the rest of the
 * transaction (in one order, so two changes cannot deadlock). With the lock, two admins demoting
 * or removing each other at once cannot both succeed: the second reads what the first committed.
 * NOT_FOUND when the membership went in the meantime, as for any id that names no member.
 */
async function lockedRoleOf(
  tx: Prisma.TransactionClient,
  realmId: string,
  userId: string,
): Promise<BuiltInRole> {
  await tx.$queryRaw`
    SELECT "userId" FROM "RealmMembership"
    WHERE "realmId" = ${realmId} AND "role" = 'admin'
    ORDER BY "userId"
    FOR UPDATE`;
  const membership = await tx.realmMembership.findUnique({
    where: { realmId_userId: { realmId, userId } },
    select: { role: true },
  });
  if (!membership) throw new NotFoundError('User', userId);
  return membership.role;
}

/** Refuses to take the admin role from the last admin whose account is enabled. */
async function requireAnotherAdmin(
  tx: Prisma.TransactionClient,
  realmId: string,
  userId: string,
): Promise<void> {
  const others = await tx.realmMembership.count({
    where: { realmId, role: 'admin', userId: { not: userId }, user: { disabledAt: null } },
  });
  if (others === 0) throw new ValidationError(lastAdminRefusal);
}

/**
 * Gives a member of the caller's realm another role there, and nothing else: the account and its
 * other realms are untouched, so an account shared with other realms is changed too. Permissions
 * follow at the member's next request (the membership change moves the realm's policy epoch).
 */
export async function setMemberRole(
  scope: Scope,
  input: SetRoleInput,
): Promise<{ id: string; role: BuiltInRole; changed: boolean }> {
  const target = await realmMember(scope, input.userId);
  if (target.id === callerUserId(scope)) throw new ValidationError('You cannot change your own role');
  const { db } = servicesOf(scope);
  const { realm, principal, requestId } = scope.context;
  const changed = await db.systemPrisma.$transaction(async (tx) => {
    const role = await lockedRoleOf(tx, realm.id, target.id);
    if (role === input.role) return false;
    if (role === 'admin') await requireAnotherAdmin(tx, realm.id, target.id);
    await tx.realmMembership.update({
      where: { realmId_userId: { realmId: realm.id, userId: target.id } },
      data: { role: input.role },
      select: { role: true },
    });
    await writeAuditEntry(tx, {
      realmId: realm.id,
      actor: principal,
      action: 'member.set_role',
      entityType: 'RealmMembership',
      entityId: target.id,
      before: { role },
      after: { role: input.role },
      requestId,
    });
    return true;
  });
  if (changed) await syncRealms(scope, [realm.id]);
  return { id: target.id, role: input.role, changed };
}

/**
 * Takes a member out of the caller's realm (removeMembership): the account and its other realms
 * stay, so this is what a realm admin can do to an account shared with realms they do not run.
 */
export async function removeMember(
  scope: Scope,
  input: UserIdInput,
): Promise<{ id: string; removed: true; apiTokensRevoked: number }> {
  const target = await realmMember(scope, input.userId);
  if (target.id === callerUserId(scope))
    throw new ValidationError('You cannot remove yourself from the realm');
  const { db, clock } = servicesOf(scope);
  const { realm, principal, requestId } = scope.context;
  const removed = await db.systemPrisma.$transaction(async (tx) => {
    if ((await lockedRoleOf(tx, realm.id, target.id)) === 'admin') {
      await requireAnotherAdmin(tx, realm.id, target.id);
    }
    const result = await removeMembership(
      tx,
      { realmId: realm.id, userId: target.id, revokedAt: clock.now(), requestId },
      principal,
    );
    await publishWhereServedHere(tx, [realm.id], target.id);
    return result;
  });
  await syncRealms(scope, [realm.id]);
  return { id: target.id, removed: true, apiTokensRevoked: removed.apiTokensRevoked };
}

/** Lets the account log in again; sessions and tokens revoked by disabling stay revoked. */
export async function enableUser(scope: Scope, input: UserIdInput): Promise<{ id: string; disabled: false }> {
  const target = await manageableMember(scope, input.userId);
  const { db } = servicesOf(scope);
  await db.systemPrisma.$transaction(async (tx) => {
    await tx.user.update({ where: { id: target.id }, data: { disabledAt: null }, select: { id: true } });
    await auditUser(tx, scope, 'user.enabled', target.id, {
      email: target.email,
    });
  });
  await syncRealms(scope, target.realmIds);
  return { id: target.id, disabled: false };
}

/** A one-time link to choose a new password; the current password works until the link is used. */
export async function requestPasswordReset(scope: Scope, input: UserIdInput): Promise<ResetLink> {
  const target = await manageableMember(scope, input.userId);
  const { db, links } = servicesOf(scope);
  const link = await db.systemPrisma.$transaction(async (tx) => {
    const issued = await links.issue(tx, target.id, 'reset');
    await auditUser(tx, scope, 'user.password_reset_requested', target.id, {
      email: target.email,
    });
    return issued;
  });
  const delivery = await links.deliver(target.email, 'reset', link.token);
  return { user: { id: target.id, email: target.email }, expiresAt: link.expiresAt, ...delivery };
}

function auditUser(
  tx: Prisma.TransactionClient,
  scope: Scope,
  action: string,
  userId: string,
  after: Prisma.InputJsonValue,
): Promise<void> {
  const { realm, principal, requestId } = scope.context;
  return writeAuditEntry(tx, {
    realmId: realm.id,
    actor: principal,
    action,
    entityType: 'User',
    entityId: userId,
    after,
    requestId,
  });
}
