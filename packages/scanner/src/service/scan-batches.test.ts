import { bulkWriteRows, RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { readCredentialReport } from '../connectors/aws/credential-report.ts';
import type { DiscoveredNhi } from '../connectors/connector.ts';
import { connectorFor } from '../connectors/registry.ts';
import { setupScanner } from '../testing/scanner-test-setup.ts';
import { reconcileIdentities } from './reconcile/reconcile-identities.ts';

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const machine = (name: string) =>
  `${name},arn:aws:iam::111122223333:user/${name},2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;
const names = Array.from({ length: 10 }, (_, i) => `svc-${i}`);
const content = [header, ...names.map(machine)].join('\n');

describeEachDatabase('Scan batches', (_kind, newDatabase) => {
  it('keeps only the batches before a failed one, so a re-run writes just the rest', async () => {
    // Batches of two: the batch of svc-4 fails while the batch after it may already be writing.
    const hub = await setupScanner(newDatabase, { batchSize: 2 });
    const scanner = await hub.scannerOf();
    const source = await scanner.createSource({ type: 'aws_iam', name: 'prod account' });
    await hub.db.systemPrisma.$executeRawUnsafe(`
      CREATE FUNCTION refuse_svc_4() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.name = 'svc-4' THEN RAISE EXCEPTION 'svc-4 refused'; END IF;
        RETURN NEW;
      END $$`);
    await hub.db.systemPrisma.$executeRawUnsafe(
      'CREATE TRIGGER refuse_svc_4 BEFORE INSERT ON "Nhi" FOR EACH ROW EXECUTE FUNCTION refuse_svc_4()',
    );
    const scan = async () => {
      const started = await scanner.startScan({
        sourceId: source.id,
        input: 'aws.credential_report',
        upload: { name: 'credential-report.csv', contentBase64: Buffer.from(content).toString('base64') },
      });
      return hub.finished(scanner, started.id);
    };
    const realmDb = new RealmDb(hub.db, hub.hubRealm.id);
    const stored = () =>
      realmDb.transaction(async (tx) => ({
        identities: (await tx.nhi.findMany({ select: { name: true }, orderBy: { name: 'asc' } })).map(
          (nhi) => nhi.name,
        ),
        sourceItems: await tx.sourceItem.count(),
        credentials: await tx.credential.count(),
      }));

    const failed = await scan();

    expect(failed).toMatchObject({ state: 'failed', itemsProcessed: 4, counts: { new: 4 } });
    expect(failed.error).toContain('svc-4 refused');
    expect(await stored()).toEqual({
      identities: ['svc-0', 'svc-1', 'svc-2', 'svc-3'],
      sourceItems: 4,
      credentials: 4,
    });

    await hub.db.systemPrisma.$executeRawUnsafe('DROP TRIGGER refuse_svc_4 ON "Nhi"');
    const again = await scan();

    expect(again).toMatchObject({
      state: 'succeeded',
      itemsProcessed: 10,
      counts: { new: 6, updated: 0, unchanged: 4, missing: 0 },
    });
    expect(await stored()).toEqual({ identities: names, sourceItems: 10, credentials: 10 });
  });

  it('refreshes the planner statistics of the tables a large scan wrote, and of no other', async () => {
    const hub = await setupScanner(newDatabase);
    const scanner = await hub.scannerOf();
    const source = await scanner.createSource({ type: 'aws_iam', name: 'prod account' });
    // Counts the ANALYZE statements run on each table; the database's own background analyze counts apart.
    const analyzed = async () => {
      const rows = await hub.db.systemPrisma.$queryRawUnsafe<{ table: string; count: number }[]>(
        'SELECT relname AS table, analyze_count::int AS count FROM pg_stat_user_tables',
      );
      return new Map(rows.map((row) => [row.table, row.count]));
    };
    const before = await analyzed();
    const many = Array.from({ length: bulkWriteRows + 100 }, (_, i) => machine(`bulk-${i}`));

    const started = await scanner.startScan({
      sourceId: source.id,
      input: 'aws.credential_report',
      upload: {
        name: 'credential-report.csv',
        contentBase64: Buffer.from([header, ...many].join('\n')).toString('base64'),
      },
    });
    expect(await hub.finished(scanner, started.id)).toMatchObject({ state: 'succeeded' });

    const after = await analyzed();
    const analyzedAgain = (table: string) => (after.get(table) ?? 0) > (before.get(table) ?? 0);
    // New identities have no versions yet, and a credential report holds no leaks.
    expect(['Nhi', 'SourceItem', 'Credential', 'NhiVersion', 'Leak'].filter(analyzedAgain)).toEqual([
      'Nhi',
      'SourceItem',
      'Credential',
    ]);
  });

  it('writes the first batches while the identities after them are still being made', async () => {
    const hub = await setupScanner(newDatabase, { work: false });
    const scanner = await hub.scannerOf();
    const source = await scanner.createSource({ type: 'aws_iam', name: 'prod account' });
    const scan = await scanner.startScan({
      sourceId: source.id,
      input: 'aws.credential_report',
      upload: { name: 'credential-report.csv', contentBase64: Buffer.from(content).toString('base64') },
    });
    const identities = readCredentialReport(content).nhis;
    let made = 0;
    const making = function* (): Generator<DiscoveredNhi> {
      for (const identity of identities) {
        made += 1;
        yield identity;
      }
    };
    const madeAtEachCommit: number[] = [];
    const realmDb = new RealmDb(hub.db, hub.hubRealm.id);

    const counts = await reconcileIdentities(
      {
        realmDb,
        sync: {
          context: {
            realm: hub.hubRealm,
            principal: { kind: 'system', name: 'scan:test' },
            requestId: 'test',
          },
          sourceType: 'scan:aws_iam',
          sourceRef: source.id,
          seenAt: new Date(),
        },
        sourceId: source.id,
        scanId: scan.id,
        input: 'aws.credential_report',
        complete: true,
        factKinds: connectorFor('aws.credential_report')?.factKinds ?? [],
        batchSize: 2,
        writers: 1,
        checkpoint: async () => undefined,
        progress: async () => {
          madeAtEachCommit.push(made);
        },
      },
      making(),
    );

    expect(counts).toEqual({ new: 10, updated: 0, unchanged: 0, missing: 0, credentials: 10, facts: 10 });
    // The batch being written, the next one ready, the one after it being made: never the whole input.
    expect(madeAtEachCommit).toHaveLength(5);
    expect(madeAtEachCommit[0]).toBe(6);
    expect(madeAtEachCommit[1]).toBe(8);
    expect(await realmDb.transaction((tx) => tx.nhi.count())).toBe(10);
  });
});
