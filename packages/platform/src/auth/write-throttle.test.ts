import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../config/config.ts';
import type { Principal } from '../context/request-context.ts';
import { RateLimitedError } from '../errors/domain-errors.ts';
import { createLogger } from '../logging/logger.ts';
import { closeRedis, openRedis } from '../redis/redis-client.ts';
import { redisUnavailableReason, testRedisPrefix, testRedisUrl } from '../testing/test-redis.ts';
import { WriteThrottle } from './write-throttle.ts';

const ana: Principal = { kind: 'user', userId: 'u-ana', email: 'ana@example.com', sessionId: 's-1' };
const bob: Principal = { kind: 'user', userId: 'u-bob', email: 'bob@example.com', sessionId: 's-2' };
const anasToken: Principal = {
  kind: 'token',
  userId: 'u-ana',
  email: 'ana@example.com',
  tokenId: 't-1',
  tokenPermissions: [],
};
const office = '203.0.113.7';

function throttle(limits: { perUser?: number; perAddress?: number; prefix?: string }, redis?: Redis) {
  const config = loadConfig({
    NHI_WRITE_LIMIT_PER_USER: String(limits.perUser ?? 3),
    NHI_WRITE_LIMIT_PER_ADDRESS: String(limits.perAddress ?? 100),
    NHI_WRITE_LIMIT_WINDOW_SECONDS: '60',
    ...(limits.prefix ? { NHI_REDIS_PREFIX: limits.prefix } : {}),
  });
  return new WriteThrottle(config, redis);
}

/** `count` changes in a row; the refusal of the first one refused, if any. */
async function changes(writes: WriteThrottle, principal: Principal, count: number, address = office) {
  for (let i = 0; i < count; i++) {
    const refused = await writes.consume(principal, address).catch((error: unknown) => error);
    if (refused) return { allowed: i, refused };
  }
  return { allowed: count, refused: undefined };
}

describe('WriteThrottle', () => {
  it('allows the configured number of changes per person, then refuses with the wait', async () => {
    const { allowed, refused } = await changes(throttle({ perUser: 3 }), ana, 5);

    expect(allowed).toBe(3);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect((refused as RateLimitedError).retryAfterSeconds).toBeGreaterThan(0);
    expect((refused as RateLimitedError).retryAfterSeconds).toBeLessThanOrEqual(60);
    expect((refused as Error).message).toMatch(
      /^Too many changes in a short time. Try again in \d+ seconds.$/,
    );
  });

  it('counts each person apart, and an API token apart from its owner', async () => {
    const writes = throttle({ perUser: 2 });
    await changes(writes, ana, 2);

    expect((await changes(writes, bob, 2)).allowed).toBe(2);
    expect((await changes(writes, anasToken, 2)).allowed).toBe(2);
    expect((await changes(writes, ana, 1)).refused).toBeInstanceOf(RateLimitedError);
  });

  it('caps one address across everyone behind it', async () => {
    const writes = throttle({ perUser: 100, perAddress: 3 });
    await changes(writes, ana, 2);

    expect((await changes(writes, bob, 2)).allowed).toBe(1);
    expect((await changes(writes, bob, 1, '198.51.100.9')).allowed).toBe(1);
  });

  it('counts nothing for a limit of 0', async () => {
    expect((await changes(throttle({ perUser: 0, perAddress: 0 }), ana, 50)).refused).toBeUndefined();
  });
});

describe('WriteThrottle through Redis', () => {
  async function connected(): Promise<Redis> {
    const client = openRedis(testRedisUrl(), createLogger({ level: 'silent' }));
    onTestFinished(() => closeRedis(client));
    if (client.status !== 'ready') await once(client, 'ready');
    return client;
  }

  it('shares the counts of every hub process on one Redis', async ({ skip }) => {
    skip(Boolean(await redisUnavailableReason()), 'Redis is not reachable');
    const prefix = testRedisPrefix();
    const first = throttle({ perUser: 4, prefix }, await connected());
    const second = throttle({ perUser: 4, prefix }, await connected());

    await changes(first, ana, 3);

    expect((await changes(second, ana, 3)).allowed).toBe(1);
  });
});
