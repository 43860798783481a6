import { inject, injectable } from 'tsyringe';
import { writeAuditEntry } from '../auth/audit-entry.ts';
import { generatePassword } from '../auth/generated-password.ts';
import { PasswordHasher } from '../auth/password-hasher.ts';
import {
  insertMembership,
  insertUser,
  isUniqueViolation,
  removeMembership,
} from '../auth/realm-admin-writes.ts';
import type { Config } from '../config/config.ts';
import type { Clock, Principal } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { CLOCK, CONFIG, LOGGER } from '../di/tokens.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import { InstanceSync } from '../instances/instance-sync.ts';
import type { Logger } from '../logging/logger.ts';
import { publishMemberDeactivated } from './member-deactivated.ts';
import { ScimError, scimNotFound } from './scim-error.ts';
import { parseScimFilter, type ScimPage } from './scim-filter.ts';
import { applyPatch, type ScimResourceData } from './scim-patch.ts';
import { type ScimCaller, scimActor } from './scim-tokens.ts';
import {
  isActive,
  type ScimUserRow,
  type ScimUserState,
  userAttributes,
  userResource,
  userSchema,
  userStateOf,
} from './scim-user-mapping.ts';

type Tx = Prisma.TransactionClient;

export const listResponseSchema = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export interface ScimRequest {
  caller: ScimCaller;
  /** The endpoint's own address (…/scim/v2), for `meta.location`. */
  baseUrl: string;
  requestId?: string;
}

export interface ScimListResponse {
  schemas: string[];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: ScimResourceData[];
}

/**
 * SCIM Users of one realm (ADR 0033): the realm's members, and users its client deactivated whose
 * membership was taken back. Ids are the product's user ids. System code, like sign-in: it writes
 * the global User row (creation, disabling) and the realm's rows, each statement filtered by the
 * token's realm, each change with its audit row in that realm.
 */
