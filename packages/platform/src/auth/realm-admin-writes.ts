import type { Principal } from '../context/request-context.ts';
import { ConflictError, ValidationError } from '../errors/domain-errors.ts';
import { Prisma } from '../generated/prisma/client.ts';
import { writeAuditEntry } from './audit-entry.ts';
import type { RealmSummary } from './auth.service.ts';
import type { BuiltInRole } from './permissions.ts';

/** Published when a realm is created (subject: the realm's id). */
export const realmCreatedEvent = 'realm.created';

/** Lower-case letters, digits and inner hyphens, 1-40 characters: safe in URLs and CLI arguments. */
const realmSlugShape = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

export function validateRealm(input: { slug: string; name: string }): void {
  const issues = [];
  if (!realmSlugShape.test(input.slug)) {
    issues.push({
      path: ['slug'],
      message: 'Use 1-40 lower-case letters, digits and hyphens, starting and ending with a letter or digit',
    });
  }
  if (input.name.trim().length === 0 || input.name.length > 100) {
    issues.push({ path: ['name'], message: 'Give a name of 1-100 characters' });
  }
  if (issues.length > 0) throw new ValidationError('Invalid realm', issues);
}

export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}

/** `id`: given when a worker instance creates the realm the hub already knows by that id. */
export async function insertRealm(
  tx: Prisma.TransactionClient,
  input: { slug: string; name: string; id?: string },
  actor: Principal,
): Promise<RealmSummary> {
  validateRealm(input);
  const taken = await tx.realm.findUnique({ where: { slug: input.slug }, select: { id: true } });
  if (taken)
    throw new ConflictError(`A realm with slug "${input.slug}" already exists`, { slug: input.slug });
  const realm = await tx.realm.create({
    data: { ...(input.id ? { id: input.id } : {}), slug: input.slug, name: input.name.trim() },
    select: { id: true, slug: true, name: true },
  });
  await writeAuditEntry(tx, {
    realmId: realm.id,
    actor,
    action: 'realm.create',
    entityType: 'Realm',
    entityId: realm.id,
    after: { slug: realm.slug, name: realm.name },
  });
  // With the realm, in its transaction: domains that keep per-realm schedules add this realm's.
  await tx.domainEvent.create({
    data: { realmId: realm.id, type: realmCreatedEvent, subjectIds: [realm.id] },
    select: { id: true },
  });
  return realm;
}

/** Creates the login identity; the password hash stays out of the audit row. */
export async function insertUser(
  tx: Prisma.TransactionClient,
  input: { email: string; passwordHash: string },
  realmId: string,
  actor: Principal,
): Promise<{ id: string; email: string }> {
  const user = await tx.user.create({
    data: { email: input.email, passwordHash: input.passwordHash },
    select: { id: true, email: true },
  });
  await writeAuditEntry(tx, {
    realmId,
    actor,
    action: 'user.create',
    entityType: 'User',
    entityId: user.id,
    after: { email: user.email },
  });
  return user;
}

export async function insertMembership(
  tx: Prisma.TransactionClient,
  input: { realmId: string; userId: string; role: BuiltInRole },
  actor: Principal,
): Promise<void> {
  await tx.realmMembership.create({ data: input, select: { role: true } });
  await writeAuditEntry(tx, {
    realmId: input.realmId,
    actor,
    action: 'member.add',
    entityType: 'RealmMembership',
    entityId: input.userId,
    after: { userId: input.userId, role: input.role },
  });
}

/**
 * Takes the user out of the realm and nothing more: the membership, the user's policy groups
 * there and the API tokens bound to the realm (they would otherwise wait, revived by a later
 * invitation). The account, its sessions and its other realms stay: a session started here is
 * refused at its next request here, since authentication requires the membership. Tokens and
 * groups go even when the membership is already gone; the audit row is written only when there was
 * one. The caller publishes `member.deactivated` and syncs worker instances.
 */
export async function removeMembership(
  tx: Prisma.TransactionClient,
  input: { realmId: string; userId: string; revokedAt: Date; requestId?: string | undefined },
  actor: Principal,
): Promise<{ role: BuiltInRole | null; apiTokensRevoked: number }> {
  const { realmId, userId } = input;
  const tokens = await tx.apiToken.updateMany({
    where: { realmId, userId, revokedAt: null },
    data: { revokedAt: input.revokedAt },
  });
  await tx.policyGroupMember.deleteMany({ where: { realmId, userId } });
  const membership = await tx.realmMembership.findUnique({
    where: { realmId_userId: { realmId, userId } },
    select: { role: true },
  });
  if (!membership) return { role: null, apiTokensRevoked: tokens.count };
  await tx.realmMembership.delete({ where: { realmId_userId: { realmId, userId } }, select: { role: true } });
  await writeAuditEntry(tx, {
    realmId,
    actor,
    action: 'member.remove',
    entityType: 'RealmMembership',
    entityId: userId,
    before: { userId, role: membership.role },
    after: { apiTokensRevoked: tokens.count },
    ...(input.requestId ? { requestId: input.requestId } : {}),
  });
  return { role: membership.role, apiTokensRevoked: tokens.count };
}
