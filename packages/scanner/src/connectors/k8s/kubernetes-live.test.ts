import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import {
  type FakeKubeCluster,
  makeTestPki,
  startFakeKubeApiServer,
  type TestPki,
} from '../../testing/fake-kube-apiserver.ts';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import { sharedFixture, sharedFixturesPresent } from '../../testing/shared-fixtures.ts';
import { type ConnectorOutput, UnreadableInputError } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';
import { type K8sObject, readK8sObjects } from './k8s-objects.ts';
import { readKubernetes } from './kubernetes.ts';
import {
  consistentListRestarts,
  kubernetesPageSize,
  readKubernetesLive,
  testKubernetesConnection,
} from './kubernetes-live.ts';

const fingerprint = async (secret: string) => createHash('sha256').update(secret).digest('hex');
const bearer = 'fake-kube-bearer-token-0123456789abcdef';
const saToken = 'eyJhbGciOiJSUzI1NiJ9.Zq8vXw3KpL9mTn2Rb7YcQe4u.Hj4kWs6Df1GaUo0x';
const opaqueValue = 'Xq7pV3zK9mW2rTj5';

let pki: TestPki;
let otherPki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
  otherPki = makeTestPki();
});

/** A cluster with every kind a scan lists: accounts, RBAC, workloads, token and other Secrets. */
const syntheticCluster = `
apiVersion: v1
kind: Namespace
metadata: { name: ci, labels: { team: platform } }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: deployer, namespace: ci, creationTimestamp: '2024-01-02T03:04:05Z', annotations: { owner: ana@example.com } }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: default, namespace: ci }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: builder, namespace: ci }
automountServiceAccountToken: false
---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: deployer-token
  namespace: ci
  creationTimestamp: '2024-01-03T00:00:00Z'
  annotations: { kubernetes.io/service-account.name: deployer }
data: { token: ${Buffer.from(saToken).toString('base64')} }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: deployer-admin }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects: [{ kind: ServiceAccount, name: deployer, namespace: ci }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: cluster-admin }
rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: exec, namespace: ci }
rules: [{ apiGroups: [''], resources: [pods/exec], verbs: [create] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: default-exec, namespace: ci }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: exec }
subjects: [{ kind: ServiceAccount, name: default, namespace: ci }, { kind: User, name: jane }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ci }
spec: { template: { spec: { serviceAccountName: builder, containers: [{ name: web, image: nginx }] } } }
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: { name: web-5d4f, namespace: ci, ownerReferences: [{ kind: Deployment, name: web }] }
spec: { template: { spec: { serviceAccountName: builder, containers: [{ name: web, image: nginx }] } } }
---
apiVersion: v1
kind: Pod
metadata: { name: web-5d4f-x1, namespace: ci, ownerReferences: [{ kind: ReplicaSet, name: web-5d4f }] }
spec: { serviceAccountName: builder, containers: [{ name: web, image: nginx }] }
---
apiVersion: batch/v1
kind: CronJob
metadata: { name: nightly, namespace: ci }
spec: { jobTemplate: { spec: { template: { spec: { serviceAccountName: builder, containers: [{ name: job, image: busybox }] } } } } }
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent, namespace: ci }
spec: { template: { spec: { serviceAccountName: builder, containers: [{ name: agent, image: agent }] } } }
`;

const opaqueSecret: K8sObject = {
  apiVersion: 'v1',
  kind: 'Secret',
  type: 'Opaque',
  metadata: { name: 'app-password', namespace: 'ci' },
  data: { password: Buffer.from(opaqueValue).toString('base64') },
};

const objectsOf = (manifest: string) => readK8sObjects(manifest).objects;

