import { HubMetrics, type PlatformDatabase } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { describe, expect, it } from 'vitest';
import { healthResponse, metricsResponse, readinessResponse } from './probes.ts';

describe('/healthz', () => {
  it('answers ok', async () => {
    const response = healthResponse();

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });
});

describe('/readyz before the runtime has started', () => {
  it('answers 503 starting', async () => {
    const response = await readinessResponse(undefined);

    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'starting' });
  });
});

/** Connections of a test database's PostgreSQL pool. */
const testPoolSize = 4;

/**
 * Work that holds `sessions` database sessions (the embedded database has one) in open
 * transactions until finish(): what a long import or evaluation looks like to a probe.
 */
function holdEverySession(db: PlatformDatabase, sessions: number) {
  let finish = () => {};
  const gate = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const holding: Promise<void>[] = [];
  const held = Array.from({ length: sessions }, () => {
    let entered = () => {};
    const started = new Promise<void>((resolve) => {
      entered = resolve;
    });
    holding.push(
      db.withSystemConnection((connection) =>
        connection.transaction(async () => {
          entered();
          await gate;
        }),
      ),
    );
    return started;
  });
  return {
    started: Promise.all(held),
    async finish() {
      finish();
      await Promise.all(holding);
    },
  };
}

describeEachDatabase('/readyz', (kind, newDatabase) => {
  it('answers 200 while the database answers', async () => {
    const db = await newDatabase();

    const response = await readinessResponse(db);

    expect(response.status).toBe(200);
  });

  it('answers 200 busy while the database works for someone else, instead of hanging', async () => {
    const db = await newDatabase({ pgliteThread: true });
    const work = holdEverySession(db, kind === 'postgres' ? testPoolSize : 1);
    await work.started;

    const response = await readinessResponse(db);
    await work.finish();

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'busy', reason: 'database' });
  });

  it("carries the build's version when given it, for the hub's heartbeat to record", async () => {
    const db = await newDatabase();

    const response = await readinessResponse(db, { version: '1.4.2' });

    expect(await response.json()).toEqual({ status: 'ready', version: '1.4.2' });
  });

  it('answers 503 once the database is gone', async () => {
    const db = await newDatabase();
    await db.close();

    const response = await readinessResponse(db);

    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ status: 'unavailable' });
  });
});

describe('/metrics', () => {
  it('serves request counts by route pattern in the Prometheus text format', async () => {
    const metrics = new HubMetrics();
    metrics.observeRequest('GET', '/api/trpc/$', 200, 0.012);

    const response = await metricsResponse(metrics);
    const body = await response.text();

    expect(response.headers.get('content-type')).toContain('text/plain');
    expect(body).toContain('nhi_http_requests_total{method="GET",route="/api/trpc/$",status="200"} 1');
    expect(body).toContain('nhi_http_request_duration_seconds_bucket');
  });
});
