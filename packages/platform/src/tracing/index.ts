export {
  activeTraceFields,
  annotateActiveSpan,
  inServerSpan,
  inSpan,
  markFailed,
  SpanKind,
  type SpanOptions,
  tracingActive,
  untraced,
} from './spans.ts';
export { traceDatabase } from './traced-database.ts';
export { defaultServiceName, startTracing, type Tracing, tracingEndpointOf } from './tracing.ts';
