import {
  openRequestScope,
  REALM_DB,
  type RealmDb,
  RealmDb as RealmDbClass,
  SecretFingerprints,
  ValidationError,
} from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase, registerScopedMembers } from '@nhi/platform/testing';
import { expect, it, vi } from 'vitest';
import { sarifValidator } from '../testing/sarif-schema.ts';
import { setupScanner } from '../testing/scanner-test-setup.ts';
import { exposedRuns } from '../testing/secret-exposure.ts';
import { LeakExportService } from './leak-export.ts';

const leakedKey = `AKIA${'IOSFODNN7EXAMPLQ'}`;
const githubToken = `ghp_${'R2kCj8d5Tq0wZf3LmXy7Hs9Vb1Np4Ke6Ga2U'}`;
const files = {
  'main.go': `package main\n\nfunc main() {\n\tkey := "${leakedKey}"\n}\n`,
  'ci/deploy config.yml': `steps:\n  - run: deploy\n    env:\n      GITHUB_TOKEN: ${githubToken}\n`,
};

async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}

async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupScanner(newDatabase);
  const realmDb = new RealmDbClass(hub.db, hub.hubRealm.id);
  const scopeOf = async (user: { id: string; email: string } = hub.ana) =>
    (
      await openRequestScope(hub.root, {
        context: {
          requestId: 'req-export',
          realm: hub.hubRealm,
          principal: { kind: 'user', userId: user.id, email: user.email, sessionId: 'test' },
          clock: hub.clock,
        },
        credential: 'bearer',
      })
    ).container;
  return { ...hub, realmDb, scopeOf };
}

/** A scan of two files, one secret matched to the inventoried key of `ci`, one unknown. */
async function scanned(newDatabase: NewTestDatabase) {
  const t = await setup(newDatabase);
  const fingerprint = await t.root.resolve(SecretFingerprints).fingerprint(leakedKey);
  await t.realmDb.transaction(async (tx) => {
    const ci = await tx.nhi.create({
      data: {
        kind: 'access_key',
        provider: 'aws',
        externalId: 'arn:aws:iam::111122223333:user/ci',
        name: 'ci',
      },
      select: { id: true },
    });
    await tx.credential.create({
      data: { nhiId: ci.id, kind: 'access_key', fingerprint, hint: 'AKIA…MPLQ' },
      select: { id: true },
    });
  });
  const scanner = await t.scannerOf();
  const source = await scanner.createSource({ type: 'secrets', name: 'repos' });
  for (const [name, content] of Object.entries(files)) {
    const upload = { name, contentBase64: Buffer.from(content).toString('base64') };
    // Partial: the second upload does not resolve what the first one found.
    const started = await scanner.startScan({
      sourceId: source.id,
      input: 'secrets.files',
      upload,
      complete: false,
    });
    expect(await t.finished(scanner, started.id)).toMatchObject({ state: 'succeeded' });
  }
  return t;
}

