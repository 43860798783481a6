import type { PlatformDatabase } from '@nhi/platform';

const noStore = { 'cache-control': 'no-store' };
/** Under an orchestrator's usual probe timeout (1 s), so the probe answers rather than times out. */
const pingTimeoutMs = 500;

/** Liveness: the process answers. Touches nothing else, so it stays fast when the database is not. */
export function healthResponse(): Response {
  return Response.json({ status: 'ok' }, { headers: noStore });
}

type ProbedDatabase = Pick<PlatformDatabase, 'ping' | 'busy' | 'poolStats'>;

/**
 * Readiness: the runtime has started and the database answers in time. A database that is slow
 * to answer because it is working (an import, an evaluation: the embedded database runs one
 * statement at a time, PostgreSQL's pool may be all taken) is `busy`, still 200: requests are
 * answered, later. Taking the only hub out of service for it would answer none. A database that
 * fails, or does not answer while idle, is `unavailable` (503). Every answer carries the build's
 * version when given one.
 */
export async function readinessResponse(
  database: ProbedDatabase | undefined,
  build: { version?: string } = {},
): Promise<Response> {
  // The hub's heartbeat records the version its workers report here.
  const answer = (body: Record<string, string>, status = 200) =>
    Response.json({ ...body, ...build }, { status, headers: noStore });
  if (!database) return answer({ status: 'starting' }, 503);
  const ping = database.ping();
  try {
    await withTimeout(ping, pingTimeoutMs);
    return answer({ status: 'ready' });
  } catch (error) {
    if (error instanceof PingTimeout && isBusy(database)) {
      // The ping stays queued behind the work; its late answer (or failure) concerns nobody.
      ping.catch(() => {});
      return answer({ status: 'busy', reason: 'database' });
    }
    return answer({ status: 'unavailable', reason: 'database' }, 503);
  }
}

function isBusy(database: ProbedDatabase): boolean {
  return database.busy?.() ?? (database.poolStats?.().waiting ?? 0) > 0;
}

export async function metricsResponse(metrics: {
  render(): Promise<{ contentType: string; body: string }>;
}): Promise<Response> {
  const { contentType, body } = await metrics.render();
  return new Response(body, { headers: { 'content-type': contentType, ...noStore } });
}

class PingTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PingTimeout(`No answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
