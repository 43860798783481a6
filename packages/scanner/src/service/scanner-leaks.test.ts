import { RealmDb, SecretFingerprints } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupScanner } from '../testing/scanner-test-setup.ts';

const leakedKey = `AKIA${'IOSFODNN7EXAMPLQ'}`;
const file = `package main\n\nfunc main() {\n\tkey := "${leakedKey}"\n}\n`;
const upload = (content: string, name: string) => ({
  name,
  contentBase64: Buffer.from(content).toString('base64'),
});

async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupScanner(newDatabase);
  const scanner = await hub.scannerOf();
  const realmDb = new RealmDb(hub.db, hub.hubRealm.id);
  const fingerprint = await hub.root.resolve(SecretFingerprints).fingerprint(leakedKey);
  const nhi = await realmDb.transaction(async (tx) => {
    const created = await tx.nhi.create({
      data: {
        kind: 'access_key',
        provider: 'aws',
        externalId: 'arn:aws:iam::111122223333:user/ci',
        name: 'ci',
      },
      select: { id: true },
    });
    const credential = await tx.credential.create({
      data: { nhiId: created.id, kind: 'access_key', fingerprint, hint: leakedKey },
      select: { id: true },
    });
    return { id: created.id, credentialId: credential.id };
  });
  const source = await scanner.createSource({ type: 'secrets', name: 'repos' });
  return { ...hub, scanner, realmDb, nhi, source };
}

