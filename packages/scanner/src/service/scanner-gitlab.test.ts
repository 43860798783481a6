import { createHash, randomBytes } from 'node:crypto';
import { RealmDb } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { expect, it, onTestFinished } from 'vitest';
import { type FakeGitLabInstance, startFakeGitLab } from '../testing/fake-gitlab-server.ts';
import { setupScanner } from '../testing/scanner-test-setup.ts';
import { exposedRuns } from '../testing/secret-exposure.ts';

const token = 'glpat-fakeTokenForTheLocalServer0';
const variableValue = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8hT3vLm2';
const pushed = `glpat-${randomBytes(15).toString('base64url').slice(0, 20)}`;
const commit = createHash('sha1').update('push').digest('hex');

/** A GitLab instance holding one personal access token (id 1) and a project with a cloud key. */
async function startInstance() {
  const instance: FakeGitLabInstance = {
    token,
    personal_access_tokens: [
      {
        id: 1,
        name: 'deploy',
        scopes: ['api'],
        active: true,
        revoked: false,
        user_id: 7,
        created_at: '2024-01-01T00:00:00.000Z',
        expires_at: null,
        last_used_at: '2024-05-01T00:00:00.000Z',
      },
    ],
    users: [{ id: 7, username: 'ana', email: 'ana@example.com' }],
    groups: [{ id: 10, path: 'acme', access_tokens: [], deploy_tokens: [], variables: [] }],
    projects: [
      {
        id: 100,
        path: 'acme/api',
        access_tokens: [],
        deploy_tokens: [],
        deploy_keys: [],
        variables: [
          { key: 'AWS_SECRET_ACCESS_KEY', value: variableValue, masked: true },
          { key: 'AWS_REGION', value: 'eu-west-1' },
        ],
        commits: {
          [commit]: [{ new_path: 'deploy.sh', diff: `@@ -1 +1,2 @@\n #!/bin/sh\n+export TOKEN=${pushed}\n` }],
        },
      },
    ],
  };
  const gitlab = await startFakeGitLab(instance);
  onTestFinished(() => gitlab.close());
  /** An external id of this instance: its host and port name it. */
  const idOf = (local: string) => `gitlab:127.0.0.1:${gitlab.port}:${local}`;
  return { instance, gitlab, idOf };
}

async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupScanner(newDatabase);
  const { instance, gitlab, idOf } = await startInstance();
  const scanner = await hub.scannerOf();
  const sourceOf = (name: string, baseUrl: string) =>
    scanner.createSource({ type: 'gitlab', name, settings: { baseUrl, group: 'acme' }, secrets: { token } });
  const source = await sourceOf('gitlab', gitlab.baseUrl);
  const realmDb = new RealmDb(hub.db, hub.hubRealm.id);
  const stored = () =>
    realmDb.transaction(async (tx) => ({
      nhis: await tx.nhi.findMany({
        select: { externalId: true, kind: true, name: true, status: true },
        orderBy: { externalId: 'asc' },
      }),
      facts: (await tx.scanFact.findMany({ select: { kind: true } })).map((fact) => fact.kind).sort(),
      rows: (
        await tx.$queryRaw<{ row: string }[]>`
          SELECT row_to_json(n)::text AS row FROM "Nhi" AS n
          UNION ALL SELECT row_to_json(c)::text FROM "Credential" AS c
          UNION ALL SELECT row_to_json(s)::text FROM (SELECT id, warnings, error FROM "Scan") AS s
          UNION ALL SELECT row_to_json(f)::text FROM "ScanFact" AS f
          UNION ALL SELECT row_to_json(l)::text FROM "Leak" AS l`
      )
        .map((entry) => entry.row)
        .join('\n'),
    }));
  return { ...hub, scanner, source, sourceOf, instance, idOf, stored };
}

