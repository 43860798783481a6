import {
  type Attributes,
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  trace,
} from '@opentelemetry/api';
import { suppressTracing } from '@opentelemetry/core';

/**
 * The hub's spans. While tracing is off every helper here runs its function directly: no span
 * object, no context switch, nothing read from headers.
 */
const tracer = trace.getTracer('nhi-hub');

/** Set by the SDK when it starts and stops (tracing-sdk.ts). */
let active = false;

export function setTracingActive(on: boolean): void {
  active = on;
}

/** Whether spans are being recorded and exported in this process. */
export function tracingActive(): boolean {
  return active;
}

/** Handed to span callbacks while tracing is off: every call on it does nothing. */
const inertSpan: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
}

/**
 * Runs fn in a new span, child of the active one. A throw marks the span failed with the error's
 * class only: its message and stack go to the log line, which carries the same trace id, so
 * nothing a message may quote (an input value, a statement's detail) leaves with the trace.
 */
export function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  if (!active) return fn(inertSpan);
  return tracer.startActiveSpan(name, options, (span) => runEnding(span, fn));
}

/** The request's headers as OpenTelemetry's propagators read them (W3C traceparent, baggage). */
const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * A span for a request this process serves, continuing the caller's trace when it sent a
 * traceparent header (the hub forwarding a call to a worker instance does).
 */
export function inServerSpan<T>(
  name: string,
  headers: Headers,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  if (!active) return fn(inertSpan);
  const parent: Context = propagation.extract(context.active(), headers, headerGetter);
  return tracer.startActiveSpan(name, { kind: SpanKind.SERVER, attributes }, parent, (span) =>
    runEnding(span, fn),
  );
}

async function runEnding<T>(span: Span, fn: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await fn(span);
  } catch (error) {
    markFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Marks a span failed, naming the error's class (see inSpan for why not its message). */
export function markFailed(span: Span, error: unknown): void {
  const type = error instanceof Error ? error.name : typeof error;
  span.setAttribute('error.type', type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

/**
 * Runs fn with tracing suppressed: for loops that poll on a timer (the event relay, the instance
 * heartbeat), whose statements would otherwise start a trace of their own every few seconds and
 * bury the traces of requests and jobs.
 */
export function untraced<T>(fn: () => Promise<T>): Promise<T> {
  if (!active) return fn();
  return context.with(suppressTracing(context.active()), fn);
}

/** Adds attributes to the span of the work in progress (known only part-way, like the realm). */
export function annotateActiveSpan(attributes: Attributes): void {
  if (active) trace.getActiveSpan()?.setAttributes(attributes);
}

/**
 * The active span's ids, for a log line: `{}` while tracing is off or outside any span, so the
 * line is what it was before tracing existed.
 */
export function activeTraceFields(): { trace_id?: string; span_id?: string } {
  if (!active) return {};
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}

export { SpanKind };
