import { createHash } from 'node:crypto';
import {
  canonicalJson,
  markSourcedNhisMissing,
  type SourcedNhi,
  type SourceSyncContext,
  syncSourcedNhis,
} from '@nhi/nhi';
import type { RealmDb, RealmTx } from '@nhi/platform';
import type { ScanFactKind } from '../../api/scan-facts.ts';
import type { DiscoveredNhi, LooseFact } from '../../connectors/connector.ts';
import {
  deleteUnreportedFactsOf,
  deleteUnreportedFactsOnOthers,
  deleteUnreportedLooseFacts,
  type FactScope,
  type ScanFactRow,
  upsertScanFacts,
} from '../../sql/facts.sql.ts';
import {
  credentialsOtherSourcesKeep,
  identityKeyOf,
  type KeptCredential,
  liveIdentities,
} from '../../sql/identities.sql.ts';
import { factKeysOf, insertScanChanges, type ScanChangeRow } from '../../sql/scan-changes.sql.ts';
import {
  markSourceItemsMissing,
  nhisReportedByOtherSources,
  type SourceItemScope,
  sourceItemsOfInput,
  upsertSourceItems,
} from '../../sql/source-items.sql.ts';
import { unreadResourceIn, withUnreadPermissions } from './unread-permissions.ts';

export interface ReconcileCounts {
  new: number;
  updated: number;
  unchanged: number;
  missing: number;
}

/** Rows of the tables beside the identities that a reconciliation wrote, for their statistics. */
export interface ReconcileWrites {
  credentials: number;
  facts: number;
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
  /** Prefixes the input could not read this time: nothing under them is marked missing. */
  unreadExternalIdPrefixes?: readonly string[];
  /** Domains (`@…`) or whole external ids the input could not read this time. */
  unreadExternalIdSuffixes?: readonly string[];
  /** Resources the input could not read this time: facts whose evidence names one stay as they were. */
  unreadFactResources?: readonly string[];
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

/**
 * Hash of everything the source said about the identity: equal hash, nothing to write. What the
 * source could not read counts too: an identity whose facts were kept while a resource was unread
 * is written again once it is read (or once another is unread), so its kept facts are settled then.
 */
export function contentHash(item: DiscoveredNhi, unreadFactResources: readonly string[] = []): string {
  const hash = createHash('sha256').update(canonicalJson(item));
  if (unreadFactResources.length > 0) hash.update(`\u0000${canonicalJson([...unreadFactResources].sort())}`);
  return hash.digest('base64url');
}

/**
 * Brings what one scan input reported into the inventory, batch by batch. Each batch is one realm
 * transaction holding the identities, their source items, facts and the scan's progress: a crash
 * loses at most the batch in flight, and a re-run skips what committed (its hashes match). The items
 * are taken batch by batch as well: a connector may still be making the next ones (IdentityStream)
 * while a batch is written.
 */
export async function reconcileIdentities(
  plan: ReconcilePlan,
  items: Iterable<DiscoveredNhi>,
): Promise<ReconcileCounts & ReconcileWrites> {
  const { realmDb, sourceId, input } = plan;
  const prior = await realmDb.transaction((tx) => sourceItemsOfInput(tx, realmDb.realmId, sourceId, input), {
    timeout: batchTimeoutMs,
  });
  const priorByKey = new Map(prior.map((row) => [identityKeyOf(row), row]));
  const counts: ReconcileCounts = { new: 0, updated: 0, unchanged: 0, missing: 0 };
  const writes: ReconcileWrites = { credentials: 0, facts: 0 };
  const seen = new Set<string>();
  let processed = 0;

  // Making and hashing a batch is CPU work and writing one waits on the database: the next batch is
  // taken and hashed in small slices while the current one is written.
  const source = items[Symbol.iterator]();
  let exhausted = false;
  const prepare = async () => {
    const changed: ChangedItem[] = [];
    const factKeys = new Set<string>();
    let unchanged = 0;
    let size = 0;
    for (; size < plan.batchSize; size++) {
      if (size > 0 && size % hashSlice === 0) await new Promise((resolve) => setImmediate(resolve));
      const taken = source.next();
      if (taken.done) {
        exhausted = true;
        break;
      }
      const item = taken.value;
      const key = identityKeyOf(item);
      if (seen.has(key)) continue;
      seen.add(key);
      const hash = contentHash(item, plan.unreadFactResources);
      const before = priorByKey.get(key);
      if (before && before.contentHash === hash && !before.missing) unchanged += 1;
      else {
        changed.push({ item, hash, known: before !== undefined, returning: before?.missing === true });
        for (const fact of item.facts) factKeys.add(factKey(fact));
      }
    }
    return { changed, unchanged, factKeys, size };
  };
  let next: ReturnType<typeof prepare> | undefined = prepare();
  // The batch before the current one: its commit, and the facts it writes.
  let previous: { committed: Promise<void>; factKeys: Set<string> } | undefined;
  try {
    while (next) {
      const prepared = await next;
      if (prepared.size === 0) break;
      next = exhausted ? undefined : prepare();
      // Not left unhandled while this batch waits: awaited at the top of the loop.
      next?.catch(() => undefined);
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
          const facts = written.length > 0 ? await writeFacts(tx, plan, prepared.changed, written) : 0;
          counts.new += own.new;
          counts.updated += own.updated;
          counts.unchanged += own.unchanged;
          processed += prepared.size;
          writes.facts += facts;
          for (const { item } of prepared.changed) writes.credentials += item.credentials?.length ?? 0;
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
    const unread = plan.unreadExternalIdPrefixes ?? [];
    const unreadEnds = plan.unreadExternalIdSuffixes ?? [];
    const unreadEnd = (externalId: string) =>
      unreadEnds.some((end) => (end.startsWith('@') ? externalId.endsWith(end) : externalId === end));
    const gone = prior
      .filter(
        (row) =>
          !seen.has(identityKeyOf(row)) &&
          !row.missing &&
          row.externalId.startsWith(prefix) &&
          !unread.some((skipped) => row.externalId.startsWith(skipped)) &&
          !unreadEnd(row.externalId),
      )
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
          await markSourceItemsMissing(tx, realmDb.realmId, itemScope(plan), ids);
          await insertScanChanges(
            tx,
            realmDb.realmId,
            plan.scanId,
            ids.map((nhiId) => ({ nhiId, change: 'missing' as const, fields: [] })),
          );
          // Gone from a read project or account: every fact goes, also those a resource unread now gave.
          await removeFactsOf(tx, plan, ids, false);
          await plan.progress(tx, processed, counts);
        },
        { timeout: batchTimeoutMs },
      );
    }
  }
  return { ...counts, ...writes };
}