async function setup(cluster: Partial<FakeKubeCluster> & { objects: K8sObject[] }) {
  const api = await startFakeKubeApiServer({ pki, token: bearer, ...cluster });
  onTestFinished(() => api.close());
  const context = (
    settings: Record<string, unknown> = { server: api.server, cluster: 'prod' },
    secrets: Record<string, string> = { token: bearer, caCert: pki.caPem },
  ): ConnectorContext => ({
    settings,
    secrets,
    fingerprint,
    signal: new AbortController().signal,
    uploadName: null,
  });
  return { api, context, read: (c = context()) => readKubernetesLive(c) };
}

/**
 * What a scan records, in an order that does not depend on the order objects were read in (a file
 * in its own order, an API server kind by kind).
 */
function comparable(output: ConnectorOutput) {
  const ordered = (value: unknown): unknown => {
    if (Array.isArray(value)) return sorted(value.map(ordered));
    if (value && typeof value === 'object' && !(value instanceof Date))
      return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, ordered(entry)]));
    return value;
  };
  const sorted = <T>(list: T[]) =>
    [...list].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return {
    nhis: ordered(output.nhis),
    looseFacts: ordered(output.looseFacts),
    read: output.read,
    externalIdPrefix: output.externalIdPrefix,
  };
}

const kubeconfig = (server: string, ca: string, user: Record<string, unknown> = { token: bearer }) => ({
  apiVersion: 'v1',
  kind: 'Config',
  clusters: [
    { name: 'prod', cluster: { server, 'certificate-authority-data': Buffer.from(ca).toString('base64') } },
    { name: 'elsewhere', cluster: { server: 'https://127.0.0.1:1' } },
  ],
  users: [{ name: 'reader', user }],
  contexts: [
    { name: 'prod-reader', context: { cluster: 'prod', user: 'reader' } },
    { name: 'broken', context: { cluster: 'elsewhere', user: 'reader' } },
  ],
  'current-context': 'broken',
});

describe('kubernetes live: the same reading as an upload', () => {
  it('gives the identities, credentials and facts that uploading the same objects gives', async () => {
    const { read } = await setup({ objects: objectsOf(syntheticCluster) });

    const live = await read();
    const uploaded = await readKubernetes(syntheticCluster, { cluster: 'prod', fingerprint });

    expect(comparable(live)).toEqual(comparable(uploaded));
    expect(live.warnings).toEqual([]);
    expect(live.nhis.map((nhi) => nhi.externalId).sort()).toEqual([
      'prod/ci/builder',
      'prod/ci/default',
      'prod/ci/deployer',
    ]);
    const kinds = new Set([...live.nhis.flatMap((nhi) => nhi.facts), ...live.looseFacts].map((f) => f.kind));
    expect([...kinds].sort()).toEqual([
      'k8s.cluster_admin',
      'k8s.default_sa_bound',
      'k8s.legacy_token_secret',
      'k8s.pods_exec',
      'k8s.sa_shared_by_workloads',
    ]);
  });

  it('counts a workload through its owner, as in an export of the whole cluster', async () => {
    const { read } = await setup({ objects: objectsOf(syntheticCluster) });

    const builder = (await read()).nhis.find((nhi) => nhi.name === 'ci/builder');

    const workloads = (builder?.metadata?.kubernetes as { workloads?: string[] } | undefined)?.workloads;
    expect([...(workloads ?? [])].sort()).toEqual(['CronJob nightly', 'DaemonSet agent', 'Deployment web']);
  });

  it('keeps the ownership labels and annotations of accounts and their namespaces', async () => {
    const { read } = await setup({ objects: objectsOf(syntheticCluster) });

    const deployer = (await read()).nhis.find((nhi) => nhi.name === 'ci/deployer');

    expect(deployer?.metadata?.kubernetes).toMatchObject({
      annotations: { owner: 'ana@example.com' },
      namespaceLabels: { team: 'platform' },
    });
    expect(deployer?.providerCreatedAt).toEqual(new Date('2024-01-02T03:04:05Z'));
  });
});

