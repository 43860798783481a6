import type { actorOf, RealmTx } from '@nhi/platform';
import type { NhiSnapshot } from '../service/nhi-change-log.ts';
import type { NhiFieldChanges } from '../service/nhi-detail.ts';
import { jsonText } from './json-text.ts';

/** One version row to write: the identity's snapshot after the change and the fields that changed. */
export interface NhiVersionRecord {
  nhiId: string;
  version: number;
  snapshot: NhiSnapshot;
  changes: NhiFieldChanges;
}

/** Who wrote a batch of versions, for which request, and when. */
export interface VersionAuthor {
  actor: ReturnType<typeof actorOf>;
  requestId: string;
  createdAt: Date;
}

/**
 * Writes the version rows of a batch in one statement from a JSON parameter: a createMany of
 * thousands of rows binds tens of thousands of parameters. Snapshots and changes travel as strings
 * (see jsonText).
 */
export async function insertNhiVersions(
  tx: RealmTx,
  realmId: string,
  author: VersionAuthor,
  versions: readonly NhiVersionRecord[],
): Promise<void> {
  const rows = JSON.stringify(
    versions.map(({ nhiId, version, snapshot, changes }) => ({
      nhiId,
      version,
      snapshot: jsonText(snapshot),
      changes: jsonText(changes),
    })),
  );
  const { actor, requestId, createdAt } = author;
  await tx.$executeRaw`
    INSERT INTO "NhiVersion" (id, "realmId", "nhiId", version, snapshot, changes, "actorType", "actorId", "requestId",
      "createdAt")
    SELECT gen_random_uuid()::text, ${realmId}, r."nhiId", r.version, r.snapshot::jsonb, r.changes::jsonb,
      ${actor.actorType}::"ActorType", ${actor.actorId}, ${requestId}, ${createdAt}
    FROM jsonb_to_recordset(${rows}::jsonb) AS r("nhiId" text, version int, snapshot text, changes text)`;
}

/** Per identity, the newest version to drop: every version at or below it goes. */
export type VersionFloor = readonly [nhiId: string, below: number];

/** Drops the versions of many identities that are no longer kept, in one statement. */
export async function pruneNhiVersions(
  tx: RealmTx,
  realmId: string,
  floors: readonly VersionFloor[],
): Promise<void> {
  const kept = JSON.stringify(floors);
  await tx.$executeRaw`
    DELETE FROM "NhiVersion" AS v /* whole realm: history kept per retention, for every team */
    USING (SELECT e->>0 AS nhi_id, (e->>1)::int AS below FROM jsonb_array_elements(${kept}::jsonb) AS e) AS p
    WHERE v."realmId" = ${realmId} AND v."nhiId" = p.nhi_id AND v.version <= p.below`;
}
