import { createHash } from 'node:crypto';
import {
  canonicalJson,
  markSourcedNhisMissing,
  type SourcedCredential,
  type SourcedNhi,
  type SourceSyncContext,
  syncSourcedNhis,
} from '@nhi/nhi';
import type { RealmDb, RealmTx } from '@nhi/platform';
import type { DiscoveredNhi, LooseFact } from '../connectors/connector.ts';
import type { ScanFactKind } from '../scan-facts.ts';

export interface ReconcileCounts {
  new: number;
  updated: number;
  unchanged: number;
  missing: number;
}

export interface ReconcilePlan {
  realmDb: RealmDb;
  sync: SourceSyncContext;
  sourceId: string;
  scanId: string;
  input: string;
  complete: boolean;
  /** Only identities under this external id prefix are the input's to mark missing (a Kubernetes cluster). */
  externalIdPrefix?: string;
  /**
   * Whether the input may name identities it does not hold (Kubernetes bindings): facts it attached to
   * them are then removed with its loose facts.
   */
  namesOthers?: boolean;
  factKinds: readonly ScanFactKind[];
  batchSize: number;
  /**
   * Batch transactions in flight at once (PostgreSQL: 2, so one batch writes while the next is read,
   * compared and sent; PGlite has one connection: 1).
   */
  writers: number;
  /** Called between batches, outside any transaction: throws to stop (cancel). */
  checkpoint(): Promise<void>;
  /** Inside each batch's transaction, so the scan's progress commits with the batch. */
  progress(tx: RealmTx, processed: number, counts: ReconcileCounts): Promise<void>;
}

/** Identities take minutes to write at 100k; one batch stays far below this. */
const batchTimeoutMs = 120_000;

/** Items hashed between two turns of the event loop while a batch is written. */
const hashSlice = 250;

const factKey = (fact: { kind: string; subject: string }) => `${fact.kind}\u0000${fact.subject}`;

function sharesAny(one: ReadonlySet<string>, other: ReadonlySet<string>): boolean {
  for (const key of one) if (other.has(key)) return true;
  return false;
}

const keyOf = (item: { provider: string; externalId: string }) => `${item.provider}\u0000${item.externalId}`;

/** Hash of everything the source said about the identity: equal hash, nothing to write. */
export function contentHash(item: DiscoveredNhi): string {
  return createHash('sha256').update(canonicalJson(item)).digest('base64url');
}

interface PriorItem {
  nhiId: string;
  contentHash: string;
  missing: boolean;
  provider: string;
  externalId: string;
}

/**
 * Brings what one scan input reported into the inventory, batch by batch. Each batch is one realm
 * transaction holding the identities, their source items, facts and the scan's progress: a crash
 * loses at most the batch in flight, and a re-run skips what committed (its hashes match).
 */
