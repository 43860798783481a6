import { NotFoundError, RealmDb, ValidationError } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupScanner } from '../testing/scanner-test-setup.ts';

const header =
  'user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated';
const machine = (name: string, lastUsed = '2024-06-01T10:00:00+00:00') =>
  `${name},arn:aws:iam::111122223333:user/${name},2024-01-01T00:00:00+00:00,false,N/A,N/A,N/A,false,true,2024-01-02T00:00:00+00:00,${lastUsed},us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A`;
const report = (...rows: string[]) => [header, ...rows].join('\n');
const upload = (content: string, name = 'credential-report.csv') => ({
  name,
  contentBase64: Buffer.from(content).toString('base64'),
});

async function setup(newDatabase: NewTestDatabase, options: { work?: boolean } = {}) {
  const hub = await setupScanner(newDatabase, options);
  const scanner = await hub.scannerOf();
  const source = await scanner.createSource({
    type: 'aws_iam',
    name: 'prod account',
    environment: 'production',
  });
  const scanReport = async (content: string) => {
    const started = await scanner.startScan({
      sourceId: source.id,
      input: 'aws.credential_report',
      upload: upload(content),
    });
    return hub.finished(scanner, started.id);
  };
  const realmDb = new RealmDb(hub.db, hub.hubRealm.id);
  const inventory = () =>
    realmDb.transaction((tx) =>
      tx.nhi.findMany({
        select: { name: true, status: true, version: true, environment: true, kind: true },
        orderBy: { name: 'asc' },
      }),
    );
  return { ...hub, scanner, source, scanReport, realmDb, inventory };
}

describeEachDatabase('ScannerService scans', (_kind, newDatabase) => {
  it('imports a credential report as a background scan and fills the inventory', async () => {
    const { scanReport, inventory, ana } = await setup(newDatabase);

    const scan = await scanReport(report(machine('ci'), machine('deployer', 'N/A')));

    expect(scan).toMatchObject({
      state: 'succeeded',
      itemsTotal: 2,
      itemsProcessed: 2,
      counts: { new: 2, updated: 0, unchanged: 0, missing: 0, leaks: 0 },
      triggeredBy: { type: 'user', id: ana.id },
      warningCount: 0,
    });
    expect(await inventory()).toEqual([
      { name: 'ci', status: 'active', version: 1, environment: 'production', kind: 'service_account' },
      { name: 'deployer', status: 'active', version: 1, environment: 'production', kind: 'service_account' },
    ]);
  });

  it('records facts linked to the credential they are about', async () => {
    const { scanReport, realmDb } = await setup(newDatabase);

    await scanReport(report(machine('deployer', 'N/A')));

    const facts = await realmDb.transaction((tx) =>
      tx.scanFact.findMany({
        select: { kind: true, subject: true, credentialId: true, nhi: { select: { name: true } } },
      }),
    );
    expect(facts).toEqual([
      {
        kind: 'credential.never_used',
        subject: 'arn:aws:iam::111122223333:user/deployer|access_key_1',
        credentialId: expect.any(String),
        nhi: { name: 'deployer' },
      },
    ]);
  });

  it('changes nothing when the same report is scanned again', async () => {
    const { scanReport, inventory, realmDb } = await setup(newDatabase);
    const content = report(machine('ci'), machine('deployer'), machine('builder'));
    await scanReport(content);
    const before = await inventory();

    const again = await scanReport(content);

    expect(again.counts).toEqual({ new: 0, updated: 0, unchanged: 3, missing: 0, leaks: 0 });
    expect(await inventory()).toEqual(before);
    const versions = await realmDb.transaction((tx) => tx.nhiVersion.count());
    expect(versions).toBe(0);
  });

  it('marks an identity missing from a complete report and restores it when it returns', async () => {
    const { scanReport, inventory } = await setup(newDatabase);
    await scanReport(report(machine('ci'), machine('deployer')));

    const without = await scanReport(report(machine('ci')));
    expect(without.counts).toMatchObject({ unchanged: 1, missing: 1 });
    expect((await inventory()).map((n) => [n.name, n.status])).toEqual([
      ['ci', 'active'],
      ['deployer', 'missing_from_source'],
    ]);

    const back = await scanReport(report(machine('ci'), machine('deployer')));
    expect(back.counts).toMatchObject({ unchanged: 1, updated: 1, missing: 0 });
    expect((await inventory()).find((n) => n.name === 'deployer')?.status).toBe('active');
  });

  it('reports bad rows as warnings and imports the rest', async () => {
    const { scanReport, inventory } = await setup(newDatabase);

    const scan = await scanReport(report(machine('ci'), 'broken,row', machine('deployer')));

    expect(scan.state).toBe('succeeded');
    expect(scan.warningCount).toBe(1);
    expect(scan.warnings).toEqual([{ item: 'row 3', message: 'has 2 columns, the header 22' }]);
    expect((await inventory()).map((n) => n.name)).toEqual(['ci', 'deployer']);
  });

  it('fails a scan whose file is not a credential report, with the reason, and erases the upload', async () => {
    const { scanReport, realmDb } = await setup(newDatabase);

    const scan = await scanReport('just some text');

    expect(scan.state).toBe('failed');
    expect(scan.error).toMatch(/Not an AWS credential report/);
    const stored = await realmDb.transaction((tx) =>
      tx.scan.findUniqueOrThrow({ where: { id: scan.id }, select: { uploadEncrypted: true } }),
    );
    expect(stored.uploadEncrypted).toBeNull();
  });

  it('refuses an upload above the size limit with a clear error', async () => {
    const hub = await setupScanner(newDatabase);
    const scanner = await hub.scannerOf();
    const source = await scanner.createSource({ type: 'aws_iam', name: 'a' });
    const limit = hub.config.NHI_SCAN_UPLOAD_MAX_BYTES;

    await expect(
      scanner.startScan({
        sourceId: source.id,
        input: 'aws.credential_report',
        upload: upload('x'.repeat(limit + 1)),
      }),
    ).rejects.toThrow(ValidationError);
    await expect(
      scanner.startScan({
        sourceId: source.id,
        input: 'aws.credential_report',
        upload: upload('x'.repeat(limit + 1)),
      }),
    ).rejects.toThrow(/limited to/);
    expect(await scanner.listScans()).toEqual([]);
  });

  it('refuses an input that does not belong to the source type', async () => {
    const { scanner, source } = await setup(newDatabase);

    await expect(
      scanner.startScan({
        sourceId: source.id,
        input: 'k8s.manifests',
        upload: upload('kind: ServiceAccount'),
      }),
    ).rejects.toThrow(/reads aws.credential_report/);
  });

  it('cancels a queued scan so it never runs', async () => {
    const { scanner, source, finished } = await setup(newDatabase, { work: false });
    const started = await scanner.startScan({
      sourceId: source.id,
      input: 'aws.credential_report',
      upload: upload(report(machine('ci'))),
    });

    const cancelled = await scanner.cancelScan(started.id);

    expect(cancelled.state).toBe('cancelled');
    expect((await finished(scanner, started.id)).counts.new).toBe(0);
    await expect(scanner.cancelScan(started.id)).rejects.toThrow(/already been cancelled/);
  });

  it('keeps scans of one realm out of reach of another', async () => {
    const { scanReport, scannerOf, oli, otherRealm, realmDb, db } = await setup(newDatabase);
    const scan = await scanReport(report(machine('ci')));
    const other = await scannerOf(oli, otherRealm);

    await expect(other.getScan(scan.id)).rejects.toThrow(NotFoundError);
    expect(await other.listScans()).toEqual([]);
    expect(await other.listSources()).toEqual([]);
    const otherDb = new RealmDb(db, otherRealm.id);
    expect(await otherDb.transaction((tx) => tx.$queryRaw`SELECT id FROM "Scan"`)).toEqual([]);
    expect(await otherDb.transaction((tx) => tx.$queryRaw`SELECT id FROM "ScanFact"`)).toEqual([]);
    expect(await realmDb.transaction((tx) => tx.scan.count())).toBe(1);
  });
});

