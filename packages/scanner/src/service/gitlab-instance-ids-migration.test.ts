import fs from 'node:fs';
import path from 'node:path';
import { defaultMigrationsDir } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { expect, it, onTestFinished } from 'vitest';
import { startFakeGitLab } from '../testing/fake-gitlab-server.ts';
import { setupScanner } from '../testing/scanner-test-setup.ts';

const token = 'glpat-fakeTokenForTheLocalServer0';
const migration = fs.readFileSync(
  path.join(defaultMigrationsDir(), '20261206162500_gitlab_instance_ids', 'migration.sql'),
  'utf8',
);

async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupScanner(newDatabase);
  const gitlab = await startFakeGitLab({
    token,
    personal_access_tokens: [
      { id: 1, name: 'deploy', scopes: ['api'], active: true, user_id: 7, last_used_at: null },
    ],
    users: [{ id: 7, username: 'ana', email: 'ana@example.com' }],
    groups: [{ id: 10, path: 'acme', access_tokens: [], deploy_tokens: [], variables: [] }],
    projects: [
      {
        id: 100,
        path: 'acme/api',
        access_tokens: [],
        deploy_tokens: [],
        deploy_keys: [{ id: 6, title: 'ci', can_push: true }],
        variables: [],
      },
    ],
  });
  onTestFinished(() => gitlab.close());
  const scanner = await hub.scannerOf();
  const sql = hub.db.systemPrisma;
  const realmId = hub.hubRealm.id;
  /** Runs the migration's script again, as the database owner runs migrations. */
  const migrate = () =>
    hub.db.withSystemConnection((connection) => connection.transaction((tx) => tx.exec(migration)));
  const externalIds = async () =>
    (await sql.nhi.findMany({ where: { realmId }, select: { externalId: true } }))
      .map((nhi) => nhi.externalId)
      .sort();
  return { ...hub, gitlab, scanner, sql, realmId, migrate, externalIds };
}

/** An identity as an earlier scan of the source stored it, with the id of the old form. */
const oldIdentity = (realmId: string, sourceId: string, externalId: string) => ({
  realmId,
  kind: 'personal_access_token' as const,
  provider: 'gitlab' as const,
  externalId,
  name: externalId,
  sourceType: 'scan:gitlab',
  sourceRef: sourceId,
});