export async function reconcileIdentities(
  plan: ReconcilePlan,
  items: readonly DiscoveredNhi[],
): Promise<ReconcileCounts> {
  const { realmDb, sourceId, input } = plan;
  const prior = await realmDb.transaction(
    (tx) => tx.$queryRaw<PriorItem[]>`
      SELECT si."nhiId", si."contentHash", si.missing, n.provider::text AS provider, n."externalId"
      FROM "SourceItem" AS si JOIN "Nhi" AS n ON n."realmId" = si."realmId" AND n.id = si."nhiId"
      WHERE si."realmId" = ${realmDb.realmId} AND si."sourceId" = ${sourceId} AND si.input = ${input}`,
    { timeout: batchTimeoutMs },
  );
  const priorByKey = new Map(prior.map((row) => [keyOf(row), row]));
  const counts: ReconcileCounts = { new: 0, updated: 0, unchanged: 0, missing: 0 };
  const seen = new Set<string>();
  let processed = 0;

  // Hashing a batch is CPU work and writing one waits on the database: the next batch is hashed in
  // small slices while the current one is written.
  const prepare = async (batch: readonly DiscoveredNhi[]) => {
    const changed: ChangedItem[] = [];
    const factKeys = new Set<string>();
    let unchanged = 0;
    for (let index = 0; index < batch.length; index++) {
      if (index > 0 && index % hashSlice === 0) await new Promise((resolve) => setImmediate(resolve));
      const item = batch[index] as DiscoveredNhi;
      const key = keyOf(item);
      if (seen.has(key)) continue;
      seen.add(key);
      const hash = contentHash(item);
      const before = priorByKey.get(key);
      if (before && before.contentHash === hash && !before.missing) unchanged += 1;
      else {
        changed.push({ item, hash, known: before !== undefined });
        for (const fact of item.facts) factKeys.add(factKey(fact));
      }
    }
    return { changed, unchanged, factKeys, size: batch.length };
  };
  let next = items.length > 0 ? prepare(items.slice(0, plan.batchSize)) : undefined;
  // The batch before the current one: its commit, and the facts it writes.
  let previous: { committed: Promise<void>; factKeys: Set<string> } | undefined;
  try {
    for (let start = 0; next; start += plan.batchSize) {
      const prepared = await next;
      const following = start + plan.batchSize;
      next =
        following < items.length ? prepare(items.slice(following, following + plan.batchSize)) : undefined;
      await plan.checkpoint();
      const before = previous;
      // A fact is keyed by its subject, not by an identity: two batches reporting one fact never overlap.
      if (before && (plan.writers < 2 || sharesAny(before.factKeys, prepared.factKeys)))
        await before.committed;
      const committed = realmDb.transaction(
        async (tx) => {
          const own: ReconcileCounts = { new: 0, updated: 0, unchanged: prepared.unchanged, missing: 0 };
          const written =
            prepared.changed.length > 0 ? await writeIdentities(tx, plan, prepared.changed, own) : [];
          // Batches commit in order, so what committed is always the input's first batches and the
          // progress counts exactly those. Until the batch before commits this one holds locks only on
          // rows of its own identities, which that batch never touches.
          await before?.committed;
          if (written.length > 0) await writeFacts(tx, plan, prepared.changed, written);
          counts.new += own.new;
          counts.updated += own.updated;
          counts.unchanged += own.unchanged;
          processed += prepared.size;
          await plan.progress(tx, processed, counts);
        },
        { timeout: batchTimeoutMs },
      );
      // Awaited below or by the next batch; a failure is reported there, never as unhandled.
      committed.catch(() => undefined);
      previous = { committed, factKeys: prepared.factKeys };
      // At most `writers` batches in flight: the next one is prepared while this one writes.
      if (before) await before.committed;
    }
    await previous?.committed;
  } catch (error) {
    // A batch still in flight ends (it rolls back once the failed one has) before the error is reported.
    await previous?.committed.catch(() => undefined);
    throw error;
  }

  if (plan.complete) {
    const prefix = plan.externalIdPrefix ?? '';
    const gone = prior
      .filter((row) => !seen.has(keyOf(row)) && !row.missing && row.externalId.startsWith(prefix))
      .map((row) => row.nhiId);
    for (let start = 0; start < gone.length; start += plan.batchSize) {
      await plan.checkpoint();
      const ids = gone.slice(start, start + plan.batchSize);
      await realmDb.transaction(
        async (tx) => {
          // The input no longer reports them; the identity is missing only if no other source still does.
          const reported = await stillReportedElsewhere(tx, plan, ids);
          await markSourcedNhisMissing(
            tx,
            plan.sync,
            ids.filter((id) => !reported.has(id)),
          );
          counts.missing += ids.length;
          const list = JSON.stringify(ids);
          await tx.$executeRaw`
            UPDATE "SourceItem" SET missing = true, "lastScanId" = ${plan.scanId}, "updatedAt" = ${plan.sync.seenAt}
            WHERE "realmId" = ${realmDb.realmId} AND "sourceId" = ${sourceId} AND input = ${input}
              AND "nhiId" IN (SELECT jsonb_array_elements_text(${list}::jsonb))`;
          await removeFactsOf(tx, plan, ids);
          await plan.progress(tx, processed, counts);
        },
        { timeout: batchTimeoutMs },
      );
    }
  }
  return counts;
}

interface ChangedItem {
  item: DiscoveredNhi;
  hash: string;
  /** This input reported the identity before: only then can it have facts of the input's kinds to remove. */
  known: boolean;
}

