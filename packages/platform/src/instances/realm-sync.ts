import { inject, injectable } from 'tsyringe';
import { z } from 'zod';
import { insertRealm } from '../auth/realm-admin-writes.ts';
import type { Clock, Principal } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { CLOCK } from '../di/tokens.ts';
import { publishMemberDeactivated } from '../scim/member-deactivated.ts';

/** Where the hub sends a worker the state of one of its realms. */
export const realmSyncPath = '/api/instance/sync';

/**
 * A worker's password column for users it only mirrors: not a hash any password matches, so
 * nobody logs in at a worker (it serves no login either).
 */
export const mirroredPasswordHash = '!mirrored-from-hub';

const realmSlug = z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/);

/** Everything a worker needs of a realm's people: who they are, whether enabled, their role. */
export const realmSyncSchema = z.object({
  realm: z.object({ id: z.string().uuid(), slug: realmSlug, name: z.string().min(1).max(100) }),
  members: z
    .array(
      z.object({
        userId: z.string().uuid(),
        email: z.string().email().max(320),
        displayName: z.string().max(200).nullable(),
        disabled: z.boolean(),
        role: z.enum(['admin', 'editor', 'viewer']),
      }),
    )
    .max(100_000),
});

export type RealmSync = z.infer<typeof realmSyncSchema>;

export interface RealmSyncResult {
  created: boolean;
  members: number;
}

const hub: Principal = { kind: 'system', name: 'hub' };

/**
 * A worker's side of synchronisation: the hub is the authority for realms, users and
 * memberships (people log in there); the worker keeps the copy its guards read. Each sync carries
 * a realm's whole membership, so applying it twice, or out of turn with a later one, leaves the
 * state the later one describes. The first sync creates the realm, and with it (realm.created)
 * its built-in policies and schedules, here.
 */
@injectable()
export class RealmSyncReceiver {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async apply(sync: RealmSync): Promise<RealmSyncResult> {
    return this.db.systemPrisma.$transaction(async (tx) => {
      // One sync of a realm at a time: the heartbeat's catch-up and a CLI change may send the same
      // realm at once, and both would create it. The second waits, then finds it.
      await tx.$queryRaw`SELECT pg_advisory_xact_lock(hashtext(${`realm-sync:${sync.realm.id}`}))::text AS locked`;
      const existing = await tx.realm.findUnique({
        where: { id: sync.realm.id },
        select: { slug: true, name: true },
      });
      if (!existing) await insertRealm(tx, sync.realm, hub);
      else
        await tx.realm.update({
          where: { id: sync.realm.id },
          data: { slug: sync.realm.slug, name: sync.realm.name },
        });
      const now = this.clock.now();
      const users = new Map(
        (
          await tx.user.findMany({
            where: { id: { in: sync.members.map((m) => m.userId) } },
            select: { id: true, email: true, displayName: true, disabledAt: true },
          })
        ).map((user) => [user.id, user]),
      );
      const roles = new Map(
        (
          await tx.realmMembership.findMany({
            where: { realmId: sync.realm.id },
            select: { userId: true, role: true },
          })
        ).map((membership) => [membership.userId, membership.role]),
      );
      // Only what changed is written: a membership write moves the realm's policy epoch, which
      // throws away every cached permission decision of the realm.
      const kept = new Set(sync.members.map((m) => m.userId));
      const inactive = [...roles.keys()].filter((userId) => !kept.has(userId));
      for (const member of sync.members) {
        const user = users.get(member.userId);
        if (member.disabled && user && user.disabledAt === null) inactive.push(member.userId);
        // Keep the first instant a user was seen disabled: it is what owner_inactive reports.
        const disabledAt = member.disabled ? (user?.disabledAt ?? now) : null;
        const fields = { email: member.email, displayName: member.displayName, disabledAt };
        if (!user || user.email !== member.email) {
          // The email is unique: a user the hub re-created under the same email replaces the old copy.
          await tx.user.deleteMany({ where: { email: member.email, NOT: { id: member.userId } } });
        }
        if (!user) {
          await tx.user.create({
            data: { id: member.userId, passwordHash: mirroredPasswordHash, ...fields },
          });
        } else if (
          user.email !== fields.email ||
          user.displayName !== fields.displayName ||
          (user.disabledAt === null) !== (fields.disabledAt === null)
        ) {
          await tx.user.update({ where: { id: member.userId }, data: fields });
        }
        const role = roles.get(member.userId);
        if (role === undefined) {
          await tx.realmMembership.create({
            data: { realmId: sync.realm.id, userId: member.userId, role: member.role },
          });
        } else if (role !== member.role) {
          await tx.realmMembership.update({
            where: { realmId_userId: { realmId: sync.realm.id, userId: member.userId } },
            data: { role: member.role },
          });
        }
      }
      await tx.realmMembership.deleteMany({
        where: { realmId: sync.realm.id, userId: { notIn: sync.members.map((m) => m.userId) } },
      });
      // Owners who left or were disabled on the hub (SCIM, an admin): owner_inactive now, not hourly.
      await publishMemberDeactivated(tx, sync.realm.id, inactive);
      return { created: !existing, members: sync.members.length };
    });
  }
}
