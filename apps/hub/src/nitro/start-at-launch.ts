import { definePlugin } from 'nitro';

/**
 * Nitro loads the app on its first request. One internal request at launch loads it at
 * once, so the hub opens its database and reports problems before anyone visits.
 */
export default definePlugin((nitroApp) => {
  setImmediate(() => {
    Promise.resolve(
      nitroApp.fetch(new Request('http://localhost/healthz', { headers: { 'x-request-id': 'launch' } })),
    ).catch((error: unknown) => console.error('NHI Hub failed to load:', error));
  });
});
