import {
  JOB_QUEUE,
  JobQueue,
  LOGGER,
  REALM_DB,
  type RealmDb,
  SecretFingerprints,
  ValidationError,
} from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase, registerScopedMembers } from '@nhi/platform/testing';
import { registerScannerJobs, ScannerService } from '@nhi/scanner';
import { expect, it, onTestFinished, vi } from 'vitest';
import { type AlertWorld, setupAlerts } from '../testing/alert-test-setup.ts';
import { ocsfDetectionFindingValidator } from '../testing/ocsf-schema.ts';
import { alertCsvHeader } from './alert-csv.ts';
import { AlertExportService } from './alert-export.ts';

const leakedKey = `AKIA${'IOSFODNN7EXAMPLQ'}`;

async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

/** `count` alerts about no identity, numbered from 1, with the rule and severity given. */
async function raise(
  w: AlertWorld,
  count: number,
  fields: { ruleId?: string; severity?: 'low' | 'high' } = {},
) {
  const rows = Array.from({ length: count }, (_, i) => ({
    fingerprint: `${fields.ruleId ?? 'nhi1.unowned_share'}:${i + 1}`,
    ruleId: fields.ruleId ?? 'nhi1.unowned_share',
    owaspId: 'NHI1',
    severity: fields.severity ?? 'low',
    subject: `subject-${i + 1}`,
    firstSeenAt: w.daysAgo(3),
    lastSeenAt: w.daysAgo(1),
    stateChangedAt: w.daysAgo(2),
  }));
  await w.realmDb.transaction((tx) => tx.alert.createMany({ data: rows }));
}

async function exporterOf(w: AlertWorld, user = w.ana) {
  const scope = await w.scopeOf(user);
  return { exporter: scope.resolve(AlertExportService), realmDb: scope.resolve<RealmDb>(REALM_DB) };
}

/** Alerts raised by a real scan of a file holding `leakedKey`, matched to an inventoried key. */
async function scannedLeak(newDatabase: NewTestDatabase) {
  const w = await setupAlerts(newDatabase);
  const jobs = new JobQueue(w.db.jobStore, w.root.resolve(LOGGER), { pollingIntervalSeconds: 0.5 });
  await jobs.start();
  onTestFinished(() => jobs.stop());
  w.root.register(JOB_QUEUE, { useValue: jobs });
  await registerScannerJobs(w.root, {});
  const scanner = (await w.scopeOf(w.ana)).resolve(ScannerService);
  const fingerprint = await w.root.resolve(SecretFingerprints).fingerprint(leakedKey);
  const ci = await w.nhi({ ownerUserId: w.eve.id });
  await w.credential(ci.id, { fingerprint });
  const source = await scanner.createSource({ type: 'secrets', name: 'repositories' });
  const content = `package main\n\nfunc main() {\n\tkey := "${leakedKey}"\n}\n`;
  const upload = { name: 'main.go', contentBase64: Buffer.from(content).toString('base64') };
  const started = await scanner.startScan({ sourceId: source.id, input: 'secrets.files', upload });
  await vi.waitFor(async () => expect((await scanner.getScan(started.id)).state).toBe('succeeded'), {
    timeout: 60_000,
    interval: 100,
  });
  await w.evaluate();
  return w;
}

