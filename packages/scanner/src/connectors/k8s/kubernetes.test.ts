import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sharedFixture, sharedFixturesPresent } from '../../testing/shared-fixtures.ts';
import { readKubernetes } from './kubernetes.ts';

const options = {
  cluster: 'prod',
  fingerprint: async (secret: string) => createHash('sha256').update(secret).digest('hex'),
};
const read = (input: string) => readKubernetes(input, options);
const kindsOf = (nhi: { facts: { kind: string }[] } | undefined) =>
  [...new Set(nhi?.facts.map((f) => f.kind))].sort();
const serviceAccount = (namespace: string, name: string) =>
  `---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n`;

describe.skipIf(!sharedFixturesPresent)('kubernetes: rbac-tool samples', () => {
  it('reports both RoleBindings to the missing ServiceAccount example-user as orphaned', async () => {
    const output = await read(sharedFixture('k8s/rbac-tool-rolebindings-missing-service-account.yaml'));

    expect(output.nhis).toEqual([]);
    expect(output.looseFacts.map((fact) => [fact.kind, fact.subject])).toEqual([
      ['k8s.orphaned_binding', 'prod/mynamespace/example-user|RoleBinding mynamespace/example-rolebinding-1'],
      ['k8s.orphaned_binding', 'prod/mynamespace/example-user|RoleBinding mynamespace/example-rolebinding-2'],
    ]);
  });

  it('finds the secret reader once its ServiceAccount exists, and flags the binding as orphaned before', async () => {
    const manifest = sharedFixture('k8s/rbac-tool-secret-reader.yaml');
    const orphaned = await read(manifest);
    expect(orphaned.looseFacts[0]?.evidence).toMatchObject({ wouldGrant: ['k8s.secrets_read'] });

    const output = await read(`${manifest}\n${serviceAccount('test', 'test-secret-reader-sa')}`);

    expect(output.nhis.map((nhi) => nhi.name)).toEqual(['test/test-secret-reader-sa']);
    expect(kindsOf(output.nhis[0])).toEqual(['k8s.secrets_read']);
    expect(output.nhis[0]?.permissions).toEqual([
      expect.objectContaining({
        binding: 'RoleBinding test/read-secrets',
        role: 'ClusterRole test-secret-reader',
        scope: 'test',
      }),
    ]);
  });

  it('flags pod creation rights of test-pod-creator-sa', async () => {
    const output = await read(
      `${sharedFixture('k8s/rbac-tool-pod-creator.yaml')}\n${serviceAccount('test', 'test-pod-creator-sa')}`,
    );

    expect(kindsOf(output.nhis[0])).toEqual(['k8s.workload_create']);
  });

  it('ignores bindings of users and groups: impersonator grants no ServiceAccount anything', async () => {
    const output = await read(sharedFixture('k8s/rbac-tool-impersonator.yaml'));

    expect(output).toMatchObject({ nhis: [], looseFacts: [], warnings: [] });
  });
});

describe('kubernetes: synthetic cluster', () => {
  const cluster = `
apiVersion: v1
kind: ServiceAccount
metadata: { name: deployer, namespace: ci, creationTimestamp: "2024-01-01T00:00:00Z" }
---
apiVersion: v1
kind: ServiceAccount
metadata: { name: default, namespace: ci }
---
apiVersion: v1
kind: Secret
type: kubernetes.io/service-account-token
metadata:
  name: deployer-token
  namespace: ci
  annotations: { kubernetes.io/service-account.name: deployer }
data: { token: ${Buffer.from('eyJhbGciOi.fake.token').toString('base64')} }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: deployer-admin }
roleRef: { kind: ClusterRole, name: cluster-admin, apiGroup: rbac.authorization.k8s.io }
subjects: [{ kind: ServiceAccount, name: deployer, namespace: ci }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: debugger, namespace: ci }
rules:
  - { apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] }
  - { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["bind", "escalate"] }
  - { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["impersonate"] }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: default-debug, namespace: ci }
roleRef: { kind: Role, name: debugger }
subjects: [{ kind: ServiceAccount, name: default }]
`;
  const workloads = ['a', 'b', 'c']
    .map(
      (name) =>
        `---\napiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${name}, namespace: ci }\nspec:\n  template:\n    spec: { serviceAccountName: deployer }\n`,
    )
    .join('');

  it('resolves cluster-admin, legacy token Secrets and shared use of a ServiceAccount', async () => {
    const output = await read(`${cluster}\n${workloads}`);
    const deployer = output.nhis.find((nhi) => nhi.name === 'ci/deployer');

    // cluster-admin allows everything, so every right-based observation applies too.
    expect(kindsOf(deployer)).toEqual([
      'k8s.bind_escalate',
      'k8s.cluster_admin',
      'k8s.impersonate',
      'k8s.legacy_token_secret',
      'k8s.pods_exec',
      'k8s.sa_shared_by_workloads',
      'k8s.secrets_read',
      'k8s.wildcard_rule',
      'k8s.workload_create',
    ]);
    expect(deployer?.externalId).toBe('prod/ci/deployer');
    expect(deployer?.credentials).toEqual([
      expect.objectContaining({
        key: 'secret/deployer-token',
        kind: 'token',
        fingerprint: await options.fingerprint('eyJhbGciOi.fake.token'),
      }),
    ]);
    expect(JSON.stringify(output)).not.toContain('eyJhbGciOi.fake.token');
  });

  it('flags exec, bind/escalate and impersonate rights, and a default ServiceAccount with bindings', async () => {
    const output = await read(cluster);

    expect(kindsOf(output.nhis.find((nhi) => nhi.name === 'ci/default'))).toEqual([
      'k8s.bind_escalate',
      'k8s.default_sa_bound',
      'k8s.impersonate',
      'k8s.pods_exec',
    ]);
  });

  it('reads kubectl JSON lists', async () => {
    const list = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: 'apps' } }],
    });
    const typed = JSON.stringify({
      kind: 'ServiceAccountList',
      items: [{ metadata: { name: 'other', namespace: 'apps' } }],
    });

    const output = await read(`${list}\n---\n${typed}`);

    expect(output.nhis.map((nhi) => nhi.name)).toEqual(['apps/robot', 'apps/other']);
  });

  it('reports unreadable and empty documents as warnings and reads the rest', async () => {
    const output = await read(
      `---\n---\nkind: ServiceAccount\nmetadata: {}\n---\n: : bad yaml [\n${serviceAccount('x', 'ok')}`,
    );

    expect(output.nhis.map((nhi) => nhi.name)).toEqual(['x/ok']);
    expect(output.warnings.map((w) => w.message)).toEqual([
      'has no kind or metadata.name',
      expect.stringMatching(/./),
    ]);
  });

  it('reads a large manifest of 5000 ServiceAccounts', async () => {
    const manifest = Array.from({ length: 5000 }, (_, i) => serviceAccount('bulk', `sa-${i}`)).join('');

    const output = await read(manifest);

    expect(output.nhis).toHaveLength(5000);
  });
});