describeEachDatabase('ScannerService sources', (_kind, newDatabase) => {
  it('keeps credentials encrypted and returns only their names', async () => {
    const hub = await setupScanner(newDatabase);
    const scanner = await hub.scannerOf();
    const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

    const created = await scanner.createSource({
      type: 'aws_iam',
      name: 'live',
      settings: { region: 'eu-west-1' },
      secrets: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: secret },
    });

    expect(created.secretNames).toEqual(['accessKeyId', 'secretAccessKey']);
    expect(JSON.stringify(created)).not.toContain(secret);
    const stored = await new RealmDb(hub.db, hub.hubRealm.id).transaction(
      (tx) => tx.$queryRaw<{ row: string }[]>`SELECT row_to_json(s)::text AS row FROM "Source" AS s`,
    );
    expect(stored[0]?.row).not.toContain(secret);
    const audit = await new RealmDb(hub.db, hub.hubRealm.id).transaction(
      (tx) => tx.$queryRaw<{ row: string }[]>`SELECT row_to_json(a)::text AS row FROM "AuditLog" AS a`,
    );
    expect(audit.map((a) => a.row).join()).not.toContain(secret);
  });

  it('updates a source, keeps its credentials unless replaced, and refuses a duplicate name', async () => {
    const hub = await setupScanner(newDatabase);
    const scanner = await hub.scannerOf();
    const a = await scanner.createSource({ type: 'github', name: 'org', secrets: { token: 'ghp_x' } });
    await scanner.createSource({ type: 'github', name: 'org-2' });

    const renamed = await scanner.updateSource({ id: a.id, name: 'acme org', schedule: '0 3 * * *' });

    expect(renamed).toMatchObject({ name: 'acme org', schedule: '0 3 * * *', secretNames: ['token'] });
    expect(await hub.jobs.schedules('scanner.scheduled-scan')).toEqual([
      { key: a.id, cron: '0 3 * * *', payload: { realmId: hub.hubRealm.id, sourceId: a.id } },
    ]);
    await expect(scanner.updateSource({ id: a.id, name: 'org-2' })).rejects.toThrow(/already exists/);
    await scanner.deleteSource(a.id);
    expect((await scanner.listSources()).map((s) => s.name)).toEqual(['org-2']);
    expect(await hub.jobs.schedules('scanner.scheduled-scan')).toEqual([]);
  });
});