describeEachDatabase('ScannerService leaks', (_kind, newDatabase) => {
  it('records a leak found in an upload, masked and linked to the inventoried credential', async () => {
    const { scanner, source, finished, nhi, realmDb } = await setup(newDatabase);

    const started = await scanner.startScan({
      sourceId: source.id,
      input: 'secrets.files',
      upload: upload(file, 'main.go'),
    });
    const scan = await finished(scanner, started.id);

    expect(scan).toMatchObject({ state: 'succeeded', counts: { leaks: 1 } });
    const leaks = await scanner.listLeaks();
    expect(leaks).toEqual([
      expect.objectContaining({
        file: 'main.go',
        line: 4,
        rule: 'secretlint/aws',
        nhi: { id: nhi.id, name: 'ci' },
        credentialId: nhi.credentialId,
      }),
    ]);
    expect(leaks[0]?.maskedMatch).not.toContain(leakedKey);
    const facts = await realmDb.transaction((tx) =>
      tx.scanFact.findMany({ select: { kind: true, nhiId: true, credentialId: true } }),
    );
    expect(facts).toEqual([
      { kind: 'leak.credential_exposed', nhiId: nhi.id, credentialId: nhi.credentialId },
    ]);
  });

  it('keeps one leak when the same file is scanned again, and never stores the secret', async () => {
    const { scanner, source, finished, realmDb } = await setup(newDatabase);
    for (let i = 0; i < 2; i++) {
      const started = await scanner.startScan({
        sourceId: source.id,
        input: 'secrets.files',
        upload: upload(file, 'main.go'),
      });
      await finished(scanner, started.id);
    }

    expect(await scanner.listLeaks()).toHaveLength(1);
    const dump = await realmDb.transaction(
      (tx) =>
        tx.$queryRaw<{ row: string }[]>`
        SELECT row_to_json(l)::text AS row FROM "Leak" AS l
        UNION ALL SELECT row_to_json(s)::text FROM (SELECT id, warnings, error, "uploadEncrypted" FROM "Scan") AS s
        UNION ALL SELECT row_to_json(f)::text FROM "ScanFact" AS f`,
    );
    expect(dump.map((r) => r.row).join('\n')).not.toContain(leakedKey);
  });

  it('resolves a leak a later scan of the same input no longer finds, and reopens it when it returns', async () => {
    const { scanner, source, finished } = await setup(newDatabase);
    const scanFiles = async (content: string) => {
      const started = await scanner.startScan({
        sourceId: source.id,
        input: 'secrets.files',
        upload: upload(content, 'main.go'),
      });
      return finished(scanner, started.id);
    };
    const clean = 'package main\n\nfunc main() {}\n';

    await scanFiles(file);
    expect(await scanner.listLeaks({ state: 'open' })).toHaveLength(1);
    // Another input of the source (a gitleaks report without this hit) says nothing about these files.
    const report = await scanner.startScan({
      sourceId: source.id,
      input: 'gitleaks.report',
      upload: upload('[]', 'gitleaks.json'),
    });
    await finished(scanner, report.id);
    expect(await scanner.listLeaks({ state: 'open' })).toHaveLength(1);

    const fixed = await scanFiles(clean);
    expect(await scanner.listLeaks({ state: 'open' })).toEqual([]);
    expect(await scanner.listLeaks({ state: 'resolved' })).toEqual([
      expect.objectContaining({
        file: 'main.go',
        line: 4,
        resolvedByScanId: fixed.id,
        resolvedAt: expect.any(Date),
      }),
    ]);

    await scanFiles(file);
    expect(await scanner.listLeaks({ state: 'resolved' })).toEqual([]);
    expect(await scanner.listLeaks()).toEqual([
      expect.objectContaining({ file: 'main.go', line: 4, resolvedAt: null, resolvedByScanId: null }),
    ]);
  });

  it('imports a gitleaks report', async () => {
    const { scanner, source, finished } = await setup(newDatabase);
    const report = JSON.stringify([
      {
        RuleID: 'aws-access-token',
        File: 'deploy/env.sh',
        StartLine: 7,
        Commit: 'a1b2c3d4',
        Secret: leakedKey,
        Match: `export KEY=${leakedKey}`,
      },
    ]);

    const started = await scanner.startScan({
      sourceId: source.id,
      input: 'gitleaks.report',
      upload: upload(report, 'gitleaks.json'),
    });
    await finished(scanner, started.id);

    expect(await scanner.listLeaks()).toEqual([
      expect.objectContaining({
        file: 'deploy/env.sh',
        line: 7,
        commit: 'a1b2c3d4',
        rule: 'gitleaks/aws-access-token',
      }),
    ]);
  });

  it('stores what the secret is and whether it was verified; a rescan that checked nothing keeps a check', async () => {
    const { scanner, source, finished, realmDb } = await setup(newDatabase);
    const finding = (verified: boolean) =>
      JSON.stringify({
        SourceMetadata: { Data: { Filesystem: { file: 'deploy/env.sh', line: 7 } } },
        DetectorName: 'AWS',
        Verified: verified,
        Raw: Buffer.from(leakedKey).toString('base64'),
      });
    const report = JSON.stringify([
      {
        RuleID: 'aws-access-token',
        File: 'deploy/env.sh',
        StartLine: 7,
        Secret: leakedKey,
        Match: leakedKey,
      },
    ]);
    const importReport = async (input: 'trufflehog.report' | 'gitleaks.report', content: string) =>
      finished(
        scanner,
        (await scanner.startScan({ sourceId: source.id, input, upload: upload(content, 'r') })).id,
      );
    const stored = () =>
      realmDb.transaction((tx) =>
        tx.leak.findMany({
          select: { rule: true, secretType: true, verification: true },
          orderBy: { rule: 'asc' },
        }),
      );

    await importReport('trufflehog.report', finding(true));
    await importReport('gitleaks.report', report);

    expect(await stored()).toEqual([
      { rule: 'gitleaks/aws-access-token', secretType: 'aws_access_key_id', verification: null },
      { rule: 'trufflehog/AWS', secretType: 'aws_access_key_id', verification: 'live' },
    ]);
    // A check made since (the secret was revoked) is not undone by a scan that checks nothing.
    await realmDb.transaction((tx) =>
      tx.leak.updateMany({ where: { rule: 'gitleaks/aws-access-token' }, data: { verification: 'invalid' } }),
    );
    await importReport('gitleaks.report', report);
    await importReport('trufflehog.report', finding(false));
    expect(await stored()).toEqual([
      { rule: 'gitleaks/aws-access-token', secretType: 'aws_access_key_id', verification: 'invalid' },
      { rule: 'trufflehog/AWS', secretType: 'aws_access_key_id', verification: 'unknown' },
    ]);
  });
});
