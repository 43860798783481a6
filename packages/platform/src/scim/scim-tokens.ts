import { inject, injectable } from 'tsyringe';
import { hashApiToken, randomSecret } from '../auth/api-token-format.ts';
import { writeAuditEntry } from '../auth/audit-entry.ts';
import type { BuiltInRole } from '../auth/permissions.ts';
import type { Clock, Principal } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { CLOCK } from '../di/tokens.ts';
import { NotFoundError, ValidationError } from '../errors/domain-errors.ts';
import { ScimError } from './scim-error.ts';

/** Distinct from API tokens (`nhi_`): a SCIM token is refused at /api/trpc and an API token at /scim/v2. */
const marker = 'nhiscim_';
const tokenShape = new RegExp(`^${marker}[0-9A-Za-z]{43}$`);
const prefixLength = marker.length + 8;
/** lastUsedAt is bookkeeping: written at most once a minute per token, not on every call of a sync run. */
const lastUsedResolutionMs = 60_000;

export interface CreatedScimToken {
  /** Returned once, never stored or shown again. */
  token: string;
  id: string;
  name: string;
  prefix: string;
  defaultRole: BuiltInRole;
  realm: { id: string; slug: string };
}

export interface ScimTokenSummary {
  id: string;
  name: string;
  prefix: string;
  defaultRole: BuiltInRole;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

/** Who calls /scim/v2: a realm's provisioning client, by its token. */
export interface ScimCaller {
  tokenId: string;
  realm: { id: string; slug: string; servedByWorker: boolean; moving: boolean };
  defaultRole: BuiltInRole;
}

const summaryFields = {
  id: true,
  name: true,
  prefix: true,
  defaultRole: true,
  lastUsedAt: true,
  revokedAt: true,
  createdAt: true,
} as const;

/**
 * SCIM tokens of a realm: made by its administrators (the CLI, `platform.scimTokens`), stored as
 * a SHA-256 hash like API tokens (256 random bits need no slow hash), revocable, bound to the
 * realm. System code with an explicit realm filter on every statement: the caller has already
 * established which realm it acts in.
 */
@injectable()
export class ScimTokens {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly db: PlatformDatabase,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async create(
    input: { realmId: string; name: string; defaultRole?: BuiltInRole; requestId?: string },
    actor: Principal,
  ): Promise<CreatedScimToken> {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 100) {
      throw new ValidationError('Invalid SCIM token', [
        { path: ['name'], message: 'Give a name of 1-100 characters' },
      ]);
    }
    const defaultRole = input.defaultRole ?? 'viewer';
    const token = marker + randomSecret();
    const prefix = token.slice(0, prefixLength);
    return this.db.systemPrisma.$transaction(async (tx) => {
      const realm = await tx.realm.findUnique({
        where: { id: input.realmId },
        select: { id: true, slug: true },
      });
      if (!realm) throw new NotFoundError('Realm', input.realmId);
      const row = await tx.scimToken.create({
        data: { realmId: realm.id, name, prefix, tokenHash: hashApiToken(token), defaultRole },
        select: { id: true },
      });
      await writeAuditEntry(tx, {
        realmId: realm.id,
        actor,
        action: 'scim_token.create',
        entityType: 'ScimToken',
        entityId: row.id,
        after: { name, prefix, defaultRole },
        ...(input.requestId ? { requestId: input.requestId } : {}),
      });
      return { token, id: row.id, name, prefix, defaultRole, realm };
    });
  }

  /** For the CLI, which names realms by slug. */
  async realmBySlug(slug: string): Promise<{ id: string; slug: string }> {
    const realm = await this.db.systemPrisma.realm.findUnique({
      where: { slug },
      select: { id: true, slug: true },
    });
    if (!realm) throw new NotFoundError('Realm', slug);
    return realm;
  }

  /** The realm's SCIM tokens, newest first: never the token or its hash. */
  list(realmId: string): Promise<ScimTokenSummary[]> {
    return this.db.systemPrisma.scimToken.findMany({
      where: { realmId },
      select: summaryFields,
      orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
    });
  }

  /** Stops the token at its next call; revoking a revoked token changes nothing. */
  async revoke(
    input: { realmId: string; tokenId: string; requestId?: string },
    actor: Principal,
  ): Promise<void> {
    await this.db.systemPrisma.$transaction(async (tx) => {
      const token = await tx.scimToken.findFirst({
        where: { id: input.tokenId, realmId: input.realmId },
        select: { id: true, name: true, prefix: true, revokedAt: true },
      });
      if (!token) throw new NotFoundError('ScimToken', input.tokenId);
      if (token.revokedAt) return;
      const revokedAt = this.clock.now();
      await tx.scimToken.update({ where: { id: token.id }, data: { revokedAt }, select: { id: true } });
      await writeAuditEntry(tx, {
        realmId: input.realmId,
        actor,
        action: 'scim_token.revoke',
        entityType: 'ScimToken',
        entityId: token.id,
        before: { name: token.name, prefix: token.prefix, revokedAt: null },
        after: { name: token.name, prefix: token.prefix, revokedAt: revokedAt.toISOString() },
        ...(input.requestId ? { requestId: input.requestId } : {}),
      });
    });
  }

  /** The caller of a /scim/v2 request from its `Authorization: Bearer` header; 401 for anything else. */
  async authenticate(authorization: string | null): Promise<ScimCaller> {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!bearer || !tokenShape.test(bearer)) throw unauthorized();
    const row = await this.db.systemPrisma.scimToken.findUnique({
      where: { tokenHash: hashApiToken(bearer) },
      select: {
        id: true,
        defaultRole: true,
        revokedAt: true,
        lastUsedAt: true,
        realm: { select: { id: true, slug: true, instanceId: true, movingTo: true } },
      },
    });
    if (!row || row.revokedAt) throw unauthorized();
    const now = this.clock.now();
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= lastUsedResolutionMs) {
      await this.db.systemPrisma.scimToken.updateMany({
        where: { id: row.id, realmId: row.realm.id },
        data: { lastUsedAt: now },
      });
    }
    return {
      tokenId: row.id,
      defaultRole: row.defaultRole,
      realm: {
        id: row.realm.id,
        slug: row.realm.slug,
        servedByWorker: row.realm.instanceId !== null,
        moving: row.realm.movingTo !== null,
      },
    };
  }
}

function unauthorized(): ScimError {
  return new ScimError(401, 'A valid SCIM token is required: Authorization: Bearer <token>');
}

/** The audit actor of changes a SCIM client makes: the token, by id. */
export function scimActor(caller: ScimCaller): Principal {
  return { kind: 'system', name: `scim:${caller.tokenId}` };
}
