import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from 'rate-limiter-flexible';
import { inject, injectable } from 'tsyringe';
import type { Config } from '../config/config.ts';
import type { Principal } from '../context/request-context.ts';
import { CONFIG } from '../di/tokens.ts';
import { RateLimitedError } from '../errors/domain-errors.ts';
import { REDIS } from '../redis/redis-client.ts';

/**
 * Caps changes (every mutation: saves, uploads, scans started, bulk actions) per person or token
 * and per client address over NHI_WRITE_LIMIT_WINDOW_SECONDS. Reads are not counted: a page
 * makes many, and they change nothing. With REDIS_URL the counts are shared by every hub process
 * behind one address, like the login limits; a limit of 0 turns that count off.
 */
@injectable()
export class WriteThrottle {
  private readonly perPrincipal: RateLimiterAbstract | null;
  private readonly perAddress: RateLimiterAbstract | null;

  constructor(@inject(CONFIG) config: Config, @inject(REDIS, { isOptional: true }) redis?: Redis) {
    const duration = config.NHI_WRITE_LIMIT_WINDOW_SECONDS;
    const limiter = (keyPrefix: string, points: number) => {
      if (points === 0) return null;
      const options = { keyPrefix, points, duration };
      return redis
        ? new RateLimiterRedis({
            ...options,
            storeClient: redis,
            keyPrefix: `${config.NHI_REDIS_PREFIX}:${keyPrefix}`,
            rejectIfRedisNotReady: true,
            // As for logins: a Redis outage falls back to counting per process, not to refusing.
            insuranceLimiter: new RateLimiterMemory(options),
          })
        : new RateLimiterMemory(options);
    };
    this.perPrincipal = limiter('write-principal', config.NHI_WRITE_LIMIT_PER_USER);
    this.perAddress = limiter('write-address', config.NHI_WRITE_LIMIT_PER_ADDRESS);
  }

  /** Counts one change; throws RateLimitedError (429, Retry-After) once either count is used up. */
  async consume(principal: Principal, address: string | undefined): Promise<void> {
    const waits = await Promise.all([
      waitOf(this.perPrincipal, principalKey(principal)),
      address ? waitOf(this.perAddress, address) : undefined,
    ]);
    const longest = Math.max(0, ...waits.filter((wait): wait is number => wait !== undefined));
    if (longest > 0) {
      const seconds = Math.max(1, Math.ceil(longest / 1000));
      throw new RateLimitedError(
        seconds,
        `Too many changes in a short time. Try again in ${seconds} seconds.`,
      );
    }
  }
}

/** A token counts apart from its owner's sessions: a runaway script does not lock its owner out. */
function principalKey(principal: Principal): string {
  switch (principal.kind) {
    case 'user':
      return `user:${principal.userId}`;
    case 'token':
      return `token:${principal.tokenId}`;
    case 'system':
      return `system:${principal.name}`;
  }
}

/** How long to wait before the next change, in ms; undefined while the count allows it. */
async function waitOf(limiter: RateLimiterAbstract | null, key: string): Promise<number | undefined> {
  if (!limiter) return undefined;
  try {
    await limiter.consume(key, 1);
    return undefined;
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) return rejection.msBeforeNext;
    throw rejection;
  }
}
