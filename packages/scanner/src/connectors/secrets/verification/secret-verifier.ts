import type { ScanWarning } from '../../connector.ts';
import type { Verification } from '../secret-types.ts';
import { type CheckOptions, checkCredential, type VerifiableCredential } from './provider-checks.ts';
import { type VerificationOptions, type VerifyProvider, verifyProviders } from './verification-settings.ts';

/** A secret to check: `key` names it within the scan (fingerprints, never the secret). */
export interface VerifiableSecret {
  key: string;
  credential: VerifiableCredential;
}

export type Check = (credential: VerifiableCredential, options: CheckOptions) => Promise<Verification>;

/** Waits `ms`, or less when the signal aborts. */
function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}

/** At most `perSecond` calls started in any second: a sliding window of the last starts, taken in turn. */
class RateLimit {
  private readonly starts: number[] = [];
  private turn: Promise<void> = Promise.resolve();

  constructor(private readonly perSecond: number) {}

  take(signal: AbortSignal): Promise<void> {
    const mine = this.turn.then(async () => {
      if (this.starts.length >= this.perSecond) {
        const wait = (this.starts[0] ?? 0) + 1000 - Date.now();
        if (wait > 0) await sleep(wait, signal);
        this.starts.shift();
      }
      this.starts.push(Date.now());
    });
    this.turn = mine;
    return mine;
  }
}

type Outcomes = Record<Verification, number>;

const outcomeText = (counts: Outcomes) =>
  (['live', 'invalid', 'unknown'] as const)
    .filter((outcome) => counts[outcome] > 0)
    .map((outcome) => `${counts[outcome]} ${outcome}`)
    .join(', ');

/**
 * The verification of one scan: each distinct secret checked once (by its key), calls spaced per
 * provider, at most `maxCalls` of them; the outcomes counted per provider for the scan's record.
 * Secrets are only passed through to the call: nothing here keeps, logs or reports them.
 */
export class SecretVerifier {
  private readonly results = new Map<string, Promise<Verification>>();
  private readonly limits = new Map<VerifyProvider, RateLimit>();
  private readonly counts = new Map<VerifyProvider, Outcomes>();
  private calls = 0;
  private skipped = 0;

  constructor(
    private readonly options: VerificationOptions,
    private readonly signal: AbortSignal,
    private readonly check: Check = checkCredential,
  ) {}

  /** The secret's verification: checked on first sight, the same answer for it after. Never throws. */
  verify(secret: VerifiableSecret): Promise<Verification> {
    const known = this.results.get(secret.key);
    if (known) return known;
    const result = this.run(secret.credential);
    this.results.set(secret.key, result);
    return result;
  }

  private async run(credential: VerifiableCredential): Promise<Verification> {
    const { provider } = credential;
    if (this.calls >= this.options.maxCalls || this.signal.aborted) {
      this.skipped += 1;
      return 'unknown';
    }
    this.calls += 1;
    let limit = this.limits.get(provider);
    if (!limit) {
      limit = new RateLimit(this.options.perSecond);
      this.limits.set(provider, limit);
    }
    await limit.take(this.signal);
    if (this.signal.aborted) {
      this.calls -= 1;
      this.skipped += 1;
      return 'unknown';
    }
    let outcome: Verification;
    try {
      const signal = AbortSignal.any([this.signal, AbortSignal.timeout(this.options.timeoutMs)]);
      outcome = await this.check(credential, {
        endpoint: this.options.endpoints[provider],
        signal,
        timeoutMs: this.options.timeoutMs,
      });
    } catch {
      outcome = 'unknown';
    }
    const counts = this.counts.get(provider) ?? { live: 0, invalid: 0, unknown: 0 };
    counts[outcome] += 1;
    this.counts.set(provider, counts);
    return outcome;
  }

  /**
   * The scan's record of what was checked: secrets verified per provider with their outcomes, and the
   * secrets left unchecked by the cap. Nothing when no secret was to be checked.
   */
  summary(): ScanWarning[] {
    const warnings: ScanWarning[] = [];
    const total: Outcomes = { live: 0, invalid: 0, unknown: 0 };
    const perProvider: string[] = [];
    for (const provider of verifyProviders) {
      const counts = this.counts.get(provider);
      if (!counts) continue;
      for (const outcome of ['live', 'invalid', 'unknown'] as const) total[outcome] += counts[outcome];
      perProvider.push(
        `${provider} ${counts.live + counts.invalid + counts.unknown} (${outcomeText(counts)})`,
      );
    }
    const verified = total.live + total.invalid + total.unknown;
    if (verified > 0)
      warnings.push({
        item: 'secret verification',
        message: `verified ${verified} secret${verified === 1 ? '' : 's'}: ${outcomeText(total)}; ${perProvider.join(', ')}`,
      });
    if (this.skipped > 0)
      warnings.push({
        item: 'secret verification',
        message: `${this.skipped} more secret${this.skipped === 1 ? '' : 's'} not verified (left unknown): ${
          this.signal.aborted ? 'the scan was stopped' : `at most ${this.options.maxCalls} calls per scan`
        }`,
      });
    return warnings;
  }

  /** Calls made so far. */
  get callCount(): number {
    return this.calls;
  }
}
