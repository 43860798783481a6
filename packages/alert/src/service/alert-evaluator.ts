import {
  analyzeAfterBulkWrite,
  bulkWriteRows,
  CLOCK,
  type Clock,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  RealmDb,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import { nhiIdsOfNextSlice } from '../sql/pass-slices.sql.ts';
import { type EvaluationResult, evaluateInTransaction, evaluateSlice } from './alert-evaluation.ts';

/**
 * Identities per slice of a full pass. The embedded database has one connection, so a slice is
 * the longest a request waits behind an evaluation there. On PostgreSQL every slice repeats the
 * pass's reads and trades hash joins for index lookups: large slices keep a 100k realm's first pass
 * within its 30 s (ADR 0026), while a bulk triage waits for one slice rather than a whole pass.
 */
export const passSliceSize = { pglite: 1000, postgres: 50_000 } as const;

/** A slice runs for seconds at most; this leaves room on a machine that is busy elsewhere. */
const sliceTimeoutMs = 120_000;

/** The tables a pass writes in bulk on a realm's first pass. */
const passTables = ['Alert', 'AlertEvent', 'NhiRiskScore'];

/**
 * Identities per transaction of an incremental evaluation. Events of a bulk import arrive as jobs
 * of up to thousands of identities; on the embedded database's one connection each transaction is
 * what a request may wait behind, so the job commits in parts (measured before: jobs of 5,000
 * identities held it for up to 37 s).
 */
export const incrementalSliceSize = { pglite: 250, postgres: 5000 } as const;

/** A slice of an incremental evaluation runs in about a second; room for a machine busy elsewhere. */
const incrementalTimeoutMs = 120_000;

const noChange = { findings: 0, opened: 0, reopened: 0, resolved: 0, notifications: 0 };

export interface RealmPassOptions {
  /** Checked between slices: a stopped job ends after the slice it is in, which commits. */
  signal?: AbortSignal;
  /** Identities per slice; default from passSliceSize. */
  sliceSize?: number;
}

/**
 * Evaluates the rules of a realm given by id: what jobs call (a job carries its realm in its
 * payload, it has no request). An incremental evaluation is one realm transaction. A full pass is
 * a sequence of short ones (see evaluateSlice), so a realm of 100k identities never holds locks,
 * or the embedded database's one connection, for the whole pass; every slice is complete in
 * itself, so a pass stopped half-way leaves consistent alerts and the next pass finishes the work.
 * Evaluations of one realm take turns slice by slice (lockRealmAlerts).
 */
@injectable()
export class AlertEvaluator {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly database: PlatformDatabase,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  async evaluateRealm(realmId: string, options: RealmPassOptions = {}): Promise<EvaluationResult> {
    const realmDb = new RealmDb(this.database, realmId);
    const now = this.clock.now();
    const sliceSize = options.sliceSize ?? passSliceSize[this.database.kind];
    const transaction = { timeout: sliceTimeoutMs, maxWait: 60_000 };
    const realmLevel = await realmDb.transaction(
      (tx) => evaluateSlice(tx, realmId, now, { realmLevel: true }),
      transaction,
    );
    const total: EvaluationResult = {
      findings: realmLevel.findings,
      opened: realmLevel.opened,
      reopened: realmLevel.reopened,
      resolved: realmLevel.resolved,
      notifications: realmLevel.notifications,
      nhisInScope: 'all',
    };
    const unownedRollup = realmLevel.unownedRollup ?? false;
    // A first pass fills the alert tables slice by slice: each slice is planned on their statistics,
    // which still describe the empty tables unless refreshed (measured on 30k identities: 197 s for
    // the pass, 22 s with them refreshed). Refreshed whenever the rows opened have doubled since.
    let openedSinceAnalyze = realmLevel.opened;
    let openedAtAnalyze = 0;
    let after: string | null = null;
    for (;;) {
      options.signal?.throwIfAborted();
      const from: string | null = after;
      const slice: { last: string; result: EvaluationResult } | undefined = await realmDb.transaction(
        async (tx) => {
          const nhiIds = await nhiIdsOfNextSlice(tx, realmId, from, sliceSize);
          if (nhiIds.length === 0) return undefined;
          const result = await evaluateSlice(tx, realmId, now, { nhiIds, unownedRollup });
          return { last: nhiIds[nhiIds.length - 1] as string, result };
        },
        transaction,
      );
      if (!slice) return total;
      after = slice.last;
      openedSinceAnalyze += slice.result.opened;
      if (openedSinceAnalyze >= Math.max(bulkWriteRows, openedAtAnalyze)) {
        await analyzeAfterBulkWrite(this.database, passTables, openedSinceAnalyze);
        openedAtAnalyze += openedSinceAnalyze;
        openedSinceAnalyze = 0;
      }
      total.findings += slice.result.findings;
      total.opened += slice.result.opened;
      total.reopened += slice.result.reopened;
      total.resolved += slice.result.resolved;
      total.notifications += slice.result.notifications;
    }
  }

  /**
   * Evaluates the given identities, a slice at a time. Each identity's findings depend only on
   * itself and the realm's settings, so slices give what one transaction over all of them gives;
   * a job stopped between slices is retried and re-evaluates them all, which changes nothing twice.
   */
  async evaluateNhis(
    realmId: string,
    nhiIds: readonly string[],
    options: { sliceSize?: number } = {},
  ): Promise<EvaluationResult> {
    const realmDb = new RealmDb(this.database, realmId);
    const now = this.clock.now();
    const size = options.sliceSize ?? incrementalSliceSize[this.database.kind];
    const total: EvaluationResult = { ...noChange, nhisInScope: nhiIds.length };
    for (let start = 0; start < nhiIds.length; start += size) {
      const slice = nhiIds.slice(start, start + size);
      const result = await realmDb.transaction(
        (tx) => evaluateInTransaction(tx, realmId, now, { all: false, nhiIds: slice }),
        { timeout: incrementalTimeoutMs, maxWait: 60_000 },
      );
      total.findings += result.findings;
      total.opened += result.opened;
      total.reopened += result.reopened;
      total.resolved += result.resolved;
      total.notifications += result.notifications;
    }
    return total;
  }
}