/** The source items a scan writes: its input of its source, as of its time. */
const itemScope = (plan: ReconcilePlan): SourceItemScope => ({
  sourceId: plan.sourceId,
  input: plan.input,
  scanId: plan.scanId,
  seenAt: plan.sync.seenAt,
});

/**
 * The facts a scan answers for: its source's of its input's kinds, as of its time, but for those
 * naming a resource it could not read (unless `keepUnread` is false).
 */
const factScope = (plan: ReconcilePlan, keepUnread = true): FactScope => ({
  sourceId: plan.sourceId,
  seenAt: plan.sync.seenAt,
  kinds: plan.factKinds,
  ...(keepUnread ? { unreadResources: plan.unreadFactResources } : {}),
});

interface ChangedItem {
  item: DiscoveredNhi;
  hash: string;
  /** This input reported the identity before: only then can it have facts of the input's kinds to remove. */
  known: boolean;
  /** This input reported it before, then a complete scan of it no longer did. */
  returning: boolean;
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
  const reported = await withUnreadPermissions(
    tx,
    plan.sync.context.realm.id,
    plan.unreadFactResources,
    sourced,
  );
  const result = await syncSourcedNhis(tx, plan.sync, await withOthersCredentials(tx, plan, reported));
  const outcomes = changed.map((_, index) => {
    const outcome = result.items[index];
    if (!outcome) throw new Error('identity sync lost an item');
    return outcome;
  });
  const realmId = plan.sync.context.realm.id;
  // Compared with the facts as the source held them before this batch writes its own.
  const changes = await changesOf(tx, plan, changed, outcomes);
  for (const { change } of changes) counts[change === 'added' ? 'new' : 'updated'] += 1;
  counts.unchanged += changed.length - changes.length;
  await insertScanChanges(tx, realmId, plan.scanId, changes);
  const rows = changed.map(({ hash }, index) => ({
    nhiId: (outcomes[index] as Outcome).nhiId,
    contentHash: hash,
  }));
  await upsertSourceItems(tx, realmId, itemScope(plan), rows);
  return rows.map((row) => row.nhiId);
}

type Outcome = Awaited<ReturnType<typeof syncSourcedNhis>>['items'][number];

/**
 * What the batch changed, from the source's point of view: an identity the input did not report
 * before is added (even when another source had it), one it reported is changed when its fields,
 * credentials or facts differ or it is reported again after missing. A soft-deleted identity stays
 * out of the inventory and of the scan's changes.
 */