describeEachDatabase('GitLab scans', (_kind, newDatabase) => {
  it('scans a GitLab group live with the source’s token, storing no variable value', async () => {
    const { scanner, source, finished, stored, idOf } = await setup(newDatabase);

    const started = await scanner.startScan({ sourceId: source.id, input: 'gitlab.live' });
    const scan = await finished(scanner, started.id);

    expect(scan).toMatchObject({ state: 'succeeded', counts: { new: 2 } });
    const { nhis, facts, rows } = await stored();
    expect(nhis).toEqual([
      { externalId: idOf('pat:1'), kind: 'personal_access_token', name: 'ana: deploy', status: 'active' },
      {
        externalId: idOf('variable:acme/api/AWS_SECRET_ACCESS_KEY'),
        kind: 'api_key',
        name: 'AWS_SECRET_ACCESS_KEY in acme/api',
        status: 'active',
      },
    ]);
    expect(facts).toEqual(['gitlab.ci_cloud_key', 'gitlab.token_write_scope']);
    expect(exposedRuns(rows, variableValue)).toEqual([]);
  });

  it('keeps the identities of two instances with the same token ids apart, and a re-scan of one leaves the other’s as they were', async () => {
    const { scanner, source, sourceOf, instance, finished, stored, idOf } = await setup(newDatabase);
    const other = await startInstance();
    const otherSource = await sourceOf('gitlab self-managed', other.gitlab.baseUrl);
    const scan = async (sourceId: string) =>
      finished(scanner, (await scanner.startScan({ sourceId, input: 'gitlab.live' })).id);
    await scan(source.id);
    expect(await scan(otherSource.id)).toMatchObject({ state: 'succeeded', counts: { new: 2 } });
    const before = await stored();
    const othersOf = (nhis: { externalId: string }[]) =>
      nhis.filter((nhi) => nhi.externalId.startsWith(other.idOf('')));

    // The first instance renames its token and drops its cloud key; the other changes nothing.
    instance.personal_access_tokens = instance.personal_access_tokens?.map((entry) => ({
      ...(entry as object),
      name: 'release',
    }));
    for (const project of instance.projects ?? []) project.variables = [];
    const rescan = await scan(source.id);

    expect(rescan).toMatchObject({ state: 'succeeded', counts: { updated: 1, missing: 1 } });
    const after = await stored();
    const variable = 'variable:acme/api/AWS_SECRET_ACCESS_KEY';
    expect(after.nhis.map((nhi) => `${nhi.externalId} ${nhi.name} ${nhi.status}`).sort()).toEqual(
      [
        `${idOf('pat:1')} ana: release active`,
        `${idOf(variable)} AWS_SECRET_ACCESS_KEY in acme/api missing_from_source`,
        `${other.idOf('pat:1')} ana: deploy active`,
        `${other.idOf(variable)} AWS_SECRET_ACCESS_KEY in acme/api active`,
      ].sort(),
    );
    expect(othersOf(after.nhis)).toEqual(othersOf(before.nhis));
    expect(othersOf(before.nhis)).toHaveLength(2);
  });

  it('records the secret a pushed commit adds, never the secret itself', async () => {
    const { scanner, source, finished, stored } = await setup(newDatabase);
    const event = {
      object_kind: 'push',
      project: { id: 100, path_with_namespace: 'acme/api' },
      commits: [{ id: commit }],
    };

    const started = await scanner.startScan({
      sourceId: source.id,
      input: 'gitlab.push',
      upload: { name: 'push.json', contentBase64: Buffer.from(JSON.stringify(event)).toString('base64') },
    });
    const scan = await finished(scanner, started.id);

    expect(scan).toMatchObject({ state: 'succeeded', counts: { leaks: 1 } });
    expect(await scanner.listLeaks()).toEqual([
      expect.objectContaining({ file: 'acme/api/deploy.sh', line: 2, commit }),
    ]);
    expect(exposedRuns((await stored()).rows, pushed)).toEqual([]);
  });
});
