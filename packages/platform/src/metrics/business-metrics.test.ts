import { Registry } from 'prom-client';
import { expect, it, onTestFinished } from 'vitest';
import { JobQueue } from '../jobs/job-queue.ts';
import { createLogger } from '../logging/logger.ts';
import { describeEachDatabase, type NewTestDatabase } from '../testing/describe-each-database.ts';
import { type BusinessFigures, BusinessMetrics, countBusinessFigures } from './business-metrics.ts';

const hour = 3600_000;

/** A realm with identities, alerts, scans and notifications of known counts, and a queue with one waiting job. */
async function setup(newDatabase: NewTestDatabase) {
  const db = await newDatabase();
  const prisma = db.systemPrisma;
  const realm = await prisma.realm.create({ data: { slug: 'metrics', name: 'Metrics' } });
  const realmId = realm.id;
  const nhis = [
    ['service_account', 'active'],
    ['service_account', 'active'],
    ['access_key', 'disabled'],
  ] as const;
  for (const [index, [kind, status]] of nhis.entries())
    await prisma.nhi.create({
      data: { realmId, kind, status, provider: 'aws', externalId: `nhi-${index}`, name: `nhi-${index}` },
    });
  const now = new Date();
  const alerts = [
    ['critical', 'open'],
    ['critical', 'open'],
    ['high', 'open'],
    ['high', 'resolved'],
  ] as const;
  for (const [index, [severity, state]] of alerts.entries())
    await prisma.alert.create({
      data: {
        realmId,
        fingerprint: `fp-${index}`,
        ruleId: 'nhi1.unowned',
        owaspId: 'NHI1',
        severity,
        state,
        subject: 'nhi',
        firstSeenAt: now,
        lastSeenAt: now,
        stateChangedAt: now,
      },
    });
  const source = await prisma.source.create({ data: { realmId, type: 'aws_iam', name: 'prod' } });
  const scan = (state: 'succeeded' | 'failed', startedAgoMs: number, seconds: number) =>
    prisma.scan.create({
      data: {
        realmId,
        sourceId: source.id,
        input: 'aws.live',
        state,
        triggeredByType: 'system',
        triggeredById: 'schedule',
        startedAt: new Date(now.getTime() - startedAgoMs),
        finishedAt: new Date(now.getTime() - startedAgoMs + seconds * 1000),
      },
    });
  await scan('succeeded', hour, 30);
  await scan('succeeded', 2 * hour, 90);
  await scan('failed', 3 * hour, 5);
  // Finished two days ago: counted by state, not in the last day's durations.
  await scan('succeeded', 48 * hour, 600);
  const channel = await prisma.alertChannel.create({ data: { realmId, type: 'webhook', name: 'hook' } });
  for (const state of ['delivered', 'delivered', 'dead'] as const)
    await prisma.alertNotification.create({
      data: { realmId, channelId: channel.id, kind: 'alert', payload: {}, state, nextAttemptAt: now },
    });
  // Queue depths are what pg-boss's supervisor last counted: counted every second here.
  const queue = new JobQueue(db.jobStore, createLogger({ level: 'silent' }), {
    work: false,
    superviseIntervalSeconds: 1,
  });
  await queue.start();
  onTestFinished(() => queue.stop(1000));
  await queue.register('scanner.scan', async () => {});
  await queue.enqueue('scanner.scan', { realmId });
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
    if ((await queue.queueStats()).some((depth) => depth.name === 'scanner.scan' && depth.ready === 1)) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { db, queue };
}

/** The metric lines of `name`, without help and type lines. */
function lines(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describeEachDatabase('business metrics', (_kind, newDatabase) => {
  it('counts identities, open alerts, scans with their durations, deliveries and queued jobs', async () => {
    const { db, queue } = await setup(newDatabase);
    const registry = new Registry();
    new BusinessMetrics(
      registry,
      countBusinessFigures(db, () => queue.queueStats()),
    );

    const text = await registry.metrics();

    expect(lines(text, 'nhi_identities').sort()).toEqual([
      'nhi_identities{kind="access_key",status="disabled"} 1',
      'nhi_identities{kind="service_account",status="active"} 2',
    ]);
    expect(lines(text, 'nhi_alerts_open').sort()).toEqual([
      'nhi_alerts_open{severity="critical"} 2',
      'nhi_alerts_open{severity="high"} 1',
    ]);
    expect(lines(text, 'nhi_scans').sort()).toEqual([
      'nhi_scans{state="failed"} 1',
      'nhi_scans{state="succeeded"} 3',
    ]);
    expect(lines(text, 'nhi_scan_duration_seconds_last_day').sort()).toEqual([
      'nhi_scan_duration_seconds_last_day{input="aws.live",state="failed",stat="count"} 1',
      'nhi_scan_duration_seconds_last_day{input="aws.live",state="failed",stat="max"} 5',
      'nhi_scan_duration_seconds_last_day{input="aws.live",state="failed",stat="sum"} 5',
      'nhi_scan_duration_seconds_last_day{input="aws.live",state="succeeded",stat="count"} 2',
      'nhi_scan_duration_seconds_last_day{input="aws.live",state="succeeded",stat="max"} 90',
      'nhi_scan_duration_seconds_last_day{input="aws.live",state="succeeded",stat="sum"} 120',
    ]);
    expect(lines(text, 'nhi_notifications').sort()).toEqual([
      'nhi_notifications{state="dead"} 1',
      'nhi_notifications{state="delivered"} 2',
    ]);
    expect(lines(text, 'nhi_job_queue_depth')).toContain(
      'nhi_job_queue_depth{queue="scanner.scan",state="ready"} 1',
    );
    const [waited = ''] = lines(text, 'nhi_job_queue_oldest_ready_seconds');
    expect(waited).toMatch(/^nhi_job_queue_oldest_ready_seconds\{queue="scanner.scan"\} /);
    expect(Number(waited.split(' ')[1])).toBeGreaterThan(0);
  });
});

it('serves the last figures while a new count runs, and counts at most once a minute', async () => {
  const registry = new Registry();
  let now = 0;
  let counts = 0;
  let release = () => {};
  const figures = (open: number): BusinessFigures => ({
    identities: [],
    openAlerts: [{ severity: 'high', count: open }],
    scans: [],
    scanSeconds: [],
    notifications: [],
    queues: [],
  });
  const count = async () => {
    counts += 1;
    if (counts === 1) return figures(1);
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    return figures(2);
  };
  new BusinessMetrics(registry, count, () => now);
  const open = async () => lines(await registry.metrics(), 'nhi_alerts_open');

  expect(await open()).toEqual(['nhi_alerts_open{severity="high"} 1']);
  now = 30_000;
  expect(await open()).toEqual(['nhi_alerts_open{severity="high"} 1']);
  expect(counts).toBe(1);
  now = 61_000;
  // The second count hangs: the scrape answers with the first figures at once.
  expect(await open()).toEqual(['nhi_alerts_open{severity="high"} 1']);
  release();
  await new Promise((resolve) => setImmediate(resolve));
  expect(await open()).toEqual(['nhi_alerts_open{severity="high"} 2']);
  expect(counts).toBe(2);
});