describeEachDatabase('LeakExportService', (_kind, newDatabase) => {
  it('writes the leaks of a scan as one valid SARIF 2.1.0 log, without either secret', async () => {
    const t = await scanned(newDatabase);
    const exporter = (await t.scopeOf()).resolve(LeakExportService);

    const text = await collect(exporter.export({ format: 'sarif' }, { version: '1.2.3' }));
    const log = JSON.parse(text);

    expect(sarifValidator().errorsOf(log)).toEqual([]);
    expect(log.version).toBe('2.1.0');
    const [run] = log.runs;
    expect(run.tool.driver).toMatchObject({ name: 'NHI Hub', version: '1.2.3' });
    expect(run.results).toHaveLength(2);
    const byFile = Object.fromEntries(
      run.results.map((r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => [
        r.locations[0]?.physicalLocation.artifactLocation.uri,
        r,
      ]),
    );
    expect(byFile['main.go']).toMatchObject({
      level: 'error',
      locations: [{ physicalLocation: { region: { startLine: 4 } } }],
      properties: { status: 'open', identity: { name: 'ci' } },
    });
    expect(byFile['main.go'].partialFingerprints['secretFingerprint/v1']).toBe(
      await t.root.resolve(SecretFingerprints).fingerprint(leakedKey),
    );
    expect(byFile['ci/deploy%20config.yml']).toMatchObject({
      level: 'warning',
      properties: { identity: null },
    });
    for (const result of run.results) expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
    expect(exposedRuns(text, leakedKey)).toEqual([]);
    expect(exposedRuns(text, githubToken)).toEqual([]);
  });

  it('writes an empty run when there is no leak, and only the open or resolved ones when asked', async () => {
    const t = await scanned(newDatabase);
    const exporter = (await t.scopeOf()).resolve(LeakExportService);
    await t.realmDb.transaction((tx) =>
      tx.leak.updateMany({ where: { file: 'main.go' }, data: { resolvedAt: t.clock.now() } }),
    );
    const results = async (status: 'open' | 'resolved') =>
      JSON.parse(await collect(exporter.export({ format: 'sarif', status }))).runs[0].results.map(
        (r: { properties: { status: string } }) => r.properties.status,
      );

    expect(await results('open')).toEqual(['open']);
    expect(await results('resolved')).toEqual(['resolved']);
    const other = await setup(newDatabase);
    const empty = JSON.parse(
      await collect((await other.scopeOf()).resolve(LeakExportService).export({ format: 'sarif' })),
    );
    expect(sarifValidator().errorsOf(empty)).toEqual([]);
    expect(empty.runs[0].results).toEqual([]);
  });

  it('reads the leaks in batches and joins them into one document', async () => {
    const t = await scanned(newDatabase);
    const scope = await t.scopeOf();
    const reads = vi.spyOn(scope.resolve<RealmDb>(REALM_DB), 'read');

    const log = JSON.parse(
      await collect(scope.resolve(LeakExportService).export({ format: 'sarif' }, {}, 1)),
    );

    expect(log.runs[0].results).toHaveLength(2);
    // The detectors, then a batch of one, another, and the empty one that ends it.
    expect(reads).toHaveBeenCalledTimes(4);
  });

  it("holds a scoped reader's export to the leaks of its teams' identities", async () => {
    const t = await scanned(newDatabase);
    const payments = await t.realmDb.transaction((tx) =>
      tx.policyGroup.create({ data: { name: 'payments' }, select: { id: true } }),
    );
    await t.realmDb.transaction((tx) =>
      tx.nhi.updateMany({ where: { name: 'ci' }, data: { ownerGroupId: payments.id } }),
    );
    const sam = await t.member('sam@example.com', 'hub', 'viewer');
    const tess = await t.member('tess@example.com', 'hub', 'viewer');
    registerScopedMembers(t.root, [
      { userId: sam.id, permissions: ['leak:read'], groupIds: [payments.id] },
      { userId: tess.id, permissions: ['leak:read'], groupIds: [] },
    ]);
    const files = async (user: { id: string; email: string }) =>
      JSON.parse(
        await collect((await t.scopeOf(user)).resolve(LeakExportService).export({ format: 'sarif' })),
      )
        .runs[0].results.map(
          (r: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) =>
            r.locations[0]?.physicalLocation.artifactLocation.uri,
        )
        .sort();

    expect(await files(sam)).toEqual(['main.go']);
    expect(await files(tess)).toEqual([]);
    expect(await files(t.ana)).toEqual(['ci/deploy%20config.yml', 'main.go']);
  });

  it('refuses another format or status before writing anything', async () => {
    const t = await setup(newDatabase);
    const exporter = (await t.scopeOf()).resolve(LeakExportService);

    expect(() => exporter.export({ format: 'csv' as never })).toThrow(ValidationError);
    expect(() => exporter.export({ format: 'sarif', status: 'gone' as never })).toThrow(ValidationError);
  });
});
