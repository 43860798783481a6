/**
 * OpenTelemetry tracing, off unless an OTLP endpoint is configured. Off, the SDK is never loaded
 * (it is imported only when started): spans made through `@opentelemetry/api` are the API's
 * no-op ones and log lines carry no trace fields.
 */
export interface Tracing {
  /** Sends the spans that have ended and waits for the collector's answer. */
  flush(): Promise<void>;
  /** Sends what is left and stops exporting; spans made afterwards are dropped. */
  shutdown(): Promise<void>;
}

export type TracingEnv = Readonly<Record<string, string | undefined>>;

/** The name traces show the hub under unless OTEL_SERVICE_NAME says otherwise. */
export const defaultServiceName = 'nhi-hub';

/**
 * The collector's address, from the standard variables; undefined means tracing is off (also when
 * OTEL_SDK_DISABLED says so, which the SDK would obey by doing nothing once loaded).
 */
export function tracingEndpointOf(env: TracingEnv): string | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return undefined;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return endpoint || undefined;
}

let started: Promise<Tracing | undefined> | undefined;

/**
 * Starts exporting spans when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set, once per
 * process (the SDK registers itself globally); later calls answer the first one's tracing.
 */
export function startTracing(env: TracingEnv = process.env): Promise<Tracing | undefined> {
  started ??= tracingEndpointOf(env)
    ? import('./tracing-sdk.ts').then((sdk) => sdk.startSdk(env))
    : Promise.resolve(undefined);
  return started;
}