@injectable()
export class ScimUsers {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase,
    @inject(PasswordHasher) private readonly passwords: PasswordHasher,
    @inject(InstanceSync) private readonly instanceSync: InstanceSync,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(LOGGER) private readonly logger: Logger,
    @inject(CONFIG) private readonly config: Config,
  ) {}

  async list(
    request: ScimRequest,
    query: { filter?: string | null; page: ScimPage },
  ): Promise<ScimListResponse> {
    const realmId = request.caller.realm.id;
    const where: Prisma.UserWhereInput = { AND: [visibleIn(realmId), this.filterOf(realmId, query.filter)] };
    const [total, rows] = await this.db.systemPrisma.$transaction(async (tx) => [
      await tx.user.count({ where }),
      await tx.user.findMany({
        where,
        select: rowSelect(realmId),
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        skip: query.page.startIndex - 1,
        take: query.page.count,
      }),
    ]);
    return {
      schemas: [listResponseSchema],
      totalResults: total,
      startIndex: query.page.startIndex,
      itemsPerPage: rows.length,
      Resources: rows.map((row) => userResource(row, request.baseUrl)),
    };
  }

  async get(request: ScimRequest, id: string): Promise<ScimResourceData> {
    const row = await this.rowOf(this.db.systemPrisma, request.caller.realm.id, id);
    if (!row) throw scimNotFound('User', id);
    return userResource(row, request.baseUrl);
  }

  /**
   * A new account, or an account that already exists under the email (a member of another realm)
   * added to this realm with the token's default role. Either way, never a password anyone knows:
   * provisioned people sign in through the identity provider.
   */
  async create(request: ScimRequest, body: unknown): Promise<ScimResourceData> {
    requireWritable(request.caller);
    const state = userStateOf(body);
    const { caller } = request;
    const realmId = caller.realm.id;
    const actor = scimActor(caller);
    const unusablePasswordHash = await this.passwords.hash(generatePassword());
    const row = await this.write(request, async (tx) => {
      const existing = await tx.user.findUnique({ where: { email: state.email }, select: { id: true } });
      if (existing && (await this.rowOf(tx, realmId, existing.id))) {
        throw new ScimError(409, `A user with userName ${state.email} already exists`, 'uniqueness');
      }
      const user =
        existing ??
        (await insertUser(tx, { email: state.email, passwordHash: unusablePasswordHash }, realmId, actor));
      if (state.displayName) {
        await tx.user.update({
          where: { id: user.id },
          data: { displayName: state.displayName },
          select: { id: true },
        });
      }
      await insertMembership(tx, { realmId, userId: user.id, role: caller.defaultRole }, actor);
      await tx.scimUser.create({
        data: {
          realmId,
          userId: user.id,
          externalId: state.externalId,
          attributes: attributesOf(state),
          role: caller.defaultRole,
        },
        select: { userId: true },
      });
      await this.audit(tx, request, 'scim.user.create', user.id, undefined, auditedState(state));
      if (!state.active) await this.deactivate(tx, request, user.id);
      return this.mustRow(tx, realmId, user.id);
    });
    return userResource(row, request.baseUrl);
  }

  /** PUT: the user as the client says it is now. */
  async replace(request: ScimRequest, id: string, body: unknown): Promise<ScimResourceData> {
    requireWritable(request.caller);
    const state = userStateOf(body);
    const row = await this.write(request, async (tx) => {
      const current = await this.rowOf(tx, request.caller.realm.id, id);
      if (!current) throw scimNotFound('User', id);
      return this.apply(tx, request, current, state, 'scim.user.replace');
    });
    return userResource(row, request.baseUrl);
  }

  /** PATCH: the operations applied to the user as it stands, then written like a PUT. */
  async patch(request: ScimRequest, id: string, body: unknown): Promise<ScimResourceData> {
    requireWritable(request.caller);
    const row = await this.write(request, async (tx) => {
      const current = await this.rowOf(tx, request.caller.realm.id, id);
      if (!current) throw scimNotFound('User', id);
      const patched = applyPatch(userResource(current, request.baseUrl), body, userAttributes, userSchema);
      return this.apply(tx, request, current, userStateOf(patched), 'scim.user.patch');
    });
    return userResource(row, request.baseUrl);
  }

  /**
   * DELETE: what deactivation does, and the user leaves the realm for good (its membership, its
   * policy groups there, what the client knew of it). The account itself is never deleted: its
   * audit trail and the identities it owned keep pointing at it.
   */
  async remove(request: ScimRequest, id: string): Promise<void> {
    requireWritable(request.caller);
    const realmId = request.caller.realm.id;
    await this.write(request, async (tx) => {
      const current = await this.rowOf(tx, realmId, id);
      if (!current) throw scimNotFound('User', id);
      await this.requireNotBreakGlass(tx, id);
      if (isActive(current)) await this.deactivate(tx, request, id);
      const removed = await removeMembership(
        tx,
        { realmId, userId: id, revokedAt: this.clock.now(), requestId: request.requestId },
        scimActor(request.caller),
      );
      await tx.scimUser.deleteMany({ where: { realmId, userId: id } });
      await this.audit(
        tx,
        request,
        'scim.user.delete',
        id,
        { userName: current.email },
        {
          membershipRemoved: removed.role !== null,
        },
      );
      return current;
    });
  }

  private async apply(
    tx: Tx,
    request: ScimRequest,
    current: ScimUserRow,
    next: ScimUserState,
    action: string,
  ): Promise<ScimUserRow> {
    const realmId = request.caller.realm.id;
    const before = stateOfRow(current);
    if (next.email !== current.email) await this.changeEmail(tx, realmId, current.id, next.email);
    if (next.displayName !== null && next.displayName !== current.displayName) {
      await tx.user.update({
        where: { id: current.id },
        data: { displayName: next.displayName },
        select: { id: true },
      });
    }
    await tx.scimUser.upsert({
      where: { realmId_userId: { realmId, userId: current.id } },
      create: { realmId, userId: current.id, externalId: next.externalId, attributes: attributesOf(next) },
      update: { externalId: next.externalId, attributes: attributesOf(next) },
      select: { userId: true },
    });
    await this.audit(tx, request, action, current.id, auditedState(before), auditedState(next));
    if (before.active && !next.active) await this.deactivate(tx, request, current.id);
    if (!before.active && next.active) await this.reactivate(tx, request, current.id);
    return this.mustRow(tx, realmId, current.id);
  }

  /**
   * The login email is global: a client may change it only for a user who belongs to no other
   * realm, or one realm's identity provider would rename a person everywhere.
   */
  private async changeEmail(tx: Tx, realmId: string, userId: string, email: string): Promise<void> {
    if ((await otherRealmsOf(tx, realmId, userId)) > 0) {
      throw new ScimError(
        400,
        'userName is the login email of a user who also belongs to other realms: it cannot be changed from this one',
        'mutability',
      );
    }
    const taken = await tx.user.findUnique({ where: { email }, select: { id: true } });
    if (taken) throw new ScimError(409, `A user with userName ${email} already exists`, 'uniqueness');
    await tx.user.update({ where: { id: userId }, data: { email }, select: { id: true } });
  }

  /**
   * Ends what the user can do in the realm, at once. A user of this realm only has the account
   * disabled, every session and API token revoked (the triggers move the auth epoch: cached
   * credentials stop at their next use). A user who also belongs to other realms keeps the account
   * there: the membership here, its policy groups and the API tokens bound to this realm go.
   */
  private async deactivate(tx: Tx, request: ScimRequest, userId: string): Promise<void> {
    const realmId = request.caller.realm.id;
    await this.requireNotBreakGlass(tx, userId);
    const now = this.clock.now();
    const membership = await tx.realmMembership.findUnique({
      where: { realmId_userId: { realmId, userId } },
      select: { role: true },
    });
    const elsewhere = await otherRealmsOf(tx, realmId, userId);
    let effects: Record<string, unknown>;
    if (elsewhere === 0) {
      const user = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { disabledAt: true } });
      if (!user.disabledAt) {
        await tx.user.update({ where: { id: userId }, data: { disabledAt: now }, select: { id: true } });
      }
      const sessions = await tx.session.updateMany({
        where: { userId, revokedAt: null },
        data: { revokedAt: now },
      });
      const tokens = await tx.apiToken.updateMany({
        where: { userId, revokedAt: null },
        data: { revokedAt: now },
      });
      // A member the client never created (it found it by userName) has no row yet.
      await tx.scimUser.upsert({
        where: { realmId_userId: { realmId, userId } },
        create: { realmId, userId, disabledUser: !user.disabledAt, role: membership?.role ?? 'viewer' },
        update: { disabledUser: !user.disabledAt },
        select: { userId: true },
      });
      effects = { scope: 'account', sessionsRevoked: sessions.count, apiTokensRevoked: tokens.count };
    } else {
      const removed = await removeMembership(
        tx,
        { realmId, userId, revokedAt: now, requestId: request.requestId },
        scimActor(request.caller),
      );
      if (removed.role) {
        // Kept for reactivation, which gives the membership back with the role it had.
        await tx.scimUser.upsert({
          where: { realmId_userId: { realmId, userId } },
          create: { realmId, userId, role: removed.role },
          update: { role: removed.role },
          select: { userId: true },
        });
      }
      effects = { scope: 'membership', role: removed.role, apiTokensRevoked: removed.apiTokensRevoked };
    }
    await this.audit(
      tx,
      request,
      'scim.user.deactivate',
      userId,
      { active: true },
      { active: false, ...effects },
    );
    // A worker publishes it itself when the sync reaches it (RealmSyncReceiver).
    if (!request.caller.realm.servedByWorker) await publishMemberDeactivated(tx, realmId, [userId]);
  }

  /**
   * Undoes what deactivation did, and nothing more: an account someone else disabled stays
   * disabled; the membership comes back with the role it had (policy groups come back as the
   * client adds them again).
   */
  private async reactivate(tx: Tx, request: ScimRequest, userId: string): Promise<void> {
    const realmId = request.caller.realm.id;
    const scim = await tx.scimUser.findUniqueOrThrow({
      where: { realmId_userId: { realmId, userId } },
      select: { role: true, disabledUser: true },
    });
    if (scim.disabledUser) {
      await tx.user.update({ where: { id: userId }, data: { disabledAt: null }, select: { id: true } });
      await tx.scimUser.update({
        where: { realmId_userId: { realmId, userId } },
        data: { disabledUser: false },
        select: { userId: true },
      });
    }
    const membership = await tx.realmMembership.findUnique({
      where: { realmId_userId: { realmId, userId } },
      select: { role: true },
    });
    if (!membership)
      await insertMembership(tx, { realmId, userId, role: scim.role }, scimActor(request.caller));
    await this.audit(
      tx,
      request,
      'scim.user.reactivate',
      userId,
      { active: false },
      {
        active: true,
        accountEnabled: scim.disabledUser,
        membershipRestored: !membership,
      },
    );
  }

  /**
   * The break-glass account (ADR 0031) is the way in while the provider is down or wrong: a provider
   * must not be able to lock everyone out, so it never deactivates that account.
   */
  private async requireNotBreakGlass(tx: Tx, userId: string): Promise<void> {
    const breakGlass = this.config.NHI_BREAK_GLASS_EMAIL ?? this.config.NHI_ADMIN_EMAIL;
    const user = await tx.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true } });
    if (user.email === breakGlass.trim().toLowerCase()) {
      throw new ScimError(
        400,
        'The break-glass administrator is not deactivated by provisioning',
        'mutability',
      );
    }
  }

  /** One transaction; then worker instances that serve the realm learn of its members. */
  private async write<T>(request: ScimRequest, change: (tx: Tx) => Promise<T>): Promise<T> {
    let result: T;
    try {
      result = await this.db.systemPrisma.$transaction(change, { timeout: 30_000 });
    } catch (error) {
      if (isUniqueViolation(error))
        throw new ScimError(409, 'externalId or userName is already taken', 'uniqueness');
      throw error;
    }
    if (request.caller.realm.servedByWorker) {
      const realmId = request.caller.realm.id;
      await this.instanceSync.syncRealm(realmId).catch((error: unknown) => {
        this.logger.warn(
          { event: 'scim_sync_failed', realmId, err: error },
          'realm sync after a SCIM change failed',
        );
      });
    }
    return result;
  }

  private filterOf(realmId: string, filter: string | null | undefined): Prisma.UserWhereInput {
    if (!filter) return {};
    const { attribute, value } = parseScimFilter(filter, ['userName', 'externalId', 'id']);
    if (attribute === 'userName') return { email: value.trim().toLowerCase() };
    if (attribute === 'externalId') return { scimUsers: { some: { realmId, externalId: value } } };
    return { id: value };
  }

  private rowOf(
    tx: Tx | PlatformDatabase['systemPrisma'],
    realmId: string,
    id: string,
  ): Promise<ScimUserRow | null> {
    return tx.user.findFirst({ where: { id, ...visibleIn(realmId) }, select: rowSelect(realmId) });
  }

  private async mustRow(tx: Tx, realmId: string, id: string): Promise<ScimUserRow> {
    const row = await this.rowOf(tx, realmId, id);
    if (!row) throw scimNotFound('User', id);
    return row;
  }

  private audit(
    tx: Tx,
    request: ScimRequest,
    action: string,
    userId: string,
    before: Prisma.InputJsonValue | undefined,
    after: Prisma.InputJsonValue | undefined,
  ): Promise<void> {
    return writeAuditEntry(tx, {
      realmId: request.caller.realm.id,
      actor: scimActor(request.caller) satisfies Principal,
      action,
      entityType: 'User',
      entityId: userId,
      ...(before ? { before } : {}),
      ...(after ? { after } : {}),
      ...(request.requestId ? { requestId: request.requestId } : {}),
    });
  }
}

