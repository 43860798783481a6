import { createRequire, syncBuiltinESMExports } from 'node:module';
import { trace } from '@opentelemetry/api';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { PrismaInstrumentation } from '@prisma/instrumentation';
import { redactedRequestAttributes, redactedUrlAttributes } from './outbound-urls.ts';
import { setTracingActive } from './spans.ts';
import { defaultServiceName, type Tracing, type TracingEnv } from './tracing.ts';

/** What a provider registered by the SDK offers beyond the API's interface. */
interface FlushableProvider {
  forceFlush?(): Promise<void>;
}

/**
 * The Node SDK with the exporter, sampler and batching the standard OTEL_* variables choose
 * (OTLP over HTTP/protobuf by default). Loaded only when tracing is on: the SDK and its exporters
 * are the largest part of its cost.
 */
export function startSdk(env: TracingEnv): Tracing {
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() || defaultServiceName,
    // The hub's metrics are on /metrics (Prometheus) and its logs on stdout: only traces go out.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      // Outbound fetch (connectors, notification channels, calls forwarded to worker instances);
      // it also sends the W3C traceparent header, so a worker's spans join the hub's trace.
      new UndiciInstrumentation({
        startSpanHook: (request) => redactedUrlAttributes(new URL(request.path, request.origin)),
      }),
      // Outbound node:https (the AWS SDK, SNS certificates). Requests served are spanned by the
      // hub's HTTP envelope, which knows their route: this one would only add a duplicate.
      new HttpInstrumentation({
        disableIncomingRequestInstrumentation: true,
        startOutgoingSpanHook: redactedRequestAttributes,
      }),
      // Every ORM operation and the statements it sends (text only, never the values), on both databases.
      new PrismaInstrumentation(),
    ],
  });
  sdk.start();
  // node:http(s) were loaded before the SDK started (the HTTP server was): requiring them again
  // lets the instrumentation patch their one shared module object, and the sync hands the patched
  // functions to ES modules that imported them by name (`import * as http`, bundled AWS SDK code).
  const require = createRequire(import.meta.url);
  require('node:http');
  require('node:https');
  syncBuiltinESMExports();
  setTracingActive(true);
  const provider = () => (trace.getTracerProvider() as { getDelegate?(): FlushableProvider }).getDelegate?.();
  return {
    async flush() {
      await provider()?.forceFlush?.();
    },
    async shutdown() {
      setTracingActive(false);
      await sdk.shutdown();
    },
  };
}