describe.skipIf(!sharedFixturesPresent)('kubernetes live: rbac-tool samples served by an API server', () => {
  it.each([
    'rbac-tool-impersonator.yaml',
    'rbac-tool-pod-creator.yaml',
    'rbac-tool-rolebindings-missing-service-account.yaml',
    'rbac-tool-secret-reader.yaml',
  ])('reads %s live with the facts of its upload', async (name) => {
    const manifest = sharedFixture(`k8s/${name}`);
    const { read } = await setup({ objects: objectsOf(manifest) });

    const live = await read();
    const uploaded = await readKubernetes(manifest, { cluster: 'prod', fingerprint });

    expect(comparable(live)).toEqual(comparable(uploaded));
    expect(live.looseFacts.length + live.nhis.length).toBeGreaterThan(0);
  });
});

describe('kubernetes live: listing', () => {
  it('follows continue tokens until the last page', async () => {
    const accounts = Array.from({ length: 7 }, (_, index) => ({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: `robot-${index}`, namespace: 'ci' },
    }));
    const { read, api } = await setup({ objects: accounts, maxPageSize: 3 });

    const output = await read();

    expect(output.nhis.map((nhi) => nhi.name).sort()).toEqual(accounts.map((a) => `ci/${a.metadata.name}`));
    const pages = api.requests.filter((r) => r.includes('/api/v1/serviceaccounts'));
    expect(pages).toHaveLength(3);
    expect(pages.every((r) => r.includes(`limit=${kubernetesPageSize}`))).toBe(true);
    expect(pages.filter((r) => r.includes('continue='))).toHaveLength(2);
  });

  it.each([
    [1, 'starts the list again from its first page when a continue token expires, with no warning', 5],
    [
      consistentListRestarts + 1,
      'goes on with the token a 410 offers once restarts keep expiring, warning that the list may be inconsistent',
      // Each try reads a first page and meets the expiry on the second; the last goes on from there.
      2 * (consistentListRestarts + 1) + 2,
    ],
  ])('%i expired continue token(s): %s', async (expiredContinues, _behaviour, calls) => {
    const accounts = Array.from({ length: 7 }, (_, index) => ({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: `robot-${index}`, namespace: 'ci' },
    }));
    const { read, api } = await setup({ objects: accounts, maxPageSize: 3, expiredContinues });

    const output = await read();

    expect(output.nhis.map((nhi) => nhi.name).sort()).toEqual(accounts.map((a) => `ci/${a.metadata.name}`));
    expect(api.requests.filter((r) => r.includes('/api/v1/serviceaccounts'))).toHaveLength(calls);
    const warned = output.warnings.filter((w) => w.item === 'ServiceAccount objects');
    if (expiredContinues > consistentListRestarts)
      expect(warned).toEqual([
        { item: 'ServiceAccount objects', message: expect.stringMatching(/snapshot expired/) },
      ]);
    else expect(warned).toEqual([]);
  });

  it('reads the same identities from a cluster whose every continue token expires as from a steady one', async () => {
    const steady = await (await setup({ objects: objectsOf(syntheticCluster) })).read();
    const { read } = await setup({
      objects: objectsOf(syntheticCluster),
      maxPageSize: 1,
      expiredContinues: Number.POSITIVE_INFINITY,
    });

    const output = await read();

    expect(comparable(output).nhis).toEqual(comparable(steady).nhis);
    expect(output.warnings.length).toBeGreaterThan(0);
    expect(output.warnings.every((w) => /snapshot expired/.test(w.message))).toBe(true);
  });

  it('fails rather than loops when the token a 410 offers expires before a page is read', async () => {
    const { read } = await setup({
      objects: objectsOf(syntheticCluster),
      maxPageSize: 1,
      expiredContinues: Number.POSITIVE_INFINITY,
      offeredContinuesExpire: true,
    });

    await expect(read()).rejects.toThrow(/HTTP 410/);
  });

  it('asks only for token Secrets, so no other Secret reaches the scan', async () => {
    const { read, api } = await setup({ objects: [...objectsOf(syntheticCluster), opaqueSecret] });

    const output = await read();

    expect(api.requests.filter((r) => r.includes('/api/v1/secrets'))).toEqual([
      `GET /api/v1/secrets?fieldSelector=${encodeURIComponent('type=kubernetes.io/service-account-token')}&limit=500`,
    ]);
    expect(exposedRuns(output, opaqueValue)).toEqual([]);
    expect(output.read?.count).toBe(objectsOf(syntheticCluster).length);
  });

  it('keeps only the fingerprint of a token Secret: the token appears nowhere in the output', async () => {
    const { read } = await setup({ objects: objectsOf(syntheticCluster) });

    const output = await read();

    expect(exposedRuns(output, saToken)).toEqual([]);
    expect(exposedRuns(output, Buffer.from(saToken).toString('base64'))).toEqual([]);
    const deployer = output.nhis.find((nhi) => nhi.name === 'ci/deployer');
    expect(deployer?.credentials).toEqual([
      expect.objectContaining({ key: 'secret/deployer-token', fingerprint: await fingerprint(saToken) }),
    ]);
  });

  it.each([
    ['secrets', 'Secret', 'k8s.legacy_token_secret'],
    ['pods', 'Pod', undefined],
    ['deployments', 'Deployment', undefined],
    ['namespaces', 'Namespace', undefined],
  ])(
    'reads the rest when %s may not be listed, warning which kind and verb are missing',
    async (plural, kind, lost) => {
      const { read } = await setup({ objects: objectsOf(syntheticCluster), forbidden: [plural] });

      const output = await read();

      expect(output.warnings).toEqual([
        {
          item: `${kind} objects`,
          message: expect.stringMatching(new RegExp(`may not list ${plural}.*verb "list"`)),
        },
      ]);
      const kinds = new Set<string>(output.nhis.flatMap((nhi) => nhi.facts.map((f) => f.kind)));
      expect(kinds.has('k8s.cluster_admin')).toBe(true);
      if (lost) expect(kinds.has(lost)).toBe(false);
    },
  );

  it.each([
    ['serviceaccounts', /may not list serviceaccounts.*verb "list"/],
    ['clusterrolebindings', /may not list clusterrolebindings \(API group rbac\.authorization\.k8s\.io\)/],
  ])(
    'fails when %s may not be listed: without them every fact would look resolved',
    async (plural, message) => {
      const { read } = await setup({ objects: objectsOf(syntheticCluster), forbidden: [plural] });

      const failure = read();

      await expect(failure).rejects.toBeInstanceOf(UnreadableInputError);
      await expect(failure).rejects.toThrow(message);
    },
  );
  it('stops when the scan is cancelled, as a cancellation rather than an unreadable cluster', async () => {
    const { read, context, api } = await setup({ objects: objectsOf(syntheticCluster) });
    const controller = new AbortController();
    controller.abort();

    const failure = read({ ...context(), signal: controller.signal });

    await expect(failure).rejects.toThrow();
    await expect(failure).rejects.not.toBeInstanceOf(UnreadableInputError);
    expect(api.requests).toEqual([]);
  });
});