async function changesOf(
  tx: RealmTx,
  plan: ReconcilePlan,
  changed: ChangedItem[],
  outcomes: Outcome[],
): Promise<ScanChangeRow[]> {
  const knownIds = outcomes.filter((_, index) => changed[index]?.known).map((outcome) => outcome.nhiId);
  const prior = await factKeysOf(
    tx,
    plan.sync.context.realm.id,
    { sourceId: plan.sourceId, kinds: plan.factKinds },
    knownIds,
  );
  const priorByNhi = new Map<string, Map<string, string>>();
  const unread = unreadResourceIn(plan.unreadFactResources ?? []);
  for (const fact of prior) {
    // Kept as it was, not lost: the resource that gave it could not be read this time.
    if (unread(fact.resource)) continue;
    const facts = priorByNhi.get(fact.nhiId) ?? new Map<string, string>();
    facts.set(factKey(fact), fact.kind);
    priorByNhi.set(fact.nhiId, facts);
  }
  return changed.flatMap(({ item, known, returning }, index): ScanChangeRow[] => {
    const outcome = outcomes[index] as Outcome;
    if (outcome.outcome === 'deleted') return [];
    if (!known) return [{ nhiId: outcome.nhiId, change: 'added', fields: [] }];
    const fields = new Set([
      ...(returning ? ['status'] : []),
      ...(outcome.fields ?? []),
      ...factChanges(item, priorByNhi.get(outcome.nhiId) ?? new Map()),
    ]);
    return fields.size > 0 ? [{ nhiId: outcome.nhiId, change: 'changed', fields: [...fields] }] : [];
  });
}

/** Fact kinds the item gained (`+kind`) or lost (`-kind`) against what the source held. */
function factChanges(item: DiscoveredNhi, prior: ReadonlyMap<string, string>): string[] {
  const reported = new Set(item.facts.map(factKey));
  const gained = item.facts.filter((fact) => !prior.has(factKey(fact))).map((fact) => `+${fact.kind}`);
  const lost = [...prior].filter(([key]) => !reported.has(key)).map(([, kind]) => `-${kind}`);
  return [...gained, ...lost];
}

/**
 * Of these identities, those another source still reports (two exports of one cluster). The inputs of
 * one source (an AWS credential report and authorization export) speak for the same account, so the
 * newest complete one decides, as before.
 */
async function stillReportedElsewhere(tx: RealmTx, plan: ReconcilePlan, nhiIds: string[]) {
  return new Set(await nhisReportedByOtherSources(tx, plan.sync.context.realm.id, plan.sourceId, nhiIds));
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
  const kept = await credentialsOtherSourcesKeep(tx, plan.sync.context.realm.id, plan.sourceId, reporting);
  if (kept.length === 0) return items;
  const byItem = new Map<string, KeptCredential[]>();
  for (const row of kept) {
    const key = identityKeyOf(row);
    byItem.set(key, [...(byItem.get(key) ?? []), row]);
  }
  return items.map((item) => {
    const others = byItem.get(identityKeyOf(item));
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

/**
 * The facts the batch's identities were reported with; those of their kinds not reported again go.
 * Returns how many were reported.
 */
async function writeFacts(
  tx: RealmTx,
  plan: ReconcilePlan,
  changed: ChangedItem[],
  nhiIds: string[],
): Promise<number> {
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
  return facts.length;
}

/** Inserts or refreshes facts; firstSeenAt stays, lastSeenAt becomes this scan's time. */
export async function upsertFacts(
  tx: RealmTx,
  plan: Pick<ReconcilePlan, 'sync' | 'sourceId'>,
  facts: ScanFactRow[],
) {
  if (facts.length === 0) return;
  // One statement may not touch a row twice: the last report of a fact wins.
  const unique = [...new Map(facts.map((fact) => [`${fact.kind}\u0000${fact.subject}`, fact])).values()];
  await upsertScanFacts(
    tx,
    plan.sync.context.realm.id,
    { sourceId: plan.sourceId, seenAt: plan.sync.seenAt },
    unique,
  );
}

/** Facts of this input's kinds about these identities that this scan did not report (again). */
async function removeFactsOf(tx: RealmTx, plan: ReconcilePlan, nhiIds: string[], keepUnread = true) {
  if (nhiIds.length === 0) return;
  await deleteUnreportedFactsOf(tx, plan.sync.context.realm.id, factScope(plan, keepUnread), nhiIds);
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
    const rows = facts.flatMap(({ about, when, ...fact }): ScanFactRow[] => {
      const nhiId = about ? known.get(identityKeyOf(about)) : undefined;
      if (when === 'known' && !nhiId) return [];
      if (when === 'unknown' && nhiId) return [];
      return [{ ...fact, nhiId: nhiId ?? null, credentialKey: null }];
    });
    await upsertFacts(tx, plan, rows);
    if (!plan.complete) return;
    const realmId = plan.sync.context.realm.id;
    await deleteUnreportedLooseFacts(tx, realmId, factScope(plan));
    if (!plan.namesOthers) return;
    // Attached facts not reported again: those on identities the source does not report itself (facts
    // on its own identities are kept current with them).
    await deleteUnreportedFactsOnOthers(tx, realmId, factScope(plan));
  });
}

/** The inventory's live identities (not deleted, not missing from their source) the facts are about. */
async function knownIdentities(tx: RealmTx, plan: ReconcilePlan, facts: readonly LooseFact[]) {
  const about = [
    ...new Map(facts.flatMap((f) => (f.about ? [[identityKeyOf(f.about), f.about]] : []))).values(),
  ];
  if (about.length === 0) return new Map<string, string>();
  const rows = await liveIdentities(tx, plan.sync.context.realm.id, about);
  return new Map(rows.map((row) => [identityKeyOf(row), row.id]));
}
