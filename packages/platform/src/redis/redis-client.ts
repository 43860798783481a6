import { Redis } from 'ioredis';
import type { InjectionToken } from 'tsyringe';
import type { Logger } from '../logging/logger.ts';

/** The Redis connection hub processes share state through; registered only when REDIS_URL is set. */
export const REDIS: InjectionToken<Redis> = Symbol('Redis');

/**
 * Short limits, because a Redis outage must not hold a login: with no offline queue and one
 * attempt per command, a call fails within commandTimeoutMs and the caller falls back (the login
 * throttle counts in memory meanwhile). The client keeps reconnecting in the background.
 */
const commandTimeoutMs = 500;

export function openRedis(url: string, logger: Logger): Redis {
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: 2000,
  });
  logOutages(client, logger, redisAddress(url));
  return client;
}

/** Waits for queued replies, then disconnects; never longer than a moment on a dead connection. */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  await client.quit().catch(() => client.disconnect());
}

/** Host, port and database only: the URL may carry a password, which never reaches a log line. */
export function redisAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}`;
}

/**
 * One warning when the connection is lost and one line when it is back: ioredis reports every
 * reconnection attempt as an error, which would flood the log during an outage.
 */
function logOutages(client: Redis, logger: Logger, address: string): void {
  let down = false;
  client.on('error', (error: Error & { code?: string }) => {
    if (down) return;
    down = true;
    logger.warn(
      { event: 'redis_unavailable', redis: address, code: error.code },
      'Redis is unreachable; login limits count per process until it is back',
    );
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info({ event: 'redis_available', redis: address }, 'Redis is reachable again');
  });
}
