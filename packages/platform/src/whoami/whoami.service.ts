import { inject, injectable } from 'tsyringe';
import { type CallerScope, callerScopeOf } from '../auth/caller-scope.ts';
import type { RequestPermissions } from '../auth/coverage.ts';
import type { RequestContext } from '../context/request-context.ts';
import type { RealmDb } from '../database/realm-db.ts';
import { sql } from '../database/sql-fragments.ts';
import { REALM_DB } from '../database/tokens.ts';
import { REQUEST_CONTEXT, REQUEST_PERMISSIONS } from '../di/tokens.ts';
import { NotFoundError } from '../errors/domain-errors.ts';

export interface WhoAmI {
  principal: {
    kind: 'user' | 'token' | 'system';
    userId: string | null;
    email: string | null;
    tokenId: string | null;
  };
  realm: { id: string; slug: string; name: string };
  role: string | null;
  permissions: string[];
  /** The teams whose identities the caller sees; absent when they see the whole realm. */
  scope?: CallerScope;
}

/** The first realm-scoped service: proves the path from guard to row-level security. */
@injectable()
export class WhoAmIService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly db: RealmDb,
    // Decided once by the guard for this request; asking the resolver again would repeat its queries.
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
  ) {}

  async whoami(): Promise<WhoAmI> {
    const { principal, realm } = this.context;
    const userId = principal.kind === 'system' ? null : principal.userId;
    // One read without the ORM: every authenticated page asks who it is.
    const [row] = await this.db.read((query) =>
      query<{ id: string; slug: string; name: string; role: string | null }>(sql`
        SELECT r.id, r.slug, r.name, m.role::text AS role
        FROM "Realm" r
        LEFT JOIN "RealmMembership" m ON m."realmId" = r.id AND m."userId" = ${userId}
        WHERE r.id = ${realm.id}`),
    );
    if (!row) throw new NotFoundError('Realm', realm.slug);
    const scope = await callerScopeOf(this.permissions, this.context, this.db);
    return {
      principal: {
        kind: principal.kind,
        userId,
        email: principal.kind === 'system' ? null : principal.email,
        tokenId: principal.kind === 'token' ? principal.tokenId : null,
      },
      realm: { id: row.id, slug: row.slug, name: row.name },
      role: row.role,
      permissions: [...this.permissions].sort(),
      ...(scope ? { scope } : {}),
    };
  }
}
