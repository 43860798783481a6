import {
  coveredOwnerWhere,
  coversOwner,
  NotFoundError,
  REALM_DB,
  REQUEST_PERMISSIONS,
  type RealmDb,
  type RequestPermissions,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import { identityCoverageOf } from '../identity-coverage.ts';
import { type AccessGraph, type AccessGraphInput, accessGraphOf } from './access-graph.ts';

/** More than the graph draws: the projection puts the risky ones first and caps the rest. */
const rowLimit = 500;

/**
 * The access graph of one identity, from the rows scans keep about it. Every query goes through
 * the realm-scoped client, so an identity of another realm is not found; neither is one outside
 * the caller's `nhi:read` coverage.
 */
@injectable()
export class AccessGraphService {
  constructor(
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
  ) {}

  /** `withLeaks: false` leaves the leaks out, for callers who may not see them. */
  async ofNhi(nhiId: string, options: { withLeaks: boolean }): Promise<AccessGraph> {
    const input = await this.realmDb.transaction(async (tx): Promise<AccessGraphInput> => {
      const nhi = await tx.nhi.findFirst({
        where: { id: nhiId, ...coveredOwnerWhere(identityCoverageOf(this.permissions)) },
        select: {
          name: true,
          kind: true,
          provider: true,
          permissions: true,
          metadata: true,
          ownerGroupId: true,
        },
      });
      if (!nhi) throw new NotFoundError('Nhi', nhiId);
      // Leaks of the identity only within the caller's `leak:read` coverage, which may be narrower.
      const withLeaks =
        options.withLeaks && coversOwner(this.permissions.coverage('leak:read'), nhi.ownerGroupId);
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
      const leaks = withLeaks
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