/** The batch's identities and source items; returns each changed item's identity id, in order. */
async function writeIdentities(
  tx: RealmTx,
  plan: ReconcilePlan,
  changed: ChangedItem[],
  counts: ReconcileCounts,
): Promise<string[]> {
  const sourced = changed.map(({ item }) => {
    const { facts: _facts, ...rest } = item;
    return rest;
  });
  const result = await syncSourcedNhis(tx, plan.sync, await withOthersCredentials(tx, plan, sourced));
  const rows = changed.map(({ hash }, index) => {
    const outcome = result.items[index];
    if (!outcome) throw new Error('identity sync lost an item');
    if (outcome.outcome === 'created') counts.new += 1;
    else if (outcome.outcome === 'updated') counts.updated += 1;
    else counts.unchanged += 1;
    return { nhiId: outcome.nhiId, contentHash: hash };
  });
  const items = JSON.stringify(rows);
  await tx.$executeRaw`
    INSERT INTO "SourceItem" ("realmId", "sourceId", input, "nhiId", "contentHash", missing, "lastScanId", "updatedAt")
    SELECT ${plan.sync.context.realm.id}, ${plan.sourceId}, ${plan.input}, r."nhiId", r."contentHash", false,
      ${plan.scanId}, ${plan.sync.seenAt}
    FROM jsonb_to_recordset(${items}::jsonb) AS r("nhiId" text, "contentHash" text)
    ON CONFLICT ("realmId", "sourceId", input, "nhiId") DO UPDATE SET "contentHash" = excluded."contentHash",
      missing = false, "lastScanId" = excluded."lastScanId", "updatedAt" = excluded."updatedAt"`;
  return rows.map((row) => row.nhiId);
}

/**
 * Of these identities, those another source still reports (two exports of one cluster). The inputs of
 * one source (an AWS credential report and authorization export) speak for the same account, so the
 * newest complete one decides, as before.
 */
async function stillReportedElsewhere(tx: RealmTx, plan: ReconcilePlan, nhiIds: string[]) {
  const ids = JSON.stringify(nhiIds);
  const rows = await tx.$queryRaw<{ nhiId: string }[]>`
    SELECT DISTINCT si."nhiId" FROM jsonb_array_elements_text(${ids}::jsonb) AS target(id)
    CROSS JOIN LATERAL (
      SELECT x."nhiId", x."sourceId", x.missing FROM "SourceItem" AS x
      WHERE x."realmId" = ${plan.sync.context.realm.id} AND x."nhiId" = target.id OFFSET 0
    ) AS si
    WHERE NOT si.missing AND si."sourceId" <> ${plan.sourceId}`;
  return new Set(rows.map((row) => row.nhiId));
}

interface KeptCredential {
  provider: string;
  externalId: string;
  hint: string;
  kind: SourcedCredential['kind'];
  fingerprint: string | null;
  providerCreatedAt: Date | null;
  lastRotatedAt: Date | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  status: SourcedCredential['status'];
}

/**
 * The items with the credentials this source may not revoke added back as they are stored. The
 * inventory's sync revokes every credential of an identity its item leaves out; when another source
 * also reports the identity (two exports of one cluster, one of them partial), a credential left out
 * is revoked only if this source reported it before and no other source did (the facts each source
 * recorded about the credential say which did). Credentials of an identity only this source reports
 * are its own, as before.
 */
