// tsyringe reads decorator metadata through the Reflect polyfill; it must exist before any service module loads.
import 'reflect-metadata';
import { loadConfig } from '@nhi/platform';
import handler, { createServerEntry } from '@tanstack/react-start/server-entry';
import { getServerFnById } from '#tanstack-start-server-fn-resolver';
import { logRequest } from './server/http/access-log.ts';
import { createBodyLimits } from './server/http/body-limit.ts';
import { routeConsoleErrorsToLog } from './server/http/console-errors.ts';
import { createHttpEnvelope } from './server/http/http-envelope.ts';
import { createRouteLabeler } from './server/http/route-label.ts';
import { appRoutePatterns } from './server/http/route-patterns.ts';
import { createServerFnGate } from './server/http/server-fn-gate.ts';
import { workerRefusal } from './server/http/worker-gate.ts';
import { hubRuntime, runningHubRuntime, stopHubBackups } from './server/hub-runtime.server.ts';
import { installGracefulShutdown } from './server/lifecycle/graceful-shutdown.ts';
import { InFlightRequests } from './server/lifecycle/in-flight.ts';
import { startInstanceHeartbeats } from './server/lifecycle/instance-heartbeats.server.ts';

/** From SIGTERM to exit, everything included. */
const drainTimeoutMs = 10_000;
/** Of that, kept for stopping jobs and closing the database when a request does not end. */
const releaseTimeoutMs = 4_000;

/** Set once the hub has started its heartbeat of the worker instances. */
let stopInstanceHeartbeats = async () => {};

// Started with the process, not the first request: a locked data dir or a failing migration
// stops the hub at once, and a first-start admin password is printed at launch.
hubRuntime().then(
  (runtime) => {
    const { logger, config } = runtime;
    if (config.NHI_MODE === 'worker') {
      logger.info({ port: config.PORT, instance: config.NHI_INSTANCE_NAME }, 'worker ready');
      routeConsoleErrorsToLog(logger);
      // No login hint: people log in to the hub, which forwards their calls here.
      process.stderr.write(
        `\nNHI Hub worker ${config.NHI_INSTANCE_NAME} is serving /api/trpc at http://localhost:${config.PORT}\n\n`,
      );
      return;
    }
    logger.info({ port: config.PORT, database: config.DATABASE_URL ? 'postgresql' : 'pglite' }, 'hub ready');
    stopInstanceHeartbeats = startInstanceHeartbeats(runtime);
    routeConsoleErrorsToLog(logger);
    // For the person who just ran the start command, not for the log pipeline: standard output
    // is the JSON log, so this goes to standard error.
    process.stderr.write(
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
  release: async (budgetMs) => {
    const runtime = await hubRuntime();
    await stopInstanceHeartbeats();
    await stopHubBackups();
    await runtime.shutdown({ timeoutMs: budgetMs });
  },
  log: (message, fields) => runningHubRuntime()?.logger.info(fields ?? {}, message),
  exit: (code) => process.exit(code),
});

const settings = loadConfig();
const envelope = createHttpEnvelope({
  trustProxy: settings.NHI_TRUST_PROXY,
  bodyLimit: createBodyLimits({ uploadMaxBytes: settings.NHI_SCAN_UPLOAD_MAX_BYTES }),
  routeLabel: createRouteLabeler(appRoutePatterns()),
  isDraining: lifecycle.isDraining,
  // A worker serves only the calls the hub forwards to it, and its probes.
  ...(settings.NHI_MODE === 'worker' ? { refuse: workerRefusal } : {}),
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

const serverFnGate = createServerFnGate({
  knows: (id) =>
    getServerFnById(id, { origin: 'client' }).then(
      () => true,
      () => false,
    ),
});

export default createServerEntry({
  fetch(request, opts) {
    return inFlight.track(request, () =>
      envelope(request, (inner) => serverFnGate(inner, (checked) => handler.fetch(checked, opts))),
    );
  },
});
