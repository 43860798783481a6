import { trace } from '@opentelemetry/api';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../logging/logger.ts';
import { inServerSpan, inSpan, tracingActive } from './spans.ts';
import { startTracing, tracingEndpointOf } from './tracing.ts';

const sdk = vi.hoisted(() => ({ loaded: false }));
vi.mock('./tracing-sdk.ts', () => {
  sdk.loaded = true;
  return { startSdk: () => ({ flush: async () => {}, shutdown: async () => {} }) };
});

describe('Tracing without an OTLP endpoint', () => {
  it('does not load the SDK and records nothing', async () => {
    const tracing = await startTracing({ OTEL_SERVICE_NAME: 'nhi-hub', OTEL_EXPORTER_OTLP_ENDPOINT: ' ' });

    expect(tracing).toBeUndefined();
    expect(sdk.loaded).toBe(false);
    expect(tracingActive()).toBe(false);
    await inSpan('work', {}, async (span) => {
      expect(span.isRecording()).toBe(false);
      expect(trace.getActiveSpan()).toBeUndefined();
    });
  });

  it('leaves log lines as they were: no trace fields', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => lines.push(JSON.parse(line)) },
    });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

    await inServerSpan('GET /x', new Headers({ traceparent }), {}, async () => {
      logger.info({ requestId: 'r-1' }, 'served');
    });

    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[0]).not.toHaveProperty('span_id');
  });

  it('is on when either standard endpoint variable is set, the traces one first, unless disabled', () => {
    expect(tracingEndpointOf({})).toBeUndefined();
    expect(tracingEndpointOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(
      'http://collector:4318',
    );
    expect(
      tracingEndpointOf({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/v1/traces',
      }),
    ).toBe('http://tempo:4318/v1/traces');
    expect(
      tracingEndpointOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }),
    ).toBeUndefined();
  });
});
