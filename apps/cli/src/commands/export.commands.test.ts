import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ocsfDetectionFindingValidator } from '@nhi/alert/testing/ocsf-schema';
import { loadConfig, RealmDb, startPlatform } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { insertLeakedKey } from '@nhi/scanner/testing/leak-rows';
import { sarifValidator } from '@nhi/scanner/testing/sarif-schema';
import { expect, it } from 'vitest';
import { cliHarness } from '../testing/cli-harness.ts';

describeEachDatabase('nhi export', (kind, newDatabase) => {
  /** A realm `acme` with two alerts (one resolved) and one leak, written straight to the database. */
  async function setup() {
    const harness = await cliHarness(kind, newDatabase);
    expect((await harness.run('realm', 'create', '--slug', 'acme')).code).toBe(0);
    const runtime = await startPlatform({ config: loadConfig(harness.env), firstStart: false });
    try {
      const realm = await runtime.database.systemPrisma.realm.findUniqueOrThrow({ where: { slug: 'acme' } });
      const now = new Date();
      await new RealmDb(runtime.database, realm.id).transaction(async (tx) => {
        for (const state of ['open', 'resolved'] as const)
          await tx.alert.create({
            data: {
              fingerprint: `nhi1.unowned_share:${state}`,
              ruleId: 'nhi1.unowned_share',
              owaspId: 'NHI1',
              severity: 'high',
              state,
              subject: state,
              firstSeenAt: now,
              lastSeenAt: now,
              stateChangedAt: now,
            },
            select: { id: true },
          });
        await insertLeakedKey(tx);
      });
    } finally {
      await runtime.shutdown();
    }
    return { ...harness, out: (name: string) => path.join(harness.dataDir, name) };
  }

  it('writes the alerts of a realm to a file of valid OCSF Detection Findings', async () => {
    const t = await setup();

    const result = await t.run(
      'export',
      'alerts',
      '--format',
      'ocsf',
      '--realm',
      'acme',
      '--out',
      t.out('a.jsonl'),
    );
    const open = await t.run('export', 'alerts', '--format', 'csv', '--realm', 'acme', '--state', 'open');

    expect(result).toMatchObject({ code: 0, stdout: '' });
    expect(result.stderr).toContain('Wrote');
    const events = (await readFile(t.out('a.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events.map((event) => event.status).sort()).toEqual(['New', 'Resolved']);
    const schema = ocsfDetectionFindingValidator();
    for (const event of events) expect(schema.errorsOf(event)).toEqual([]);
    expect(open.code).toBe(0);
    expect(open.stdout.trim().split('\n')).toHaveLength(2);
  });

  it('writes the leaks as a valid SARIF log', async () => {
    const t = await setup();

    const result = await t.run(
      'export',
      'leaks',
      '--format',
      'sarif',
      '--realm',
      'acme',
      '--out',
      t.out('l.sarif'),
    );

    expect(result.code).toBe(0);
    const log = JSON.parse(await readFile(t.out('l.sarif'), 'utf8'));
    expect(sarifValidator().errorsOf(log)).toEqual([]);
    expect(log.runs[0].results).toHaveLength(1);
  });

  it('refuses an unknown format or realm', async () => {
    const t = await setup();

    const format = await t.run('export', 'alerts', '--format', 'xml');
    const realm = await t.run('export', 'alerts', '--format', 'csv', '--realm', 'nowhere');

    expect(format.code).toBe(2);
    expect(format.stderr).toContain('Allowed choices are ocsf, csv');
    expect(realm).toMatchObject({ code: 1, stderr: 'error: No realm nowhere\n' });
  });
});