async function withOthersCredentials(
  tx: RealmTx,
  plan: ReconcilePlan,
  items: SourcedNhi[],
): Promise<SourcedNhi[]> {
  const reporting = items.filter((item) => item.credentials !== undefined);
  if (reporting.length === 0) return items;
  const realmId = plan.sync.context.realm.id;
  const keys = JSON.stringify(reporting.map((item) => [item.provider, item.externalId]));
  const kept = await tx.$queryRaw<KeptCredential[]>`
    SELECT n.provider::text AS provider, n."externalId", c.hint, c.kind::text AS kind, c.fingerprint,
      c."providerCreatedAt", c."lastRotatedAt", c."expiresAt", c."lastUsedAt", c.status::text AS status
    FROM (SELECT e->>0 AS provider, e->>1 AS external_id FROM jsonb_array_elements(${keys}::jsonb) AS e) AS k
    JOIN "Nhi" AS n ON n."realmId" = ${realmId} AND n.provider = k.provider::"NhiProvider"
      AND n."externalId" = k.external_id
    CROSS JOIN LATERAL (
      SELECT * FROM "Credential" AS x WHERE x."realmId" = ${realmId} AND x."nhiId" = n.id OFFSET 0
    ) AS c
    WHERE c.status <> 'revoked' AND c.hint IS NOT NULL
      AND EXISTS (SELECT 1 FROM "SourceItem" AS si WHERE si."realmId" = ${realmId} AND si."nhiId" = n.id
        AND si."sourceId" <> ${plan.sourceId} AND NOT si.missing)
      AND (
        NOT EXISTS (SELECT 1 FROM "ScanFact" AS f WHERE f."realmId" = ${realmId} AND f."nhiId" = n.id
          AND f."credentialId" = c.id AND f."sourceId" = ${plan.sourceId})
        OR EXISTS (SELECT 1 FROM "ScanFact" AS f WHERE f."realmId" = ${realmId} AND f."nhiId" = n.id
          AND f."credentialId" = c.id AND f."sourceId" <> ${plan.sourceId}))`;
  if (kept.length === 0) return items;
  const byItem = new Map<string, KeptCredential[]>();
  for (const row of kept) {
    const key = keyOf(row);
    byItem.set(key, [...(byItem.get(key) ?? []), row]);
  }
  return items.map((item) => {
    const others = byItem.get(keyOf(item));
    if (!others || !item.credentials) return item;
    const reported = new Set(item.credentials.map((credential) => credential.key));
    const added = others
      .filter((row) => !reported.has(row.hint))
      .map((row) => ({
        key: row.hint,
        kind: row.kind,
        fingerprint: row.fingerprint,
        providerCreatedAt: row.providerCreatedAt,
        lastRotatedAt: row.lastRotatedAt,
        expiresAt: row.expiresAt,
        lastUsedAt: row.lastUsedAt,
        status: row.status,
      }));
    return added.length > 0 ? { ...item, credentials: [...item.credentials, ...added] } : item;
  });
}

/** The facts the batch's identities were reported with; those of their kinds not reported again go. */
async function writeFacts(tx: RealmTx, plan: ReconcilePlan, changed: ChangedItem[], nhiIds: string[]) {
  const facts = changed.flatMap(({ item }, index) =>
    item.facts.map((fact) => ({
      nhiId: nhiIds[index] ?? null,
      credentialKey: fact.credentialKey ?? null,
      kind: fact.kind,
      subject: fact.subject,
      evidence: fact.evidence,
    })),
  );
  await upsertFacts(tx, plan, facts);
  await removeFactsOf(
    tx,
    plan,
    nhiIds.filter((_, index) => changed[index]?.known),
  );
}

interface FactRow {
  nhiId: string | null;
  credentialKey: string | null;
  kind: string;
  subject: string;
  evidence: unknown;
}

/** Inserts or refreshes facts; firstSeenAt stays, lastSeenAt becomes this scan's time. */
export async function upsertFacts(
  tx: RealmTx,
  plan: Pick<ReconcilePlan, 'sync' | 'sourceId'>,
  facts: FactRow[],
) {
  if (facts.length === 0) return;
  // One statement may not touch a row twice: the last report of a fact wins.
  const unique = [...new Map(facts.map((fact) => [`${fact.kind}\u0000${fact.subject}`, fact])).values()];
  const data = JSON.stringify(unique);
  const seenAt = plan.sync.seenAt;
  await tx.$executeRaw`
    INSERT INTO "ScanFact" (id, "realmId", "nhiId", "credentialId", "sourceId", kind, subject, evidence,
      "firstSeenAt", "lastSeenAt")
    SELECT gen_random_uuid()::text, ${plan.sync.context.realm.id}, r."nhiId",
      CASE WHEN r."credentialKey" IS NOT NULL THEN (SELECT c.id FROM "Credential" AS c
        WHERE c."nhiId" = r."nhiId" AND c.hint = r."credentialKey" AND c."realmId" = ${plan.sync.context.realm.id}
        LIMIT 1) END,
      ${plan.sourceId}, r.kind, r.subject, r.evidence, ${seenAt}, ${seenAt}
    FROM jsonb_to_recordset(${data}::jsonb) AS r("nhiId" text, "credentialKey" text, kind text, subject text,
      evidence jsonb)
    ON CONFLICT ("realmId", "sourceId", kind, subject) DO UPDATE SET "nhiId" = excluded."nhiId",
      "credentialId" = excluded."credentialId", evidence = excluded.evidence, "lastSeenAt" = excluded."lastSeenAt"`;
}

