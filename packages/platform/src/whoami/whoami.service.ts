import { inject, injectable } from 'tsyringe';
import type { RequestContext } from '../context/request-context.ts';
import type { RealmDb } from '../database/realm-db.ts';
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
}

/** The first realm-scoped service: proves the path from guard to row-level security. */
@injectable()
export class WhoAmIService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly db: RealmDb,
    // Decided once by the guard for this request; asking the resolver again would repeat its queries.
    @inject(REQUEST_PERMISSIONS) private readonly permissions: ReadonlySet<string>,
  ) {}

  async whoami(): Promise<WhoAmI> {
    const { principal, realm } = this.context;
    const userId = principal.kind === 'system' ? null : principal.userId;
    // Sequential on purpose: the embedded database serves one query at a time per transaction.
    const { realmRow, membership } = await this.db.transaction(async (tx) => ({
      realmRow: await tx.realm.findFirst({ select: { id: true, slug: true, name: true } }),
      membership: userId
        ? await tx.realmMembership.findFirst({ where: { userId }, select: { role: true } })
        : null,
    }));
    if (!realmRow) throw new NotFoundError('Realm', realm.slug);
    return {
      principal: {
        kind: principal.kind,
        userId,
        email: principal.kind === 'system' ? null : principal.email,
        tokenId: principal.kind === 'token' ? principal.tokenId : null,
      },
      realm: realmRow,
      role: membership?.role ?? null,
      permissions: [...this.permissions].sort(),
    };
  }
}
