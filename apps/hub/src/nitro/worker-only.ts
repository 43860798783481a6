import { definePlugin } from 'nitro';
import { isServedByWorker, isWorkerProcess, notServedByWorker } from '../server/http/worker-paths.ts';

/**
 * Built assets are served by nitro before the app, so the app's worker gate never sees them. In
 * worker mode this refuses, first of all, every path a worker does not serve, judged on the path
 * nitro itself resolved. The app's envelope checks again (and logs) what gets through.
 */
export default definePlugin((nitroApp) => {
  if (!isWorkerProcess()) return;
  // A server without its h3 app could not serve assets either; the envelope covers the rest.
  nitroApp.h3?.['~middleware'].unshift((event) => {
    if (isServedByWorker(event.url.pathname)) return undefined;
    return Response.json(notServedByWorker, {
      status: 404,
      headers: {
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      },
    });
  });
});
