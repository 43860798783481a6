/**
 * The paths a worker serves: its probes, its metrics, /api/trpc, the hub's realm sync and realm moves,
 * and the routes the hub forwards for the realms the worker serves (exports with a forward token,
 * providers' and trackers' webhooks with an instance token). Pages, serverFns and built
 * assets are the hub's; a worker has no users and no UI. Free of imports, because nitro's
 * plugins load it before the app.
 */
const workerProbePaths = new Set([
  '/healthz',
  '/readyz',
  '/metrics',
  '/api/instance/sync',
  '/api/instance/realm-move',
  '/api/export/alerts',
  '/api/export/leaks',
]);
/** Webhooks by realm and channel or source: `<prefix><realm>/<id>`. */
const forwardedHookPrefixes = ['/api/hooks/tickets/', '/api/hooks/sources/'];
const trpcPath = '/api/trpc';

export const notServedByWorker = { error: 'not served by a worker' } as const;

export function isServedByWorker(path: string): boolean {
  return (
    workerProbePaths.has(path) ||
    path === trpcPath ||
    path.startsWith(`${trpcPath}/`) ||
    forwardedHookPrefixes.some((prefix) => path.startsWith(prefix))
  );
}

/** NHI_MODE as the configuration reads it; for code that runs before the configuration is loaded. */
export function isWorkerProcess(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NHI_MODE === 'worker';
}
