import { NotFoundError, REALM_DB, type RealmDb } from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import { type AccessGraph, type AccessGraphInput, accessGraphOf } from './access-graph.ts';

/** More than the graph draws: the projection puts the risky ones first and caps the rest. */
const rowLimit = 500;

/**
 * The access graph of one identity, from the rows scans keep about it. Every query goes through
 * the realm-scoped client, so an identity of another realm is not found.
 */
@injectable()
export class AccessGraphService {
  constructor(@inject(REALM_DB) private readonly realmDb: RealmDb) {}

  /** `withLeaks: false` leaves the leaks out, for callers who may not see them. */
  async ofNhi(nhiId: string, options: { withLeaks: boolean }): Promise<AccessGraph> {
    const input = await this.realmDb.transaction(async (tx): Promise<AccessGraphInput> => {
      const nhi = await tx.nhi.findFirst({
        where: { id: nhiId },
        select: { name: true, kind: true, provider: true, permissions: true, metadata: true },
      });
      if (!nhi) throw new NotFoundError('Nhi', nhiId);
      const credentials = await tx.credential.findMany({
        where: { nhiId },
        select: { id: true, kind: true, hint: true, status: true },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        take: rowLimit,
      });
      const facts = await tx.scanFact.findMany({
        where: { nhiId },
        select: { kind: true, evidence: true },
        orderBy: { id: 'asc' },
        take: rowLimit,
      });
      const leaks = options.withLeaks
        ? await tx.leak.findMany({
            where: { nhiId, resolvedAt: null },
            select: {
              id: true,
              file: true,
              line: true,
              commit: true,
              rule: true,
              credentialId: true,
              verification: true,
              source: { select: { name: true } },
            },
            orderBy: [{ lastSeenAt: 'desc' }, { id: 'asc' }],
            take: rowLimit,
          })
        : [];
      return {
        nhi,
        credentials,
        facts,
        leaks: leaks.map(({ source, ...leak }) => ({ ...leak, source: source.name })),
      };
    });
    return accessGraphOf(input);
  }
}