/** A realm whose rows are being copied elsewhere takes no changes until the move ends. */
export function requireWritable(caller: ScimCaller): void {
  if (caller.realm.moving)
    throw new ScimError(503, `Realm ${caller.realm.slug} is being moved: try again later`);
}

function visibleIn(realmId: string): Prisma.UserWhereInput {
  return { OR: [{ memberships: { some: { realmId } } }, { scimUsers: { some: { realmId } } }] };
}

function rowSelect(realmId: string) {
  return {
    id: true,
    email: true,
    displayName: true,
    disabledAt: true,
    createdAt: true,
    updatedAt: true,
    memberships: { where: { realmId }, select: { role: true } },
    scimUsers: { where: { realmId }, select: { externalId: true, attributes: true, updatedAt: true } },
  } as const;
}

function otherRealmsOf(tx: Tx, realmId: string, userId: string): Promise<number> {
  return tx.realmMembership.count({ where: { userId, realmId: { not: realmId } } });
}

function stateOfRow(row: ScimUserRow): ScimUserState {
  const attributes = (row.scimUsers[0]?.attributes ?? {}) as { name?: unknown; emails?: unknown };
  return {
    email: row.email,
    externalId: row.scimUsers[0]?.externalId ?? null,
    displayName: row.displayName,
    name: (attributes.name as Record<string, unknown> | undefined) ?? null,
    emails: (attributes.emails as Record<string, unknown>[] | undefined) ?? null,
    active: isActive(row),
  };
}

function attributesOf(state: ScimUserState): Prisma.InputJsonValue {
  return JSON.parse(
    JSON.stringify({
      ...(state.name ? { name: state.name } : {}),
      ...(state.emails ? { emails: state.emails } : {}),
    }),
  ) as Prisma.InputJsonValue;
}

/** What the audit row keeps of a user's SCIM attributes: no secrets exist among them. */
function auditedState(state: ScimUserState): Prisma.InputJsonValue {
  return {
    userName: state.email,
    externalId: state.externalId,
    displayName: state.displayName,
    active: state.active,
  };
}
