import { createHash, randomBytes } from 'node:crypto';
import { RealmDb } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { expect, it, onTestFinished } from 'vitest';
import { startFakeGitLab } from '../testing/fake-gitlab-server.ts';
import { setupScanner } from '../testing/scanner-test-setup.ts';
import { exposedRuns } from '../testing/secret-exposure.ts';

const token = 'glpat-fakeTokenForTheLocalServer0';
const variableValue = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzQ8hT3vLm2';
const pushed = `glpat-${randomBytes(15).toString('base64url').slice(0, 20)}`;
const commit = createHash('sha1').update('push').digest('hex');

async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupScanner(newDatabase);
  const gitlab = await startFakeGitLab({
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
  });
  onTestFinished(() => gitlab.close());
  const scanner = await hub.scannerOf();
  const source = await scanner.createSource({
    type: 'gitlab',
    name: 'gitlab',
    settings: { baseUrl: gitlab.baseUrl, group: 'acme' },
    secrets: { token },
  });
  const realmDb = new RealmDb(hub.db, hub.hubRealm.id);
  const stored = () =>
    realmDb.transaction(async (tx) => ({
      nhis: await tx.nhi.findMany({
        select: { externalId: true, kind: true, name: true },
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
  return { ...hub, scanner, source, stored };
}

describeEachDatabase('GitLab scans', (_kind, newDatabase) => {
  it('scans a GitLab group live with the source’s token, storing no variable value', async () => {
    const { scanner, source, finished, stored } = await setup(newDatabase);

    const started = await scanner.startScan({ sourceId: source.id, input: 'gitlab.live' });
    const scan = await finished(scanner, started.id);

    expect(scan).toMatchObject({ state: 'succeeded', counts: { new: 2 } });
    const { nhis, facts, rows } = await stored();
    expect(nhis).toEqual([
      { externalId: 'gitlab:pat:1', kind: 'personal_access_token', name: 'ana: deploy' },
      {
        externalId: 'gitlab:variable:acme/api/AWS_SECRET_ACCESS_KEY',
        kind: 'api_key',
        name: 'AWS_SECRET_ACCESS_KEY in acme/api',
      },
    ]);
    expect(facts).toEqual(['gitlab.ci_cloud_key', 'gitlab.token_write_scope']);
    expect(exposedRuns(rows, variableValue)).toEqual([]);
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