describe('kubernetes live: credentials', () => {
  it('refuses a wrong token with the API server’s 401', async () => {
    const { read, context, api } = await setup({ objects: objectsOf(syntheticCluster) });

    const failure = read(context(undefined, { token: 'not-the-token', caCert: pki.caPem }));

    await expect(failure).rejects.toThrow(`${api.server} refused the credentials (401 Unauthorized)`);
  });

  it('refuses an API server whose certificate the given CA does not sign', async () => {
    const { read, context } = await setup({ objects: objectsOf(syntheticCluster) });

    const failure = read(context(undefined, { token: bearer, caCert: otherPki.caPem }));

    await expect(failure).rejects.toThrow(/presented a certificate the given CA does not sign/);
  });

  it('reads a CA pasted without its line breaks, or as base64', async () => {
    const { read, context, api } = await setup({ objects: objectsOf(syntheticCluster) });
    const settings = { server: api.server, cluster: 'prod' };

    for (const caCert of [pki.caPem.replace(/\n/g, ''), Buffer.from(pki.caPem).toString('base64')])
      expect((await read(context(settings, { token: bearer, caCert }))).nhis).toHaveLength(3);
  });

  it.each([
    ['YAML', (config: object) => stringify(config)],
    ['one-line JSON', (config: object) => JSON.stringify(config)],
    ['base64', (config: object) => Buffer.from(stringify(config)).toString('base64')],
  ])('reads a kubeconfig given as %s, in the context its settings name', async (_, encode) => {
    const { read, context, api } = await setup({ objects: objectsOf(syntheticCluster) });

    const output = await read(
      context(
        { cluster: 'prod', context: 'prod-reader' },
        { kubeconfig: encode(kubeconfig(api.server, pki.caPem)) },
      ),
    );

    expect(output.nhis).toHaveLength(3);
  });

  it.each([
    [
      'a context it does not have',
      { context: 'staging' },
      {},
      /has no context staging \(it has prod-reader, broken\)/,
    ],
    ['a user that runs a command', { context: 'prod-reader' }, { exec: { command: 'aws' } }, /uses exec/],
    ['a token file', { context: 'prod-reader' }, { 'token-file': '/var/run/token' }, /uses token-file/],
  ])('refuses a kubeconfig with %s', async (_, settings, user, message) => {
    const { read, context, api } = await setup({ objects: objectsOf(syntheticCluster) });
    const config = kubeconfig(api.server, pki.caPem, Object.keys(user).length > 0 ? user : { token: bearer });

    const failure = read(context({ cluster: 'prod', ...settings }, { kubeconfig: stringify(config) }));

    await expect(failure).rejects.toBeInstanceOf(UnreadableInputError);
    await expect(failure).rejects.toThrow(message);
  });

  it.each([
    ['no credentials at all', {}, {}, /needs a kubeconfig/],
    ['a plain-HTTP server', { server: 'http://127.0.0.1:8080' }, { token: bearer }, /must be https/],
  ])('says what is missing for %s', async (_, settings, secrets, message) => {
    const { read, context } = await setup({ objects: [] });

    await expect(read(context(settings, secrets))).rejects.toThrow(message);
  });
});