describeEachDatabase('AlertExportService', (_kind, newDatabase) => {
  it('streams 2,500 alerts as OCSF lines in batches of 1,000, one short read each', async () => {
    const w = await setupAlerts(newDatabase);
    await raise(w, 2500);
    const { exporter, realmDb } = await exporterOf(w);
    const reads = vi.spyOn(realmDb, 'read');

    const sizes: number[] = [];
    for await (const batch of exporter.batches({})) sizes.push(batch.length);
    const lines = jsonLines(await collect(exporter.export({ format: 'ocsf' })));

    expect(sizes).toEqual([1000, 1000, 500]);
    // Three reads, the last one short, so no read finds nothing; twice.
    expect(reads).toHaveBeenCalledTimes(6);
    expect(lines).toHaveLength(2500);
    expect(new Set(lines.map((event) => event.finding_info.uid)).size).toBe(2500);
  });

  it('writes the alerts a scan raised as valid Detection Findings, without the leaked secret', async () => {
    const w = await scannedLeak(newDatabase);
    const { exporter } = await exporterOf(w);
    const schema = ocsfDetectionFindingValidator();

    const text = await collect(exporter.export({ format: 'ocsf' }));
    const events = jsonLines(text);
    const csv = await collect(exporter.export({ format: 'csv' }));

    expect(events.map((event) => event.finding_info.analytic.uid)).toContain('nhi2.leaked_secret');
    for (const event of events) expect(schema.errorsOf(event)).toEqual([]);
    expect(text).toContain('main.go');
    expect(text).not.toContain(leakedKey.slice(4, 12));
    expect(csv).not.toContain(leakedKey.slice(4, 12));
  });

  it('exports only the alerts of the states, severities and rules asked for', async () => {
    const w = await setupAlerts(newDatabase);
    await raise(w, 3, { ruleId: 'nhi1.unowned_share', severity: 'low' });
    await raise(w, 2, { ruleId: 'nhi7.no_expiry', severity: 'high' });
    await w.realmDb.transaction((tx) =>
      tx.alert.updateMany({ where: { fingerprint: 'nhi7.no_expiry:1' }, data: { state: 'resolved' } }),
    );
    const { exporter } = await exporterOf(w);
    const uids = async (input: object) =>
      jsonLines(await collect(exporter.export({ format: 'ocsf', ...input }))).map((e) => e.finding_info.uid);

    expect(await uids({ ruleIds: ['nhi7.no_expiry'] })).toHaveLength(2);
    expect(await uids({ severities: ['high'], states: ['open'] })).toEqual(['nhi7.no_expiry:2']);
    expect(await uids({ states: ['resolved'] })).toEqual(['nhi7.no_expiry:1']);
    expect(await uids({})).toHaveLength(5);
  });

  it('writes a CSV with its header and one line per alert', async () => {
    const w = await setupAlerts(newDatabase);
    await raise(w, 3);
    const { exporter } = await exporterOf(w);

    const csv = await collect(exporter.export({ format: 'csv' }));

    expect(csv.startsWith(alertCsvHeader)).toBe(true);
    expect(csv.trim().split('\n')).toHaveLength(4);
  });

  it("holds a scoped member's export to the alerts of its teams' identities", async () => {
    const w = await setupAlerts(newDatabase);
    const payments = await w.group('payments');
    const identity = await w.group('identity');
    const sam = await w.member('sam@example.com', 'hub', 'viewer');
    registerScopedMembers(w.root, [{ userId: sam.id, permissions: ['alert:read'], groupIds: [payments.id] }]);
    const ours = await w.nhi({ ownerGroupId: payments.id });
    const theirs = await w.nhi({ ownerGroupId: identity.id });
    const unowned = await w.nhi({ ownerUserId: null });
    for (const [nhiId, fingerprint] of [
      [ours.id, 'ours'],
      [theirs.id, 'theirs'],
      [unowned.id, 'unowned'],
      [null, 'central'],
    ] as const) {
      await w.realmDb.transaction((tx) =>
        tx.alert.create({
          data: {
            fingerprint,
            ruleId: 'nhi7.no_expiry',
            owaspId: 'NHI7',
            severity: 'low',
            nhiId,
            subject: fingerprint,
            firstSeenAt: w.daysAgo(2),
            lastSeenAt: w.daysAgo(1),
            stateChangedAt: w.daysAgo(1),
          },
          select: { id: true },
        }),
      );
    }
    const uids = async (user: { id: string; email: string }) => {
      const { exporter } = await exporterOf(w, user);
      return jsonLines(await collect(exporter.export({ format: 'ocsf' })))
        .map((e) => e.finding_info.uid)
        .sort();
    };

    expect(await uids(sam)).toEqual(['ours']);
    expect(await uids(w.ana)).toEqual(['central', 'ours', 'theirs', 'unowned']);
  });

  it('refuses an unknown format or state before writing anything', async () => {
    const w = await setupAlerts(newDatabase);
    const { exporter } = await exporterOf(w);

    expect(() => exporter.export({ format: 'xml' as never })).toThrow(ValidationError);
    expect(() => exporter.export({ format: 'csv', states: ['closed' as never] })).toThrow(ValidationError);
  });
});