/** Facts of this input's kinds about these identities that this scan did not report (again). */
async function removeFactsOf(tx: RealmTx, plan: ReconcilePlan, nhiIds: string[]) {
  if (nhiIds.length === 0) return;
  const ids = JSON.stringify(nhiIds);
  const kinds = JSON.stringify(plan.factKinds);
  // Each identity's facts through the (realm, identity) index (OFFSET 0 keeps the lookup per identity):
  // with `IN (list)` the planner, before the table is analysed, read all the source's facts once per
  // listed identity.
  await tx.$executeRaw`
    DELETE FROM "ScanFact" WHERE "realmId" = ${plan.sync.context.realm.id} AND id IN (
      SELECT f.id FROM jsonb_array_elements_text(${ids}::jsonb) AS target(id)
      CROSS JOIN LATERAL (
        SELECT x.id, x."sourceId", x."lastSeenAt", x.kind FROM "ScanFact" AS x
        WHERE x."realmId" = ${plan.sync.context.realm.id} AND x."nhiId" = target.id OFFSET 0
      ) AS f
      WHERE f."sourceId" = ${plan.sourceId} AND f."lastSeenAt" < ${plan.sync.seenAt}
        AND f.kind IN (SELECT jsonb_array_elements_text(${kinds}::jsonb)))`;
}

/**
 * Facts about no identity of the input (users and groups, orphaned bindings), and facts about
 * identities the input names but does not hold: those go to the inventory's identity when it has one
 * (reported by another source or file), or give way to their `unknown` alternative (an orphaned
 * binding). A complete scan's set replaces the previous one; a partial scan only adds and refreshes,
 * since what it leaves out may still exist.
 */
export async function reconcileLooseFacts(plan: ReconcilePlan, facts: readonly LooseFact[]) {
  await plan.realmDb.transaction(async (tx) => {
    const known = await knownIdentities(tx, plan, facts);
    const rows = facts.flatMap(({ about, when, ...fact }): FactRow[] => {
      const nhiId = about ? known.get(keyOf(about)) : undefined;
      if (when === 'known' && !nhiId) return [];
      if (when === 'unknown' && nhiId) return [];
      return [{ ...fact, nhiId: nhiId ?? null, credentialKey: null }];
    });
    await upsertFacts(tx, plan, rows);
    if (!plan.complete) return;
    const kinds = JSON.stringify(plan.factKinds);
    await tx.$executeRaw`
      DELETE FROM "ScanFact"
      WHERE "realmId" = ${plan.sync.context.realm.id} AND "sourceId" = ${plan.sourceId} AND "nhiId" IS NULL AND "lastSeenAt" < ${plan.sync.seenAt}
        AND kind IN (SELECT jsonb_array_elements_text(${kinds}::jsonb))`;
    if (!plan.namesOthers) return;
    // Attached facts not reported again: those on identities the source does not report itself (facts
    // on its own identities are kept current with them).
    await tx.$executeRaw`
      DELETE FROM "ScanFact" AS f
      WHERE f."realmId" = ${plan.sync.context.realm.id} AND f."sourceId" = ${plan.sourceId}
        AND f."nhiId" IS NOT NULL AND f."lastSeenAt" < ${plan.sync.seenAt}
        AND f.kind IN (SELECT jsonb_array_elements_text(${kinds}::jsonb))
        AND NOT EXISTS (SELECT 1 FROM "SourceItem" AS si WHERE si."realmId" = f."realmId"
          AND si."nhiId" = f."nhiId" AND si."sourceId" = f."sourceId")`;
  });
}

/** The inventory's live identities (not deleted, not missing from their source) the facts are about. */
async function knownIdentities(tx: RealmTx, plan: ReconcilePlan, facts: readonly LooseFact[]) {
  const about = [...new Map(facts.flatMap((f) => (f.about ? [[keyOf(f.about), f.about]] : []))).values()];
  if (about.length === 0) return new Map<string, string>();
  const keys = JSON.stringify(about.map((identity) => [identity.provider, identity.externalId]));
  const rows = await tx.$queryRaw<{ id: string; provider: string; externalId: string }[]>`
    SELECT n.id, n.provider::text AS provider, n."externalId"
    FROM (SELECT e->>0 AS provider, e->>1 AS external_id FROM jsonb_array_elements(${keys}::jsonb) AS e) AS k
    JOIN "Nhi" AS n ON n."realmId" = ${plan.sync.context.realm.id} AND n.provider = k.provider::"NhiProvider"
      AND n."externalId" = k.external_id
    WHERE n."deletedAt" IS NULL AND n.status <> 'missing_from_source'`;
  return new Map(rows.map((row) => [keyOf(row), row.id]));
}