describe('kubernetes live: connection test', () => {
  it('reads the version and one ServiceAccount', async () => {
    const { api } = await setup({ objects: objectsOf(syntheticCluster) });

    const result = await testKubernetesConnection(
      { server: api.server },
      { token: bearer, caCert: pki.caPem },
      new AbortController().signal,
    );

    expect(result).toEqual({
      ok: true,
      message: 'Kubernetes v1.31.2 accepted the credentials and lets them list ServiceAccounts',
    });
    expect(api.requests).toEqual(['GET /version', 'GET /api/v1/serviceaccounts?limit=1']);
  });

  it.each([
    ['a wrong token', { token: 'wrong-token-value', caCert: 'ca' }, [], /refused the credentials \(401/],
    [
      'credentials that may not list ServiceAccounts',
      { token: bearer, caCert: 'ca' },
      ['serviceaccounts'],
      /may not list serviceaccounts/,
    ],
    [
      'a CA that does not sign the server',
      { token: bearer, caCert: 'other' },
      [],
      /certificate the given CA does not sign/,
    ],
  ])('fails with %s, saying why', async (_, secrets, forbidden, message) => {
    const { api } = await setup({ objects: objectsOf(syntheticCluster), forbidden });
    const caCert = secrets.caCert === 'ca' ? pki.caPem : otherPki.caPem;

    const result = await testKubernetesConnection(
      { server: api.server },
      { ...secrets, caCert },
      new AbortController().signal,
    );

    expect(result.ok).toBe(false);
    expect(result.message).toMatch(message);
    expect(result.message).not.toContain(secrets.token);
  });
});
