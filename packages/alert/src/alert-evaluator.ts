import { CLOCK, type Clock, PLATFORM_DATABASE, type PlatformDatabase, RealmDb } from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import { type EvaluationResult, evaluateInTransaction } from './alert-evaluation.ts';

/** A full pass over 100k NHIs runs for seconds; the default 5 s of a transaction is for requests. */
const evaluationTimeoutMs = 300_000;

/**
 * Evaluates the rules of a realm given by id: what jobs call (a job carries its realm in its
 * payload, it has no request). Everything happens in one realm transaction, so an evaluation is
 * all or nothing and two evaluations of one realm serialise on the alerts they touch.
 */
@injectable()
export class AlertEvaluator {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly database: PlatformDatabase,
    @inject(CLOCK) private readonly clock: Clock,
  ) {}

  evaluateRealm(realmId: string): Promise<EvaluationResult> {
    return new RealmDb(this.database, realmId).transaction(
      (tx) => evaluateInTransaction(tx, realmId, this.clock.now(), { all: true }),
      { timeout: evaluationTimeoutMs, maxWait: 60_000 },
    );
  }

  evaluateNhis(realmId: string, nhiIds: readonly string[]): Promise<EvaluationResult> {
    return new RealmDb(this.database, realmId).transaction(
      (tx) => evaluateInTransaction(tx, realmId, this.clock.now(), { all: false, nhiIds }),
      { timeout: evaluationTimeoutMs, maxWait: 60_000 },
    );
  }
}
