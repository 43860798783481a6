import { RealmDb } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { setupScanner } from '../testing/scanner-test-setup.ts';

const serviceAccount = (name: string) =>
  `---\napiVersion: v1\nkind: ServiceAccount\nmetadata: { name: ${name}, namespace: ci }\n`;
const tokenSecret = (account: string) => `---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: ${account}-token
  namespace: ci
  annotations: { kubernetes.io/service-account.name: ${account} }
data: { token: ${Buffer.from(`token-of-${account}`).toString('base64')} }
`;
const secretReader = (account: string) => `---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: ${account}-reads-secrets, namespace: ci }
roleRef: { kind: ClusterRole, name: edit }
subjects: [{ kind: ServiceAccount, name: ${account} }]
`;
const upload = (content: string) => ({
  name: 'cluster.yaml',
  contentBase64: Buffer.from(content).toString('base64'),
});

async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupScanner(newDatabase);
  const scanner = await hub.scannerOf();
  // Two sources of one cluster: a full export, and a partial one (a team's namespace, no Secrets).
  const full = await scanner.createSource({
    type: 'kubernetes',
    name: 'full',
    settings: { cluster: 'prod' },
  });
  const team = await scanner.createSource({
    type: 'kubernetes',
    name: 'team',
    settings: { cluster: 'prod' },
  });
  const scan = async (source: { id: string }, content: string, complete = true) =>
    hub.finished(
      scanner,
      (
        await scanner.startScan({
          sourceId: source.id,
          input: 'k8s.manifests',
          upload: upload(content),
          complete,
        })
      ).id,
    );
  const realmDb = new RealmDb(hub.db, hub.hubRealm.id);
  const state = () =>
    realmDb.transaction(async (tx) => ({
      nhis: await tx.nhi.findMany({
        select: { externalId: true, status: true },
        orderBy: { externalId: 'asc' },
      }),
      credentials: await tx.credential.findMany({
        select: { hint: true, status: true, nhi: { select: { externalId: true } } },
        orderBy: { hint: 'asc' },
      }),
      facts: (
        await tx.scanFact.findMany({
          select: { kind: true, subject: true, sourceId: true, nhi: { select: { externalId: true } } },
        })
      )
        .map((fact) => ({
          kind: fact.kind,
          subject: fact.subject,
          source: fact.sourceId === full.id ? 'full' : 'team',
          nhi: fact.nhi?.externalId ?? null,
        }))
        .sort((a, b) => `${a.kind}${a.subject}`.localeCompare(`${b.kind}${b.subject}`)),
    }));
  return { ...hub, scanner, full, team, scan, state };
}

describeEachDatabase('Kubernetes sources of one cluster', (_kind, newDatabase) => {
  it("never revokes another source's tokens nor marks its identities missing", async () => {
    const { full, team, scan, state } = await setup(newDatabase);
    await scan(full, `${serviceAccount('deployer')}${tokenSecret('deployer')}${serviceAccount('builder')}`);

    // The team's export knows deployer without its Secret, and not builder at all.
    const partial = await scan(team, serviceAccount('deployer'));

    expect(partial.state).toBe('succeeded');
    const after = await state();
    expect(after.credentials).toEqual([
      { hint: 'secret/deployer-token', status: 'active', nhi: { externalId: 'prod/ci/deployer' } },
    ]);
    expect(after.nhis).toEqual([
      { externalId: 'prod/ci/builder', status: 'active' },
      { externalId: 'prod/ci/deployer', status: 'active' },
    ]);
    expect(after.facts).toEqual([
      {
        kind: 'k8s.legacy_token_secret',
        subject: 'prod/ci/deployer|secret/deployer-token',
        source: 'full',
        nhi: 'prod/ci/deployer',
      },
    ]);
  });

  it('revokes a token its own source no longer reports, and marks missing what no source reports', async () => {
    const { full, team, scan, state } = await setup(newDatabase);
    await scan(full, `${serviceAccount('deployer')}${tokenSecret('deployer')}${serviceAccount('builder')}`);
    await scan(team, serviceAccount('deployer'));

    // builder is gone from the cluster; deployer's token Secret was deleted.
    const again = await scan(full, serviceAccount('deployer'));

    expect(again.counts).toMatchObject({ missing: 1 });
    const after = await state();
    expect(after.credentials).toEqual([
      { hint: 'secret/deployer-token', status: 'revoked', nhi: { externalId: 'prod/ci/deployer' } },
    ]);
    expect(after.nhis).toEqual([
      { externalId: 'prod/ci/builder', status: 'missing_from_source' },
      { externalId: 'prod/ci/deployer', status: 'active' },
    ]);
  });

  it('keeps an identity another source still reports active when one source no longer does', async () => {
    const { full, team, scan, state } = await setup(newDatabase);
    await scan(full, serviceAccount('deployer'));
    await scan(team, serviceAccount('deployer'));

    await scan(team, serviceAccount('other'));

    expect((await state()).nhis).toEqual([
      { externalId: 'prod/ci/deployer', status: 'active' },
      { externalId: 'prod/ci/other', status: 'active' },
    ]);
  });

  it("attaches a binding's facts to the ServiceAccount another source reported, and orphans it otherwise", async () => {
    const { full, team, scan, state } = await setup(newDatabase);
    await scan(full, serviceAccount('deployer'));

    await scan(team, `${secretReader('deployer')}${secretReader('ghost')}`);

    const facts = (await state()).facts.filter((fact) => fact.source === 'team');
    expect(facts.filter((fact) => fact.kind === 'k8s.secrets_read')).toEqual([
      {
        kind: 'k8s.secrets_read',
        subject: 'prod/ci/deployer|RoleBinding ci/deployer-reads-secrets',
        source: 'team',
        nhi: 'prod/ci/deployer',
      },
    ]);
    expect(facts.filter((fact) => fact.kind === 'k8s.orphaned_binding')).toEqual([
      {
        kind: 'k8s.orphaned_binding',
        subject: 'prod/ci/ghost|RoleBinding ci/ghost-reads-secrets',
        source: 'team',
        nhi: null,
      },
    ]);

    // The binding is removed: a complete scan of the source drops the facts it attached.
    await scan(team, secretReader('ghost'));
    expect((await state()).facts.filter((fact) => fact.nhi === 'prod/ci/deployer')).toEqual([]);
  });

  it('fails a scan of a file that is not Kubernetes, saying what it expected', async () => {
    const { full, scan } = await setup(newDatabase);

    const failed = await scan(full, JSON.stringify({ UserDetailList: [], Policies: [] }));

    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/Not a Kubernetes input: expected Kubernetes manifests or kubectl output/);
  });
});
