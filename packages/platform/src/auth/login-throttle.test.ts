import { once } from 'node:events';
import type { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig } from '../config/config.ts';
import { RateLimitedError } from '../errors/domain-errors.ts';
import { createLogger } from '../logging/logger.ts';
import { closeRedis, openRedis } from '../redis/redis-client.ts';
import { redisUnavailableReason, testRedisPrefix, testRedisUrl } from '../testing/test-redis.ts';
import { LoginThrottle } from './login-throttle.ts';

const email = 'alice@example.com';
const ip = '203.0.113.7';
const maxAttempts = 3;

/** A connection of its own, as a second hub process would have; closed when the test ends. */
function open(url: string): Redis {
  const client = openRedis(url, createLogger({ level: 'silent' }));
  onTestFinished(() => closeRedis(client));
  return client;
}

/**
 * Connected before use: a throttle counts in memory while its connection is not ready, which
 * would make every test below pass in a single process.
 */
async function connect(): Promise<Redis> {
  const client = open(testRedisUrl());
  if (client.status !== 'ready') await once(client, 'ready');
  return client;
}

/** One hub process's throttle: shared through Redis when given a client, in memory otherwise. */
function throttle(options: { redis?: Redis; prefix?: string } = {}): LoginThrottle {
  const config = loadConfig({
    NHI_LOGIN_MAX_ATTEMPTS: String(maxAttempts),
    NHI_LOGIN_WINDOW_SECONDS: '60',
    ...(options.prefix ? { NHI_REDIS_PREFIX: options.prefix } : {}),
  });
  return new LoginThrottle(config, options.redis);
}

/** Two "processes" on the same Redis and prefix. */
async function setup() {
  const prefix = testRedisPrefix();
  return {
    first: throttle({ redis: await connect(), prefix }),
    second: throttle({ redis: await connect(), prefix }),
  };
}

async function fail(target: LoginThrottle, times: number, address = ip): Promise<void> {
  for (let attempt = 0; attempt < times; attempt++) await target.recordFailure(email, address);
}

describe('LoginThrottle in memory', () => {
  it('counts each process on its own', async () => {
    const first = throttle();
    const second = throttle();

    await fail(first, maxAttempts);

    await expect(first.assertAllowed(email, ip)).rejects.toBeInstanceOf(RateLimitedError);
    await expect(second.assertAllowed(email, ip)).resolves.toBeUndefined();
  });
});

describe('LoginThrottle through Redis', () => {
  it('locks the account on one process after failures recorded on another', async ({ skip }) => {
    skip(Boolean(await redisUnavailableReason()), 'Redis is not reachable');
    const { first, second } = await setup();

    await fail(first, maxAttempts - 1);
    await expect(second.assertAllowed(email, ip)).resolves.toBeUndefined();
    await fail(second, 1);

    for (const replica of [first, second]) {
      const refusal = await replica.assertAllowed(email, ip).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(RateLimitedError);
      expect((refusal as RateLimitedError).retryAfterSeconds).toBeGreaterThan(0);
      expect((refusal as RateLimitedError).retryAfterSeconds).toBeLessThanOrEqual(60);
    }
  });

  it('forgets the account failures on every process after a success on one', async ({ skip }) => {
    skip(Boolean(await redisUnavailableReason()), 'Redis is not reachable');
    const { first, second } = await setup();

    await fail(first, maxAttempts - 1);
    await second.recordSuccess(email, ip);
    await fail(first, maxAttempts - 1);

    await expect(second.assertAllowed(email, ip)).resolves.toBeUndefined();
  });

  it('shares the per-address count across processes too', async ({ skip }) => {
    skip(Boolean(await redisUnavailableReason()), 'Redis is not reachable');
    const { first, second } = await setup();
    const addressAllowance = maxAttempts * 4;

    for (let attempt = 0; attempt < addressAllowance; attempt++) {
      const replica = attempt % 2 === 0 ? first : second;
      await replica.recordFailure(`user${attempt}@example.com`, ip);
    }

    await expect(first.assertAllowed('someone-else@example.com', ip)).rejects.toBeInstanceOf(
      RateLimitedError,
    );
  });

  it('keeps hubs with different prefixes apart on one Redis', async ({ skip }) => {
    skip(Boolean(await redisUnavailableReason()), 'Redis is not reachable');
    const ours = throttle({ redis: await connect(), prefix: testRedisPrefix() });
    const theirs = throttle({ redis: await connect(), prefix: testRedisPrefix() });

    await fail(ours, maxAttempts);

    await expect(ours.assertAllowed(email, ip)).rejects.toBeInstanceOf(RateLimitedError);
    await expect(theirs.assertAllowed(email, ip)).resolves.toBeUndefined();
  });

  it('counts in this process, quickly, while Redis cannot be reached', async () => {
    // Nothing listens on port 1: every Redis call fails and the in-memory insurance answers.
    const unreachable = throttle({ redis: open('redis://127.0.0.1:1'), prefix: 'nhi-unreachable' });
    const startedAt = Date.now();

    await expect(unreachable.assertAllowed(email, ip)).resolves.toBeUndefined();
    await fail(unreachable, maxAttempts);

    await expect(unreachable.assertAllowed(email, ip)).rejects.toBeInstanceOf(RateLimitedError);
    expect(Date.now() - startedAt).toBeLessThan(2000);
  });
});