describeEachDatabase('the migration to GitLab ids per instance', (_kind, newDatabase) => {
  it('renames what a scan stored under the old ids, so that the next scan finds every identity unchanged', async () => {
    const { scanner, gitlab, sql, realmId, migrate, externalIds, finished } = await setup(newDatabase);
    const source = await scanner.createSource({
      type: 'gitlab',
      name: 'gitlab',
      settings: { baseUrl: gitlab.baseUrl, group: 'acme' },
      secrets: { token },
    });
    await finished(scanner, (await scanner.startScan({ sourceId: source.id, input: 'gitlab.live' })).id);
    const prefix = `gitlab:127.0.0.1:${gitlab.port}:`;
    const stored = async () => ({
      nhis: await externalIds(),
      facts: (await sql.scanFact.findMany({ where: { realmId }, select: { subject: true } }))
        .map((fact) => fact.subject)
        .sort(),
      versions: (await sql.nhiVersion.findMany({ where: { realmId }, select: { snapshot: true } }))
        .map((version) => (version.snapshot as { externalId: string }).externalId)
        .sort(),
      alert: (await sql.alert.findFirstOrThrow({ where: { realmId }, select: { evidence: true } })).evidence,
    });
    const pat = await sql.nhi.findFirstOrThrow({ where: { realmId, externalId: `${prefix}pat:1` } });
    const facts = await sql.scanFact.findMany({ where: { realmId, nhiId: pat.id } });
    const at = new Date();
    // The history of a change the identity went through: its snapshot names the identity.
    await sql.nhiVersion.create({
      data: {
        realmId,
        nhiId: pat.id,
        version: 2,
        snapshot: { externalId: pat.externalId, name: pat.name },
        changes: { name: { from: 'old', to: pat.name } },
        actorType: 'system',
      },
    });
    await sql.alert.create({
      data: {
        realmId,
        fingerprint: `nhi5.write_credential:${pat.id}`,
        ruleId: 'nhi5.write_credential',
        owaspId: 'NHI5',
        severity: 'high',
        nhiId: pat.id,
        subject: pat.id,
        evidence: {
          facts: facts.map((fact) => ({ kind: fact.kind, subject: fact.subject, evidence: fact.evidence })),
        },
        firstSeenAt: at,
        lastSeenAt: at,
        stateChangedAt: at,
      },
    });
    const scanned = await stored();
    expect(scanned.nhis).toEqual([`${prefix}deploy_key:acme/api:6`, `${prefix}pat:1`]);
    expect(scanned.facts).toEqual([
      `${prefix}deploy_key:acme/api:6`,
      `${prefix}pat:1|token_1`,
      `${prefix}pat:1|token_1`,
    ]);
    expect(scanned.versions).toEqual([`${prefix}pat:1`]);
    // Back to the ids of the old form, everywhere the scan wrote them.
    const old = (column: string) => `'gitlab:' || substr(${column}, ${prefix.length + 1})`;
    await sql.$executeRawUnsafe(`UPDATE "Nhi" SET "externalId" = ${old('"externalId"')}`);
    await sql.$executeRawUnsafe(`UPDATE "ScanFact" SET subject = ${old('subject')}`);
    await sql.$executeRawUnsafe(
      `UPDATE "NhiVersion" SET snapshot = jsonb_set(snapshot, '{externalId}', to_jsonb(${old("snapshot ->> 'externalId'")}))`,
    );
    await sql.$executeRawUnsafe(
      `UPDATE "Alert" SET evidence = jsonb_build_object('facts', (SELECT jsonb_agg(jsonb_set(f, '{subject}', to_jsonb(${old("f ->> 'subject'")}))) FROM jsonb_array_elements(evidence -> 'facts') AS f))`,
    );
    expect(await externalIds()).toEqual(['gitlab:deploy_key:acme/api:6', 'gitlab:pat:1']);

    await migrate();

    expect(await stored()).toEqual(scanned);
    const again = await finished(
      scanner,
      (await scanner.startScan({ sourceId: source.id, input: 'gitlab.live' })).id,
    );
    expect(again).toMatchObject({
      state: 'succeeded',
      counts: { new: 0, updated: 0, unchanged: 2, missing: 0 },
    });
    expect(await externalIds()).toEqual(scanned.nhis);
  });

  it('takes each source’s instance, gitlab.com without a URL, and leaves alone what is no old id of a GitLab source', async () => {
    const { scanner, sql, realmId, otherRealm, migrate, externalIds } = await setup(newDatabase);
    const sourceOf = (name: string, settings: Record<string, string>) =>
      scanner.createSource({ type: 'gitlab', name, settings, secrets: { token } });
    const saas = await sourceOf('saas', {});
    const selfManaged = await sourceOf('self-managed', { baseUrl: 'https://GitLab.Example.com:443/api/v4' });
    const ported = await sourceOf('ported', { baseUrl: 'http://git.internal:8080' });
    const broken = await sourceOf('broken', { baseUrl: 'gitlab.example.com' });
    const reported = await sql.nhi.create({
      data: { ...oldIdentity(realmId, 'another source', 'gitlab:bot:90'), kind: 'api_key' },
    });
    await sql.sourceItem.create({
      data: {
        realmId,
        sourceId: selfManaged.id,
        input: 'gitlab.live',
        nhiId: reported.id,
        contentHash: 'h',
        lastScanId: 's',
      },
    });
    await sql.nhi.createMany({
      data: [
        oldIdentity(realmId, saas.id, 'gitlab:pat:1'),
        oldIdentity(realmId, selfManaged.id, 'gitlab:pat:2'),
        oldIdentity(realmId, ported.id, 'gitlab:variable:acme/api/AWS_SECRET_ACCESS_KEY'),
        oldIdentity(realmId, broken.id, 'gitlab:pat:3'),
        oldIdentity(realmId, saas.id, 'gitlab:gitlab.com:pat:4'),
        { ...oldIdentity(realmId, saas.id, 'gitlab:pat:5'), sourceType: 'manual', sourceRef: null },
        { ...oldIdentity(realmId, saas.id, 'gitlab:pat:6'), provider: 'github', sourceType: 'scan:github' },
        oldIdentity(otherRealm.id, saas.id, 'gitlab:pat:7'),
      ],
    });
    const expected = [
      'gitlab:gitlab.com:pat:1',
      'gitlab:gitlab.com:pat:4',
      'gitlab:gitlab.example.com:bot:90',
      'gitlab:gitlab.example.com:pat:2',
      'gitlab:git.internal:8080:variable:acme/api/AWS_SECRET_ACCESS_KEY',
      'gitlab:pat:3',
      'gitlab:pat:5',
      'gitlab:pat:6',
    ].sort();

    await migrate();
    expect(await externalIds()).toEqual(expected);
    await migrate();

    expect(await externalIds()).toEqual(expected);
    const other = await sql.nhi.findMany({ where: { realmId: otherRealm.id }, select: { externalId: true } });
    expect(other).toEqual([{ externalId: 'gitlab:pat:7' }]);
  });
});
