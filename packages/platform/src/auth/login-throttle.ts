import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import { inject, injectable } from 'tsyringe';
import type { Config } from '../config/config.ts';
import { CONFIG } from '../di/tokens.ts';
import { RateLimitedError } from '../errors/domain-errors.ts';

/**
 * One address may serve several people (an office behind NAT), so it gets this many times
 * the failures one email may have from it before the whole address waits.
 */
const addressAllowanceFactor = 4;

/**
 * Counts failed logins per email+address and per address over NHI_LOGIN_WINDOW_SECONDS.
 * The counts live in this process: several hub processes each count on their own.
 */
@injectable()
export class LoginThrottle {
  private readonly perAccount: RateLimiterMemory;
  private readonly perAddress: RateLimiterMemory;

  constructor(@inject(CONFIG) config: Config) {
    const duration = config.NHI_LOGIN_WINDOW_SECONDS;
    const points = config.NHI_LOGIN_MAX_ATTEMPTS;
    this.perAccount = new RateLimiterMemory({ keyPrefix: 'login-account', points, duration });
    this.perAddress = new RateLimiterMemory({
      keyPrefix: 'login-address',
      points: points * addressAllowanceFactor,
      duration,
    });
  }

  /** Throws RateLimitedError while either count is used up, before any password is checked. */
  async assertAllowed(email: string, ip: string): Promise<void> {
    const [account, address] = await Promise.all([
      this.perAccount.get(accountKey(email, ip)),
      this.perAddress.get(ip),
    ]);
    const waitsMs = [
      exhausted(account, this.perAccount.points),
      exhausted(address, this.perAddress.points),
    ].filter((wait): wait is number => wait !== undefined);
    if (waitsMs.length > 0) throw new RateLimitedError(Math.max(1, Math.ceil(Math.max(...waitsMs) / 1000)));
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await Promise.all([this.perAccount.penalty(accountKey(email, ip), 1), this.perAddress.penalty(ip, 1)]);
  }

  /** A successful login forgets that account's failures; the address keeps its count. */
  async recordSuccess(email: string, ip: string): Promise<void> {
    await this.perAccount.delete(accountKey(email, ip));
  }
}

function accountKey(email: string, ip: string): string {
  return `${email}\u0000${ip}`;
}

function exhausted(state: RateLimiterRes | null, points: number): number | undefined {
  return state && state.consumedPoints >= points ? state.msBeforeNext : undefined;
}
