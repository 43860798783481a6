/** Whose turn comes first: someone waiting for an answer, or work nobody waits on (jobs, bulk writes). */
export type LockPriority = 'request' | 'background';

export interface PriorityLockOptions {
  /** The priority of the caller, read when it asks for the lock. Default: request. */
  priorityOf?: () => LockPriority;
  /**
   * Background work that has waited this long goes next even though requests wait, so a steady
   * stream of requests slows bulk work down but never stops it. Default 500 ms.
   */
  backgroundMaxWaitMs?: number;
  now?: () => number;
}

interface Waiter {
  grant(): void;
  since: number;
}

/**
 * A mutual-exclusion lock that serves requests before background work. With a single database
 * session, bulk work in short transactions then delays a request by at most the one transaction
 * running when it asked, instead of one per statement the request needs: first come, first served
 * would put the next slice of the bulk work between each two of them.
 */
export class PriorityLock {
  #held = false;
  /** When background work last got the lock while requests waited. */
  #lastOverdueGrant = Number.NEGATIVE_INFINITY;
  #requests: Waiter[] = [];
  #background: Waiter[] = [];
  readonly #priorityOf: () => LockPriority;
  readonly #backgroundMaxWaitMs: number;
  readonly #now: () => number;

  constructor(options: PriorityLockOptions = {}) {
    this.#priorityOf = options.priorityOf ?? (() => 'request');
    this.#backgroundMaxWaitMs = options.backgroundMaxWaitMs ?? 500;
    this.#now = options.now ?? (() => performance.now());
  }

  get locked(): boolean {
    return this.#held;
  }

  /** Callers waiting for the lock. */
  get waiting(): number {
    return this.#requests.length + this.#background.length;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.#acquire(this.#priorityOf());
    try {
      return await fn();
    } finally {
      this.#release();
    }
  }

  #acquire(priority: LockPriority): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((grant) => {
      (priority === 'background' ? this.#background : this.#requests).push({ grant, since: this.#now() });
    });
  }

  #release() {
    const next = this.#next();
    if (next) next.grant();
    else this.#held = false;
  }

  #next(): Waiter | undefined {
    if (this.#requests.length === 0) return this.#background.shift();
    const background = this.#background[0];
    // Overdue once per window: several waiting jobs do not all jump the requests at once.
    const waitedSince = Math.max(background?.since ?? Number.POSITIVE_INFINITY, this.#lastOverdueGrant);
    if (background && this.#now() - waitedSince >= this.#backgroundMaxWaitMs) {
      this.#lastOverdueGrant = this.#now();
      return this.#background.shift();
    }
    return this.#requests.shift();
  }
}
