import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  type RateLimiterRes,
} from 'rate-limiter-flexible';
import { inject, injectable } from 'tsyringe';
import type { Config } from '../config/config.ts';
import { CONFIG } from '../di/tokens.ts';
import { RateLimitedError } from '../errors/domain-errors.ts';
import { REDIS } from '../redis/redis-client.ts';

/**
 * One address may serve several people (an office behind NAT), so it gets this many times
 * the failures one email may have from it before the whole address waits.
 */
const addressAllowanceFactor = 4;

interface LimiterOptions {
  keyPrefix: string;
  points: number;
  duration: number;
}

/**
 * Counts failed logins per email+address and per address over NHI_LOGIN_WINDOW_SECONDS.
 * With REDIS_URL the counts live in Redis, under NHI_REDIS_PREFIX, so every hub process behind
 * one address sees the same failures; without it each process counts on its own.
 */
@injectable()
export class LoginThrottle {
  private readonly perAccount: RateLimiterAbstract;
  private readonly perAddress: RateLimiterAbstract;

  constructor(@inject(CONFIG) config: Config, @inject(REDIS, { isOptional: true }) redis?: Redis) {
    const duration = config.NHI_LOGIN_WINDOW_SECONDS;
    const points = config.NHI_LOGIN_MAX_ATTEMPTS;
    const limiter = (options: LimiterOptions) =>
      redis ? sharedLimiter(redis, config.NHI_REDIS_PREFIX, options) : new RateLimiterMemory(options);
    this.perAccount = limiter({ keyPrefix: 'login-account', points, duration });
    this.perAddress = limiter({
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

/**
 * Counted in Redis, with a limiter in this process's memory as insurance. When Redis cannot be
 * reached the throttle fails open to per-process counting rather than closed: refusing every
 * login for the length of a Redis outage would lock everyone out, whereas counting per process
 * still caps guessing at NHI_LOGIN_MAX_ATTEMPTS per process and window. The client fails fast
 * (see openRedis), so a login waits at most a moment before the insurance answers.
 */
function sharedLimiter(redis: Redis, prefix: string, options: LimiterOptions): RateLimiterRedis {
  return new RateLimiterRedis({
    ...options,
    storeClient: redis,
    keyPrefix: `${prefix}:${options.keyPrefix}`,
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(options),
  });
}

function accountKey(email: string, ip: string): string {
  return `${email}\u0000${ip}`;
}

function exhausted(state: RateLimiterRes | null, points: number): number | undefined {
  return state && state.consumedPoints >= points ? state.msBeforeNext : undefined;
}
