// tsyringe reads decorator metadata through the Reflect polyfill; it must exist before any service module loads.
import 'reflect-metadata';
import { loadConfig } from '@nhi/platform';
import handler, { createServerEntry } from '@tanstack/react-start/server-entry';
import { logRequest } from './server/http/access-log.ts';
import { createHttpEnvelope } from './server/http/http-envelope.ts';
import { createRouteLabeler } from './server/http/route-label.ts';
import { appRoutePatterns } from './server/http/route-patterns.ts';
import { hubRuntime, runningHubRuntime } from './server/hub-runtime.server.ts';
import { installGracefulShutdown } from './server/lifecycle/graceful-shutdown.ts';
import { InFlightRequests } from './server/lifecycle/in-flight.ts';

const drainTimeoutMs = 10_000;
const releaseTimeoutMs = 15_000;

// Started with the process, not the first request: a locked data dir or a failing migration
// stops the hub at once, and a first-start admin password is printed at launch.
hubRuntime().then(
  ({ logger, config }) => {
    logger.info({ port: config.PORT, database: config.DATABASE_URL ? 'postgresql' : 'pglite' }, 'hub ready');
    // For the person who just ran the start command, not for the log pipeline.
    process.stdout.write(
      `\nNHI Hub is running at http://localhost:${config.PORT}\n` +
        `Log in as ${config.NHI_ADMIN_EMAIL} with NHI_ADMIN_PASSWORD, or the password printed on first start ` +
        `(also in ${config.dataDir}/initial-admin-password until you delete it).\n\n`,
    );
  },
  (error: unknown) => {
    console.error(`NHI Hub could not start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);

const inFlight = new InFlightRequests();
const lifecycle = installGracefulShutdown({
  inFlight,
  drainTimeoutMs,
  releaseTimeoutMs,
  // A runtime still starting (initdb, migrations) is let finish first, then closed cleanly.
  release: async () => (await hubRuntime()).shutdown(),
  log: (message, fields) => runningHubRuntime()?.logger.info(fields ?? {}, message),
  exit: (code) => process.exit(code),
});

const envelope = createHttpEnvelope({
  trustProxy: loadConfig().NHI_TRUST_PROXY,
  routeLabel: createRouteLabeler(appRoutePatterns()),
  isDraining: lifecycle.isDraining,
  onComplete(request) {
    hubRuntime().then(
      ({ logger, metrics }) => {
        metrics.observeRequest(request.method, request.route, request.status, request.durationMs / 1000);
        logRequest(logger, request);
      },
      () => {},
    );
  },
});

export default createServerEntry({
  fetch(request, opts) {
    return inFlight.track(request, () => envelope(request, (inner) => handler.fetch(inner, opts)));
  },
});
