import { AsyncLocalStorage } from 'node:async_hooks';
import { UnavailableError } from '../errors/domain-errors.ts';
import { sqlStateOf } from './database-errors.ts';

/**
 * Who waits for a piece of work: a request's caller, who is answered in seconds or gives up, or
 * nobody (a background job, which may run for minutes). Each kind has its own statement timeout.
 */
export type WorkKind = 'request' | 'job';

export interface WorkScope {
  readonly kind: WorkKind;
  /**
   * Aborted when nobody waits for the result any more (the client went away, the job was stopped):
   * the statements the work is running are cancelled then.
   */
  readonly signal?: AbortSignal;
}

/** Longest a single statement may run, per kind of work (0: no limit). */
export interface StatementTimeouts {
  requestMs: number;
  jobMs: number;
}

export const defaultStatementTimeouts: StatementTimeouts = { requestMs: 15_000, jobMs: 600_000 };

const scopes = new AsyncLocalStorage<WorkScope>();

/**
 * Runs fn as work of the given kind: the database connections it takes (PostgreSQL) get that
 * kind's statement timeout, and its running statements are cancelled when the signal aborts. Work
 * outside any scope (start-up, migrations, the CLI) is system work and gets the jobs' timeout.
 */
export function runAsWork<T>(scope: WorkScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

export function currentWork(): WorkScope | undefined {
  return scopes.getStore();
}

/** A statement stopped before it finished: the time limit of its work, or nobody waited any more. */
export class StatementCancelledError extends UnavailableError {
  constructor(reason: 'timeout' | 'abandoned' | 'shutdown') {
    super(
      reason === 'timeout'
        ? 'The database took too long to answer; try again or narrow the request'
        : reason === 'shutdown'
          ? 'The hub is shutting down; try again shortly'
          : 'The request was abandoned before the database answered',
      { reason },
    );
  }
}

/**
 * The domain error for a database error that says the work was stopped rather than wrong:
 * a statement cancelled (timeout, cancel request) or the server shutting down. undefined otherwise.
 */
export function cancellationErrorOf(error: unknown): StatementCancelledError | undefined {
  if (error instanceof StatementCancelledError) return error;
  const state = sqlStateOf(error);
  if (state === '57014')
    return new StatementCancelledError(currentWork()?.signal?.aborted ? 'abandoned' : 'timeout');
  if (state === '57P01' || state === '57P02' || state === '57P03')
    return new StatementCancelledError('shutdown');
  return undefined;
}
