import { JOB_QUEUE, JobQueue, LOGGER, RealmDb } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { registerScannerJobs, ScannerService } from '@nhi/scanner';
import { expect, it, onTestFinished } from 'vitest';
import { setupAlerts } from '../testing/alert-test-setup.ts';
import { startWebhookReceiver } from '../testing/notification-receivers.ts';
import { AlertService } from './alert.service.ts';
import { AlertChannelService } from './alert-channels.service.ts';
import { AlertDelivery } from './alert-delivery.ts';
import { evaluateInTransaction } from './alert-evaluation.ts';
import { AlertEvaluator } from './alert-evaluator.ts';

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
/** A machine user of a credential report: its key rotated in 2024, last used as given. */
const machine = (name: string, lastUsed: string) =>
  `${name},arn:aws:iam::111122223333:user/${name},2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00+00:00,${lastUsed},us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;
const report = (names: string[], lastUsed: (name: string) => string) =>
  [header, ...names.map((name) => machine(name, lastUsed(name)))].join('\n');
const names = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `svc-${from + i}`);

/**
 * A realm filled by a scan of 40 identities, evaluated once, with a webhook channel whose
 * notifications are queued: the state the hub is in when the next scan, the evaluations it
 * triggers, the delivery sweep and people acknowledging alerts all run at the same time.
 */
async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupAlerts(newDatabase);
  // Scans run as jobs, as in the hub; small batches, so the scan writes while the rest runs.
  const jobs = new JobQueue(hub.db.jobStore, hub.root.resolve(LOGGER), { pollingIntervalSeconds: 0.5 });
  await jobs.start();
  onTestFinished(() => jobs.stop());
  hub.root.register(JOB_QUEUE, { useValue: jobs });
  await registerScannerJobs(hub.root, { batchSize: 7 });
  const scope = () => hub.scopeOf(hub.ana);
  const scanner = (await scope()).resolve(ScannerService);
  const source = await scanner.createSource({
    type: 'aws_iam',
    name: 'prod account',
    environment: 'production',
  });
  const scan = async (content: string) => {
    const started = await scanner.startScan({
      sourceId: source.id,
      input: 'aws.credential_report',
      upload: { name: 'credential-report.csv', contentBase64: Buffer.from(content).toString('base64') },
    });
    for (;;) {
      const current = await scanner.getScan(started.id);
      if (['succeeded', 'failed', 'cancelled'].includes(current.state)) return current;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const receiver = await startWebhookReceiver();
  await (await scope())
    .resolve(AlertChannelService)
    .create({ type: 'webhook', name: 'SOC', url: receiver.url });
  const realmId = hub.hubRealm.id;
  const evaluator = hub.root.resolve(AlertEvaluator);
  const delivery = hub.root.resolve(AlertDelivery);
  await scan(report(names(0, 40), () => '2024-06-01T10:00:00+00:00'));
  await evaluator.evaluateRealm(realmId, { sliceSize: 7 });
  const nhiIds = await hub.db.systemPrisma.nhi
    .findMany({ where: { realmId }, select: { id: true }, orderBy: { id: 'asc' } })
    .then((rows) => rows.map((row) => row.id));
  const openAlerts = () =>
    hub.db.systemPrisma.alert
      .findMany({ where: { realmId, state: 'open' }, select: { id: true } })
      .then((rows) => rows.map((row) => row.id));
  const notifications = () =>
    hub.db.systemPrisma.alertNotification.groupBy({
      by: ['state'],
      where: { realmId },
      _count: { _all: true },
    });
  return { ...hub, scope, scan, receiver, realmId, evaluator, delivery, nhiIds, openAlerts, notifications };
}

describeEachDatabase('Evaluation, delivery, a scan and people at once', (_kind, newDatabase) => {
  it('all complete, without deadlock or lost update, and leave consistent alerts and notifications', async () => {
    const t = await setup(newDatabase);
    const acknowledged = (await t.openAlerts()).slice(0, 30);
    const service = (await t.scope()).resolve(AlertService);
    // The next scan: ten identities gone, ten new, the rest used again recently.
    const nextScan = report(names(10, 50), () => '2099-01-01T00:00:00+00:00');

    const outcomes = await Promise.allSettled([
      t.scan(nextScan),
      t.evaluator.evaluateRealm(t.realmId, { sliceSize: 7 }),
      t.evaluator.evaluateRealm(t.realmId, { sliceSize: 11 }),
      t.evaluator.evaluateNhis(t.realmId, t.nhiIds),
      t.evaluator.evaluateNhis(t.realmId, [...t.nhiIds].reverse()),
      t.delivery.deliverDue(t.realmId),
      t.delivery.deliverDue(t.realmId),
      service.acknowledge({ ids: acknowledged, comment: 'Seen' }),
    ]);

    const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(failures.map((f) => String(f.reason))).toEqual([]);
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { state: 'succeeded' } });
    // Once everything is in: a last pass in slices, then one statement over the realm finds nothing to change.
    await t.evaluator.evaluateRealm(t.realmId);
    const single = await new RealmDb(t.db, t.realmId).transaction((tx) =>
      evaluateInTransaction(tx, t.realmId, t.clock.now(), { all: true }),
    );
    expect(single).toMatchObject({ opened: 0, reopened: 0, resolved: 0 });
    await t.delivery.deliverDue(t.realmId);
    const states = Object.fromEntries((await t.notifications()).map((g) => [g.state, g._count._all]));
    expect(states.sending ?? 0).toBe(0);
    expect(states.pending ?? 0).toBe(0);
    // Each notification reached the receiver once: never twice, never lost.
    expect(t.receiver.received).toHaveLength(states.delivered ?? 0);
    const acknowledgedNow = await t.db.systemPrisma.alert.count({
      where: { id: { in: acknowledged }, state: { in: ['acknowledged', 'resolved'] } },
    });
    expect(acknowledgedNow).toBe(acknowledged.length);
  });
});
