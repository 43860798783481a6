import type { PlatformDatabase } from '@nhi/platform';

const noStore = { 'cache-control': 'no-store' };
const pingTimeoutMs = 2_000;

/** Liveness: the process answers. Touches nothing else, so it stays fast when the database is not. */
export function healthResponse(): Response {
  return Response.json({ status: 'ok' }, { headers: noStore });
}

/** Readiness: the runtime has started and the database answers in time. */
export async function readinessResponse(
  database: Pick<PlatformDatabase, 'ping'> | undefined,
): Promise<Response> {
  if (!database) return Response.json({ status: 'starting' }, { status: 503, headers: noStore });
  try {
    await withTimeout(database.ping(), pingTimeoutMs);
    return Response.json({ status: 'ready' }, { headers: noStore });
  } catch {
    return Response.json({ status: 'unavailable', reason: 'database' }, { status: 503, headers: noStore });
  }
}

export async function metricsResponse(metrics: {
  render(): Promise<{ contentType: string; body: string }>;
}): Promise<Response> {
  const { contentType, body } = await metrics.render();
  return new Response(body, { headers: { 'content-type': contentType, ...noStore } });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`No answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
