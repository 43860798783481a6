import { describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../logging/logger.ts';
import { closeRedis, openRedis, redisAddress } from './redis-client.ts';

/** A client to an address nothing listens on, and the log lines it makes. */
function setup(url: string) {
  const lines: string[] = [];
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(line) } });
  const client = openRedis(url, logger);
  onTestFinished(() => closeRedis(client));
  return { client, lines };
}

describe('redisAddress', () => {
  it('keeps host, port and database, and drops the credentials', () => {
    expect(redisAddress('redis://user:hunter2@cache.example:6380/2')).toBe('redis://cache.example:6380/2');
    expect(redisAddress('rediss://:hunter2@cache.example')).toBe('rediss://cache.example');
  });
});

describe('openRedis', () => {
  it('warns once while Redis cannot be reached, naming the address but never the password', async () => {
    const { lines } = setup('redis://:hunter2@127.0.0.1:1/3');

    await expect.poll(() => lines.length).toBe(1);
    // ioredis keeps retrying; further failures of the same outage stay out of the log.
    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
      level: 'warn',
      event: 'redis_unavailable',
      redis: 'redis://127.0.0.1:1/3',
    });
    expect(lines.join('')).not.toContain('hunter2');
  });

  it('fails a command at once while disconnected instead of queueing it', async () => {
    const { client } = setup('redis://127.0.0.1:1');
    const startedAt = Date.now();

    await expect(client.get('anything')).rejects.toThrow();
    expect(Date.now() - startedAt).toBeLessThan(1000);
  });
});
