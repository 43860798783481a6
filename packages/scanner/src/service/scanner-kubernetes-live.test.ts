import { RealmDb } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { beforeAll, expect, it, onTestFinished } from 'vitest';
import type { K8sObject } from '../connectors/k8s/k8s-objects.ts';
import { makeTestPki, startFakeKubeApiServer, type TestPki } from '../testing/fake-kube-apiserver.ts';
import { setupScanner } from '../testing/scanner-test-setup.ts';
import { exposedRuns } from '../testing/secret-exposure.ts';

const bearer = 'fake-kube-bearer-token-9f8e7d6c5b4a';
const saToken = 'eyJhbGciOiJSUzI1NiJ9.Wm3Qx8Lp2Vt7Nc4Rk9Hs.Bf6Jd1Yg5Tu0';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});

/** A cluster's ci/deployer, bound to cluster-admin, with a legacy token Secret; and ci/builder. */
function clusterObjects(accounts: string[]): K8sObject[] {
  return [
    ...accounts.map((name) => ({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name, namespace: 'ci' },
    })),
    {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: {
        name: 'deployer-token',
        namespace: 'ci',
        annotations: { 'kubernetes.io/service-account.name': 'deployer' },
      },
      data: { token: Buffer.from(saToken).toString('base64') },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'cluster-admin' },
      rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'deployer-admin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'ci' }],
    },
  ];
}

async function setup(newDatabase: NewTestDatabase) {
  const hub = await setupScanner(newDatabase);
  const scanner = await hub.scannerOf();
  /** A cluster behind its own API server, and a kubernetes source reading it live. */
  const cluster = async (name: string, accounts: string[]) => {
    const objects = clusterObjects(accounts);
    const api = await startFakeKubeApiServer({ pki, token: bearer, objects });
    onTestFinished(() => api.close());
    const source = await scanner.createSource({
      type: 'kubernetes',
      name,
      settings: { cluster: name, server: api.server },
      secrets: { token: bearer, caCert: pki.caPem },
    });
    return { objects, source };
  };
  const scan = async (source: { id: string }) =>
    hub.finished(scanner, (await scanner.startScan({ sourceId: source.id, input: 'k8s.live' })).id);
  const realmDb = new RealmDb(hub.db, hub.hubRealm.id);
  const state = () =>
    realmDb.transaction(async (tx) => ({
      nhis: await tx.nhi.findMany({
        select: { externalId: true, status: true },
        orderBy: { externalId: 'asc' },
      }),
      credentials: await tx.credential.findMany({
        select: { hint: true, fingerprint: true, status: true, nhi: { select: { externalId: true } } },
        orderBy: { hint: 'asc' },
      }),
      facts: (await tx.scanFact.findMany({ select: { kind: true, subject: true, evidence: true } })).sort(
        (a, b) => `${a.kind}${a.subject}`.localeCompare(`${b.kind}${b.subject}`),
      ),
    }));
  return { ...hub, scanner, cluster, scan, state };
}

describeEachDatabase('live Kubernetes sources', (_kind, newDatabase) => {
  it('scans a cluster through its API server with the source’s stored credentials', async () => {
    const { cluster, scan, state } = await setup(newDatabase);
    const { source } = await cluster('prod', ['deployer', 'builder']);

    const scanned = await scan(source);

    expect(scanned).toMatchObject({ state: 'succeeded', counts: { new: 2 } });
    const after = await state();
    expect(after.nhis).toEqual([
      { externalId: 'prod/ci/builder', status: 'active' },
      { externalId: 'prod/ci/deployer', status: 'active' },
    ]);
    expect(after.facts.map((fact) => [fact.kind, fact.subject])).toEqual([
      ['k8s.cluster_admin', 'prod/ci/deployer|ClusterRoleBinding deployer-admin'],
      ['k8s.legacy_token_secret', 'prod/ci/deployer|secret/deployer-token'],
    ]);
    expect(after.credentials).toEqual([
      expect.objectContaining({ hint: 'secret/deployer-token', status: 'active' }),
    ]);
    expect(after.credentials[0]?.fingerprint).toBeTruthy();
    expect(exposedRuns(after, saToken)).toEqual([]);
  });

  it('keeps two clusters of one realm apart, though their namespaces and names are equal', async () => {
    const { cluster, scan, state } = await setup(newDatabase);
    const prod = await cluster('prod', ['deployer', 'builder']);
    const staging = await cluster('staging', ['deployer', 'builder']);
    await scan(prod.source);
    await scan(staging.source);

    // builder is deleted from staging only.
    staging.objects.splice(
      staging.objects.findIndex((object) => object.metadata.name === 'builder'),
      1,
    );
    const again = await scan(staging.source);

    expect(again.counts).toMatchObject({ missing: 1 });
    const after = await state();
    expect(after.nhis).toEqual([
      { externalId: 'prod/ci/builder', status: 'active' },
      { externalId: 'prod/ci/deployer', status: 'active' },
      { externalId: 'staging/ci/builder', status: 'missing_from_source' },
      { externalId: 'staging/ci/deployer', status: 'active' },
    ]);
    expect(
      after.facts.filter((fact) => fact.kind === 'k8s.cluster_admin').map((fact) => fact.subject),
    ).toEqual([
      'prod/ci/deployer|ClusterRoleBinding deployer-admin',
      'staging/ci/deployer|ClusterRoleBinding deployer-admin',
    ]);
  });

  it('fails the scan with the API server’s refusal when the token is wrong, changing nothing', async () => {
    const { cluster, scan, state, scanner } = await setup(newDatabase);
    const { source } = await cluster('prod', ['deployer']);
    await scan(source);
    await scanner.updateSource({
      id: source.id,
      secrets: { token: 'revoked-token-value', caCert: pki.caPem },
    });

    const failed = await scan(source);

    expect(failed.state).toBe('failed');
    expect(failed.error).toMatch(/refused the credentials \(401 Unauthorized\)/);
    expect((await state()).nhis).toEqual([{ externalId: 'prod/ci/deployer', status: 'active' }]);
  });
});
