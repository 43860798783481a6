import { inject, injectable } from 'tsyringe';
import type { Principal, RequestContext } from '../context/request-context.ts';
import type { RealmDb } from '../database/realm-db.ts';
import { REALM_DB } from '../database/tokens.ts';
import { REQUEST_CONTEXT } from '../di/tokens.ts';
import { NotFoundError, PermissionDeniedError, ValidationError } from '../errors/domain-errors.ts';
import { apiTokenPrefix, generateApiToken, hashApiToken } from './api-token-format.ts';
import { writeAuditEntry } from './audit-entry.ts';
import { isKnownPermission, PERMISSION_RESOLVER, type PermissionResolver } from './permissions.ts';

export interface CreatedApiToken {
  /** The token itself: returned here once and never stored or shown again. */
  token: string;
  id: string;
  name: string;
  prefix: string;
  /** Empty: the token holds whatever its user holds in the realm at each use. */
  permissions: string[];
  expiresAt: Date | null;
}

export interface ApiTokenSummary {
  id: string;
  userId: string;
  name: string;
  prefix: string;
  permissions: string[];
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

const summaryFields = {
  id: true,
  userId: true,
  name: true,
  prefix: true,
  permissions: true,
  expiresAt: true,
  lastUsedAt: true,
  revokedAt: true,
  createdAt: true,
} as const;

/**
 * API tokens of the request's realm. People manage their own tokens; system principals
 * (the CLI) name the user a token is for.
 */
@injectable()
export class ApiTokenService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(PERMISSION_RESOLVER) private readonly permissionResolver: PermissionResolver,
  ) {}

  /**
   * Permissions, when given, must be a subset of what the creator may do now: a token never
   * grants more than the person (or token) that made it.
   */
  async create(input: {
    userId?: string;
    name: string;
    expiresAt?: Date;
    permissions?: string[];
  }): Promise<CreatedApiToken> {
    const { realm, principal, clock } = this.context;
    const name = input.name.trim();
    validate(name, input, clock.now());
    const userId = this.holderOf(input.userId);
    const holder = await this.realmDb.transaction((tx) =>
      tx.realmMembership.findFirst({ where: { userId }, select: { user: { select: { email: true } } } }),
    );
    if (!holder) throw new NotFoundError('Member', userId);

    const reference: Principal =
      principal.kind === 'system'
        ? // The holder as if signed in: built-in roles and policies decide by user and realm.
          { kind: 'user', userId, email: holder.user.email, sessionId: '' }
        : principal;
    const allowed = await this.permissionResolver.permissionsOf(reference, realm);
    const requested = [...new Set(input.permissions ?? [])].sort();
    const missing = requested.find((permission) => !allowed.has(permission));
    if (missing) throw new PermissionDeniedError(missing);
    // A token narrowed to a subset must not mint a token holding everything its user holds.
    const narrowedCreator = principal.kind === 'token' && principal.tokenPermissions.length > 0;
    const permissions = requested.length > 0 || !narrowedCreator ? requested : [...allowed].sort();

    const token = generateApiToken();
    const prefix = apiTokenPrefix(token);
    const expiresAt = input.expiresAt ?? null;
    const created = await this.realmDb.transaction(async (tx) => {
      const row = await tx.apiToken.create({
        data: {
          realmId: realm.id,
          userId,
          name,
          prefix,
          tokenHash: hashApiToken(token),
          permissions,
          expiresAt,
        },
        select: { id: true },
      });
      await writeAuditEntry(tx, {
        realmId: realm.id,
        actor: principal,
        action: 'api_token.create',
        entityType: 'ApiToken',
        entityId: row.id,
        after: { userId, name, prefix, permissions, expiresAt: expiresAt?.toISOString() ?? null },
        requestId: this.context.requestId,
      });
      return row;
    });
    return { token, id: created.id, name, prefix, permissions, expiresAt };
  }

  /** Tokens of the realm, newest first: never the token or its hash. */
  async list(filter: { userId?: string } = {}): Promise<ApiTokenSummary[]> {
    const userId = this.context.principal.kind === 'system' ? filter.userId : this.holderOf(filter.userId);
    return this.realmDb.transaction((tx) =>
      tx.apiToken.findMany({
        where: userId ? { userId } : {},
        select: summaryFields,
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
      }),
    );
  }

  /** Stops the token at once. Revoking a revoked token changes nothing. */
  async revoke(tokenId: string): Promise<void> {
    const { principal, realm, clock } = this.context;
    const own = principal.kind === 'system' ? {} : { userId: principal.userId };
    await this.realmDb.transaction(async (tx) => {
      const token = await tx.apiToken.findFirst({
        where: { id: tokenId, ...own },
        select: { id: true, name: true, prefix: true, revokedAt: true },
      });
      if (!token) throw new NotFoundError('ApiToken', tokenId);
      if (token.revokedAt) return;
      const revokedAt = clock.now();
      await tx.apiToken.update({ where: { id: token.id }, data: { revokedAt }, select: { id: true } });
      await writeAuditEntry(tx, {
        realmId: realm.id,
        actor: principal,
        action: 'api_token.revoke',
        entityType: 'ApiToken',
        entityId: token.id,
        before: { name: token.name, prefix: token.prefix, revokedAt: null },
        after: { name: token.name, prefix: token.prefix, revokedAt: revokedAt.toISOString() },
        requestId: this.context.requestId,
      });
    });
  }

  /** People act on their own tokens only; system principals must say whose. */
  private holderOf(userId: string | undefined): string {
    const { principal } = this.context;
    if (principal.kind === 'system') {
      if (!userId)
        throw new ValidationError('Name the user the token is for', [
          { path: ['userId'], message: 'Required' },
        ]);
      return userId;
    }
    if (userId !== undefined && userId !== principal.userId) throw new PermissionDeniedError('token:manage');
    return principal.userId;
  }
}

function validate(name: string, input: { expiresAt?: Date; permissions?: string[] }, now: Date): void {
  const issues = [];
  if (name.length === 0 || name.length > 100)
    issues.push({ path: ['name'], message: 'Give a name of 1-100 characters' });
  if (input.expiresAt && input.expiresAt <= now)
    issues.push({ path: ['expiresAt'], message: 'Must be in the future' });
  for (const permission of input.permissions ?? []) {
    if (!isKnownPermission(permission))
      issues.push({ path: ['permissions'], message: `Unknown permission ${permission}` });
  }
  if (issues.length > 0) throw new ValidationError('Invalid API token', issues);
}
