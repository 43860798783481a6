import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { onTestFinished } from 'vitest';

/** The Redis the tests share their keys through; each test keeps to a prefix of its own. */
export function testRedisUrl(): string {
  return process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

let unavailable: Promise<string | undefined> | undefined;

/** Why Redis cannot be used for tests, or undefined when it answers. Asked once per test file. */
export function redisUnavailableReason(): Promise<string | undefined> {
  unavailable ??= pingOnce(testRedisUrl());
  return unavailable;
}

async function pingOnce(url: string): Promise<string | undefined> {
  const client = new Redis(url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 1000,
    retryStrategy: () => null,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return `Redis is not reachable (${(error as Error & { code?: string }).code ?? 'no answer'})`;
  } finally {
    client.disconnect();
  }
}

/**
 * A key prefix no other test run uses. Its keys are deleted when the current test finishes, so
 * runs sharing one Redis neither see nor leave each other's counts.
 */
export function testRedisPrefix(): string {
  const prefix = `nhi-test-${randomUUID()}`;
  onTestFinished(() => deleteKeys(testRedisUrl(), prefix));
  return prefix;
}

/** Deletes every key under `prefix:` (the rate limiters write theirs as `<prefix>:<name>:<key>`). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    const keys = await client.keys(`${prefix}:*`);
    if (keys.length > 0) await client.del(...keys);
  } finally {
    client.disconnect();
  }
}
