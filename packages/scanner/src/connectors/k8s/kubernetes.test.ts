import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sharedFixture, sharedFixturesPresent } from '../../testing/shared-fixtures.ts';
import { UnreadableInputError } from '../connector.ts';
import { readKubernetes } from './kubernetes.ts';
import type { Rule } from './rbac.ts';

const options = {
  cluster: 'prod',
  fingerprint: async (secret: string) => createHash('sha256').update(secret).digest('hex'),
};
const read = (input: string) => readKubernetes(input, options);
const kindsOf = (facts: { kind: string }[] | undefined) => [...new Set(facts?.map((f) => f.kind))].sort();
const serviceAccount = (namespace: string, name: string, extra = '') =>
  `---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n${extra}`;
type Output = Awaited<ReturnType<typeof read>>;
/** Facts recorded when the inventory has no such identity: orphaned bindings. */
const orphansOf = (output: Output) => output.looseFacts.filter((fact) => fact.when === 'unknown');
/** Facts recorded on the inventory's identity when it has one. */
const ifKnownOf = (output: Output) => output.looseFacts.filter((fact) => fact.when === 'known');
/** Facts about no identity at all: users and groups. */
const principalsOf = (output: Output) => output.looseFacts.filter((fact) => !fact.about);

/** ServiceAccount ci/robot bound to a role of these rules, by a RoleBinding in ci or a ClusterRoleBinding. */
function bound(rules: Rule[], scope: 'namespace' | 'cluster', extra = '') {
  const binding =
    scope === 'cluster'
      ? 'kind: ClusterRoleBinding\nmetadata: { name: robot-binding }'
      : 'kind: RoleBinding\nmetadata: { name: robot-binding, namespace: ci }';
  return `${serviceAccount('ci', 'robot')}---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: robot-role }
rules: ${JSON.stringify(rules)}
---
apiVersion: rbac.authorization.k8s.io/v1
${binding}
roleRef: { kind: ClusterRole, name: robot-role, apiGroup: rbac.authorization.k8s.io }
subjects: [{ kind: ServiceAccount, name: robot, namespace: ci }]
${extra}`;
}

async function robot(input: string) {
  const output = await read(input);
  return output.nhis.find((nhi) => nhi.name === 'ci/robot');
}

describe.skipIf(!sharedFixturesPresent)('kubernetes: rbac-tool samples', () => {
  it('reports both RoleBindings to the missing ServiceAccount example-user as orphaned', async () => {
    const output = await read(sharedFixture('k8s/rbac-tool-rolebindings-missing-service-account.yaml'));

    expect(output.nhis).toEqual([]);
    expect(ifKnownOf(output)).toEqual([]);
    expect(orphansOf(output).map((fact) => [fact.kind, fact.subject, fact.about])).toEqual([
      [
        'k8s.orphaned_binding',
        'prod/mynamespace/example-user|RoleBinding mynamespace/example-rolebinding-1',
        { provider: 'kubernetes', externalId: 'prod/mynamespace/example-user' },
      ],
      [
        'k8s.orphaned_binding',
        'prod/mynamespace/example-user|RoleBinding mynamespace/example-rolebinding-2',
        { provider: 'kubernetes', externalId: 'prod/mynamespace/example-user' },
      ],
    ]);
  });

  it('finds the secret reader once its ServiceAccount exists, and flags the binding as orphaned before', async () => {
    const manifest = sharedFixture('k8s/rbac-tool-secret-reader.yaml');
    const orphaned = await read(manifest);
    expect(orphansOf(orphaned)[0]?.evidence).toMatchObject({ wouldGrant: ['k8s.secrets_read'] });
    expect(ifKnownOf(orphaned).map((fact) => [fact.kind, fact.subject])).toEqual([
      ['k8s.secrets_read', 'prod/test/test-secret-reader-sa|RoleBinding test/read-secrets'],
    ]);

    const output = await read(`${manifest}\n${serviceAccount('test', 'test-secret-reader-sa')}`);

    expect(output.nhis.map((nhi) => nhi.name)).toEqual(['test/test-secret-reader-sa']);
    expect(kindsOf(output.nhis[0]?.facts)).toEqual(['k8s.secrets_read']);
    expect(output.nhis[0]?.permissions).toEqual([
      expect.objectContaining({
        binding: 'RoleBinding test/read-secrets',
        role: 'ClusterRole test-secret-reader',
        scope: 'test',
      }),
    ]);
  });

  it('reports the user test-secret-reader as reading the Secrets of namespace test', async () => {
    const output = await read(sharedFixture('k8s/rbac-tool-secret-reader.yaml'));

    expect(principalsOf(output)).toEqual([
      {
        kind: 'k8s.secrets_read',
        subject: 'prod/User test-secret-reader|RoleBinding test/read-secrets',
        evidence: {
          binding: 'RoleBinding test/read-secrets',
          role: 'ClusterRole test-secret-reader',
          scope: 'test',
          rule: { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'watch', 'list'] },
          reason:
            'get, list, watch on secrets in namespace test: reads its Secrets, service account tokens included',
        },
      },
    ]);
  });

  it('flags pod creation rights of test-pod-creator-sa, its user and its group', async () => {
    const manifest = sharedFixture('k8s/rbac-tool-pod-creator.yaml');
    const output = await read(`${manifest}\n${serviceAccount('test', 'test-pod-creator-sa')}`);

    expect(kindsOf(output.nhis[0]?.facts)).toEqual(['k8s.workload_create']);
    expect(principalsOf(output).map((fact) => [fact.kind, fact.subject])).toEqual([
      ['k8s.workload_create', 'prod/User test-pod-creator-user|RoleBinding test/pod-creator'],
      ['k8s.workload_create', 'prod/Group test-pod-creator-group|RoleBinding test/pod-creator'],
    ]);
  });

  it('reports the impersonator user: a RoleBinding lets it impersonate the ServiceAccounts of test only', async () => {
    const output = await read(sharedFixture('k8s/rbac-tool-impersonator.yaml'));

    expect(output).toMatchObject({ nhis: [], warnings: [] });
    expect(output.looseFacts.map((fact) => [fact.kind, fact.subject, fact.evidence.reason])).toEqual([
      [
        'k8s.impersonate',
        'prod/User test-impersonator-user|RoleBinding test/impersonator',
        'impersonate on serviceaccounts in namespace test: acts as another user, group or ServiceAccount',
      ],
    ]);
  });
});

describe('kubernetes: dangerous rights, rule by rule', () => {
  const core = (resources: string[], verbs: string[], extra: Partial<Rule> = {}): Rule => ({
    apiGroups: [''],
    resources,
    verbs,
    ...extra,
  });
  const group = (apiGroup: string, resources: string[], verbs: string[]): Rule => ({
    apiGroups: [apiGroup],
    resources,
    verbs,
  });
  const all: Rule = { apiGroups: ['*'], resources: ['*'], verbs: ['*'] };
  const cases: [string, 'namespace' | 'cluster', Rule[], string[]][] = [
    // Secrets: reading every Secret of the scope; named Secrets are not.
    ['get secrets in a namespace', 'namespace', [core(['secrets'], ['get'])], ['k8s.secrets_read']],
    ['watch secrets in a namespace', 'namespace', [core(['secrets'], ['watch'])], ['k8s.secrets_read']],
    ['list secrets cluster-wide', 'cluster', [core(['secrets'], ['list'])], ['k8s.secrets_read_cluster']],
    ['secrets of a named group are not core secrets', 'cluster', [group('apps', ['secrets'], ['list'])], []],
    ['named secrets only', 'namespace', [core(['secrets'], ['get'], { resourceNames: ['app-tls'] })], []],
    [
      'named secrets only, cluster-wide',
      'cluster',
      [core(['secrets'], ['get'], { resourceNames: ['x'] })],
      [],
    ],
    ['update of secrets reads none', 'namespace', [core(['secrets'], ['update', 'create'])], []],
    [
      'every verb on secrets',
      'namespace',
      [core(['secrets'], ['*'])],
      ['k8s.secrets_read', 'k8s.wildcard_rule'],
    ],
    // Exec and attach: create, or get (WebSocket before Kubernetes 1.35).
    ['create pods/exec', 'namespace', [core(['pods/exec'], ['create'])], ['k8s.pods_exec']],
    ['get pods/exec', 'namespace', [core(['pods/exec'], ['get'])], ['k8s.pods_exec']],
    ['create pods/attach', 'namespace', [core(['pods/attach'], ['create'])], ['k8s.pods_exec']],
    ['exec of any resource (*/exec)', 'namespace', [core(['*/exec'], ['create'])], ['k8s.pods_exec']],
    [
      'exec in named pods',
      'namespace',
      [core(['pods/exec'], ['create'], { resourceNames: ['db-0'] })],
      ['k8s.pods_exec'],
    ],
    ['pods/* is no wildcard to the API server', 'namespace', [core(['pods/*'], ['create'])], []],
    [
      'pods does not cover pods/exec',
      'namespace',
      [core(['pods'], ['*'])],
      ['k8s.wildcard_rule', 'k8s.workload_create'],
    ],
    ['list pods/exec', 'namespace', [core(['pods/exec'], ['list'])], []],
    // Workloads: create in their own API groups.
    ['create pods', 'namespace', [core(['pods'], ['create'])], ['k8s.workload_create']],
    ['get pods', 'namespace', [core(['pods'], ['get', 'list'])], []],
    [
      'create deployments in apps',
      'namespace',
      [group('apps', ['deployments'], ['create'])],
      ['k8s.workload_create'],
    ],
    [
      'create deployments in extensions',
      'namespace',
      [group('extensions', ['deployments'], ['create'])],
      ['k8s.workload_create'],
    ],
    ['deployments are not core', 'namespace', [core(['deployments'], ['create'])], []],
    [
      'statefulsets were never in extensions',
      'namespace',
      [group('extensions', ['statefulsets'], ['create'])],
      [],
    ],
    [
      'create cronjobs in batch',
      'namespace',
      [group('batch', ['cronjobs'], ['create'])],
      ['k8s.workload_create'],
    ],
    [
      'create replicationcontrollers',
      'namespace',
      [core(['replicationcontrollers'], ['create'])],
      ['k8s.workload_create'],
    ],
    [
      'update of deployments creates none',
      'namespace',
      [group('apps', ['deployments'], ['update', 'patch'])],
      [],
    ],
    [
      'create cannot be limited to names',
      'namespace',
      [core(['pods'], ['create'], { resourceNames: ['x'] })],
      [],
    ],
    // Bind and escalate on roles of rbac.authorization.k8s.io.
    [
      'bind roles',
      'namespace',
      [group('rbac.authorization.k8s.io', ['roles'], ['bind'])],
      ['k8s.bind_escalate'],
    ],
    [
      'escalate clusterroles',
      'cluster',
      [group('rbac.authorization.k8s.io', ['clusterroles'], ['escalate'])],
      ['k8s.bind_escalate'],
    ],
    ['bind in the core group', 'namespace', [core(['roles'], ['bind'])], []],
    [
      'create rolebindings',
      'namespace',
      [group('rbac.authorization.k8s.io', ['rolebindings'], ['create'])],
      [],
    ],
    // Impersonation: users and groups are cluster-scoped, a RoleBinding grants ServiceAccounts only.
    [
      'impersonate serviceaccounts',
      'namespace',
      [core(['serviceaccounts'], ['impersonate'])],
      ['k8s.impersonate'],
    ],
    ['impersonate users cluster-wide', 'cluster', [core(['users'], ['impersonate'])], ['k8s.impersonate']],
    [
      'impersonate users through a RoleBinding',
      'namespace',
      [core(['users', 'groups'], ['impersonate'])],
      [],
    ],
    [
      'impersonate a named group',
      'cluster',
      [core(['groups'], ['impersonate'], { resourceNames: ['system:masters'] })],
      ['k8s.impersonate'],
    ],
    // nodes/proxy: the kubelet API, cluster-scoped.
    ['get nodes/proxy', 'cluster', [core(['nodes/proxy'], ['get'])], ['k8s.nodes_proxy']],
    ['create nodes/proxy', 'cluster', [core(['nodes/proxy'], ['create'])], ['k8s.nodes_proxy']],
    ['nodes/proxy through a RoleBinding', 'namespace', [core(['nodes/proxy'], ['get'])], []],
    ['get nodes', 'cluster', [core(['nodes'], ['get', 'list'])], []],
    // Tokens of ServiceAccounts.
    [
      'create serviceaccounts/token',
      'namespace',
      [core(['serviceaccounts/token'], ['create'])],
      ['k8s.token_create'],
    ],
    ['create serviceaccounts', 'namespace', [core(['serviceaccounts'], ['create'])], []],
    // Certificate signing requests: approval and a signer, both needed.
    [
      'approve certificate signing requests',
      'cluster',
      [
        group('certificates.k8s.io', ['certificatesigningrequests/approval'], ['update']),
        group('certificates.k8s.io', ['signers'], ['approve']),
      ],
      ['k8s.csr_approve'],
    ],
    [
      'approval without a signer',
      'cluster',
      [group('certificates.k8s.io', ['certificatesigningrequests/approval'], ['update'])],
      [],
    ],
    ['a signer without approval', 'cluster', [group('certificates.k8s.io', ['signers'], ['approve'])], []],
    // Wildcards.
    ['everything cluster-wide is cluster-admin alone', 'cluster', [all], ['k8s.cluster_admin']],
    [
      'everything in a namespace is its admin, right by right',
      'namespace',
      [all],
      [
        'k8s.bind_escalate',
        'k8s.impersonate',
        'k8s.pods_exec',
        'k8s.secrets_read',
        'k8s.token_create',
        'k8s.wildcard_rule',
        'k8s.workload_create',
      ],
    ],
    [
      'every resource of the core group, read-only, includes secrets and exec (get)',
      'namespace',
      [core(['*'], ['get'])],
      ['k8s.pods_exec', 'k8s.secrets_read', 'k8s.wildcard_rule'],
    ],
    ['every verb on configmaps', 'namespace', [core(['configmaps'], ['*'])], ['k8s.wildcard_rule']],
    ['every non-resource URL', 'cluster', [{ nonResourceURLs: ['*'], verbs: ['*'] }], []],
  ];

  it.each(cases)('%s (%s)', async (_name, scope, rules, expected) => {
    const account = await robot(bound(rules, scope));

    expect(kindsOf(account?.facts)).toEqual(expected);
  });

  it('names the binding, role, scope, rule and reason in the evidence, with the pods carrying the token', async () => {
    const rule = core(['secrets'], ['list', 'watch']);
    const deployment = `---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ci }
spec: { template: { spec: { serviceAccountName: robot } } }
`;
    const account = await robot(bound([rule], 'cluster', deployment));

    expect(account?.facts).toEqual([
      {
        kind: 'k8s.secrets_read_cluster',
        subject: 'prod/ci/robot|ClusterRoleBinding robot-binding',
        evidence: {
          binding: 'ClusterRoleBinding robot-binding',
          role: 'ClusterRole robot-role',
          scope: 'cluster',
          rule,
          reason:
            'list, watch on secrets in every namespace: reads its Secrets, service account tokens included',
          mountedBy: ['Deployment web'],
        },
      },
    ]);
  });

  it('names the objects a rule is limited to', async () => {
    const account = await robot(
      bound([core(['pods/exec'], ['create'], { resourceNames: ['db-0', 'db-1'] })], 'namespace'),
    );

    expect(account?.facts[0]?.evidence).toMatchObject({
      limitedTo: ['db-0', 'db-1'],
      reason:
        "create on pods/exec (only db-0, db-1) in namespace ci: runs commands in pods, with their ServiceAccounts' tokens",
    });
  });

  it('reports one fact per right and binding, whatever the number of rules giving it', async () => {
    const account = await robot(
      bound([core(['pods'], ['create']), group('apps', ['deployments'], ['create'])], 'namespace'),
    );

    expect(account?.facts.map((fact) => fact.subject)).toEqual([
      'prod/ci/robot|RoleBinding ci/robot-binding',
    ]);
  });

  it('lets cluster-admin stand for every other right of the account, and cluster-wide Secrets for a namespace', async () => {
    const other = `---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: debug, namespace: ci }
roleRef: { kind: ClusterRole, name: debugger }
subjects: [{ kind: ServiceAccount, name: robot, namespace: ci }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: debugger }
rules: [{ apiGroups: [""], resources: ["pods/exec", "secrets"], verbs: ["create", "get"] }]
`;
    const admin = await robot(bound([all], 'cluster', other));
    const reader = await robot(bound([core(['secrets'], ['list'])], 'cluster', other));

    expect(kindsOf(admin?.facts)).toEqual(['k8s.cluster_admin']);
    expect(kindsOf(reader?.facts)).toEqual(['k8s.pods_exec', 'k8s.secrets_read_cluster']);
  });
});

describe('kubernetes: roles resolved like the API server', () => {
  const bindTo = (role: string, scope: 'namespace' | 'cluster' = 'cluster') =>
    `${serviceAccount('ci', 'robot')}---
apiVersion: rbac.authorization.k8s.io/v1
${scope === 'cluster' ? 'kind: ClusterRoleBinding\nmetadata: { name: b }' : 'kind: RoleBinding\nmetadata: { name: b, namespace: ci }'}
roleRef: { kind: ClusterRole, name: ${role} }
subjects: [{ kind: ServiceAccount, name: robot, namespace: ci }]
`;

  it('aggregates the rules of the ClusterRoles its selectors pick (matchLabels and matchExpressions)', async () => {
    const roles = `---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: { name: monitoring }
aggregationRule:
  clusterRoleSelectors:
    - matchLabels: { example.com/aggregate-to-monitoring: "true" }
    - matchExpressions: [{ key: tier, operator: In, values: [debug] }]
rules: []
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: { name: secrets-part, labels: { example.com/aggregate-to-monitoring: "true" } }
rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["list"] }]
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: { name: exec-part, labels: { tier: debug } }
rules: [{ apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] }]
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: { name: not-picked, labels: { tier: prod } }
rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["create"] }]
`;
    const account = await robot(`${bindTo('monitoring')}${roles}`);

    expect(kindsOf(account?.facts)).toEqual(['k8s.pods_exec', 'k8s.secrets_read_cluster']);
    expect(account?.metadata?.kubernetes).toMatchObject({ unresolvedRoles: [] });
  });

  it.each([
    [
      'edit',
      'namespace',
      ['k8s.impersonate', 'k8s.pods_exec', 'k8s.secrets_read', 'k8s.token_create', 'k8s.workload_create'],
    ],
    [
      'admin',
      'namespace',
      ['k8s.impersonate', 'k8s.pods_exec', 'k8s.secrets_read', 'k8s.token_create', 'k8s.workload_create'],
    ],
    ['view', 'namespace', []],
    ['cluster-admin', 'cluster', ['k8s.cluster_admin']],
    ['system:node', 'cluster', ['k8s.secrets_read_cluster', 'k8s.token_create', 'k8s.workload_create']],
    ['system:kubelet-api-admin', 'cluster', ['k8s.nodes_proxy', 'k8s.wildcard_rule']],
    [
      'system:kube-controller-manager',
      'cluster',
      ['k8s.secrets_read_cluster', 'k8s.token_create', 'k8s.wildcard_rule'],
    ],
    ['system:discovery', 'cluster', []],
  ] as const)('knows the default ClusterRole %s without its manifest (%s)', async (role, scope, expected) => {
    const account = await robot(bindTo(role, scope));

    expect(kindsOf(account?.facts)).toEqual(expected);
    expect(account?.metadata?.kubernetes).toMatchObject({ unresolvedRoles: [] });
  });

  it('reads the input version of a default ClusterRole rather than its own', async () => {
    const narrowed = `---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: { name: system:node }
rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get"] }]
`;
    expect((await robot(`${bindTo('system:node')}${narrowed}`))?.facts).toEqual([]);
  });

  it('keeps a role it cannot resolve as unresolved, with no facts', async () => {
    const account = await robot(bindTo('made-up'));

    expect(account?.facts).toEqual([]);
    expect(account?.metadata?.kubernetes).toMatchObject({ unresolvedRoles: ['ClusterRole made-up'] });
  });
});

describe('kubernetes: users, groups and the groups of ServiceAccounts', () => {
  const binding = (subjects: string, rules: Rule[], extra = '') => `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: reader }
rules: ${JSON.stringify(rules)}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: readers${extra} }
roleRef: { kind: ClusterRole, name: reader }
subjects: ${subjects}
`;
  const secrets: Rule[] = [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }];

  it('reports every authenticated caller reading Secrets, naming whom it covers', async () => {
    const output = await read(
      `${serviceAccount('ci', 'robot')}${serviceAccount('web', 'app')}${binding('[{ kind: Group, name: "system:authenticated" }]', secrets)}`,
    );

    expect(output.looseFacts).toEqual([
      expect.objectContaining({
        kind: 'k8s.secrets_read_cluster',
        subject: 'prod/Group system:authenticated|ClusterRoleBinding readers',
        evidence: expect.objectContaining({
          covers: 'every authenticated user and every ServiceAccount',
          serviceAccounts: ['ci/robot', 'web/app'],
          serviceAccountCount: 2,
        }),
      }),
    ]);
    // The binding itself is one fact about the group; each covered ServiceAccount holds the right too.
    expect(output.nhis.map((nhi) => [nhi.name, kindsOf(nhi.facts)])).toEqual([
      ['ci/robot', ['k8s.secrets_read_cluster']],
      ['web/app', ['k8s.secrets_read_cluster']],
    ]);
  });

  it.each([
    ['system:serviceaccounts:ci', 'every ServiceAccount of namespace ci', ['ci/robot']],
    ['system:serviceaccounts', 'every ServiceAccount of the cluster', ['ci/robot', 'web/app']],
  ])('says which ServiceAccounts %s covers', async (group, covers, accounts) => {
    const output = await read(
      `${serviceAccount('ci', 'robot')}${serviceAccount('web', 'app')}${binding(`[{ kind: Group, name: "${group}" }]`, secrets)}`,
    );

    expect(output.looseFacts[0]?.evidence).toMatchObject({ covers, serviceAccounts: accounts });
  });

  it.each([
    ['Group', 'system:unauthenticated'],
    ['User', 'system:anonymous'],
  ])('reports anonymous access for %s %s, and gives it to no ServiceAccount', async (kind, name) => {
    const output = await read(
      `${serviceAccount('ci', 'robot')}${binding(`[{ kind: ${kind}, name: "${name}" }]`, secrets)}`,
    );

    expect(output.looseFacts).toEqual([
      expect.objectContaining({
        kind: 'k8s.secrets_read_cluster',
        subject: `prod/${kind} ${name}|ClusterRoleBinding readers`,
        evidence: expect.objectContaining({
          covers: 'anonymous requests: anyone who reaches the API server',
          anonymous: true,
        }),
      }),
    ]);
    expect(output.nhis[0]?.facts).toEqual([]);
  });

  it('leaves out the cluster bootstrap defaults for its own users and groups', async () => {
    const defaults = `---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: system:kube-controller-manager
  labels: { kubernetes.io/bootstrapping: rbac-defaults }
roleRef: { kind: ClusterRole, name: system:kube-controller-manager }
subjects: [{ kind: User, name: system:kube-controller-manager }]
`;
    expect((await read(defaults)).looseFacts).toEqual([]);
  });

  it('warns about a ServiceAccount bound cluster-wide without a namespace', async () => {
    const output = await read(binding('[{ kind: ServiceAccount, name: robot }]', secrets));

    expect(output.warnings).toEqual([
      { item: 'ClusterRoleBinding readers', message: 'ServiceAccount robot without a namespace' },
    ]);
  });
});

describe('kubernetes: rights ServiceAccounts hold through their groups', () => {
  const role = (name: string, rules: Rule[]) =>
    `---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: ${name} }\nrules: ${JSON.stringify(rules)}\n`;
  /** A ClusterRoleBinding, or a RoleBinding in `namespace`, of a ClusterRole to the subjects. */
  const bind = (name: string, roleName: string, subjects: string, namespace?: string) =>
    `---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ${namespace ? 'RoleBinding' : 'ClusterRoleBinding'}\nmetadata: { name: ${name}${namespace ? `, namespace: ${namespace}` : ''} }\nroleRef: { kind: ClusterRole, name: ${roleName} }\nsubjects: ${subjects}\n`;
  const group = (name: string) => `[{ kind: Group, name: "${name}" }]`;
  const accounts = `${serviceAccount('ci', 'robot')}${serviceAccount('web', 'app')}`;
  const secrets: Rule[] = [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'list'] }];
  const exec: Rule[] = [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }];
  const all: Rule[] = [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }];
  const factsOf = (output: Output, name: string) => output.nhis.find((nhi) => nhi.name === name)?.facts;

  it.each([
    ['system:serviceaccounts', undefined, 'k8s.secrets_read_cluster', ['ci/robot', 'web/app']],
    ['system:authenticated', undefined, 'k8s.secrets_read_cluster', ['ci/robot', 'web/app']],
    ['system:serviceaccounts:ci', undefined, 'k8s.secrets_read_cluster', ['ci/robot']],
    ['system:serviceaccounts', 'web', 'k8s.secrets_read', ['ci/robot', 'web/app']],
    ['system:serviceaccounts:ci', 'web', 'k8s.secrets_read', ['ci/robot']],
    ['system:serviceaccounts:web', undefined, 'k8s.secrets_read_cluster', ['web/app']],
    ['system:serviceaccounts:c', undefined, 'k8s.secrets_read_cluster', []],
    ['system:unauthenticated', undefined, 'k8s.secrets_read_cluster', []],
    ['system:masters', undefined, 'k8s.secrets_read_cluster', []],
  ])('a binding of %s (RoleBinding in %s) gives %s to %j', async (name, namespace, kind, covered) => {
    const output = await read(
      `${accounts}${role('reader', secrets)}${bind('readers', 'reader', group(name), namespace)}`,
    );

    for (const account of ['ci/robot', 'web/app'])
      expect(kindsOf(factsOf(output, account))).toEqual(covered.includes(account) ? [kind] : []);
    // The binding itself stays one fact about the group.
    expect(output.looseFacts.map((fact) => [fact.kind, fact.subject])).toEqual([
      [kind, `prod/Group ${name}|${namespace ? `RoleBinding ${namespace}/` : 'ClusterRoleBinding '}readers`],
    ]);
  });

  it('names the group, the binding and the role in the evidence of the covered ServiceAccount', async () => {
    const output = await read(
      `${accounts}${role('debugger', exec)}${bind('debug', 'debugger', group('system:serviceaccounts'), 'web')}`,
    );

    expect(factsOf(output, 'ci/robot')).toEqual([
      {
        kind: 'k8s.pods_exec',
        subject: 'prod/ci/robot|RoleBinding web/debug',
        evidence: {
          binding: 'RoleBinding web/debug',
          role: 'ClusterRole debugger',
          scope: 'web',
          rule: exec[0],
          reason:
            "create on pods/exec in namespace web: runs commands in pods, with their ServiceAccounts' tokens",
          via: 'group system:serviceaccounts',
          mountedBy: [],
        },
      },
    ]);
    expect(output.nhis.find((nhi) => nhi.name === 'ci/robot')?.permissions).toEqual([
      expect.objectContaining({ binding: 'RoleBinding web/debug', via: 'group system:serviceaccounts' }),
    ]);
  });

  it.each([
    [
      'cluster-admin by name stands for the rights of its groups',
      `${role('admin-all', all)}${bind('admins', 'admin-all', '[{ kind: ServiceAccount, name: robot, namespace: ci }]')}${role('debugger', exec)}${bind('debug', 'debugger', group('system:serviceaccounts'))}`,
      [['k8s.cluster_admin', 'prod/ci/robot|ClusterRoleBinding admins', undefined]],
    ],
    [
      'cluster-admin through a group stands for the rights it holds by name',
      `${role('admin-all', all)}${bind('admins', 'admin-all', group('system:serviceaccounts:ci'))}${role('debugger', exec)}${bind('debug', 'debugger', '[{ kind: ServiceAccount, name: robot, namespace: ci }]', 'ci')}`,
      [['k8s.cluster_admin', 'prod/ci/robot|ClusterRoleBinding admins', 'group system:serviceaccounts:ci']],
    ],
    [
      "every namespace's Secrets through a group stand for one namespace's by name",
      `${role('reader', secrets)}${bind('everyone', 'reader', group('system:authenticated'))}${bind('own', 'reader', '[{ kind: ServiceAccount, name: robot, namespace: ci }]', 'ci')}`,
      [
        [
          'k8s.secrets_read_cluster',
          'prod/ci/robot|ClusterRoleBinding everyone',
          'group system:authenticated',
        ],
      ],
    ],
    [
      'a binding naming both the account and its group is one fact, held by name',
      `${role('reader', secrets)}${bind('readers', 'reader', '[{ kind: ServiceAccount, name: robot, namespace: ci }, { kind: Group, name: "system:serviceaccounts" }]')}`,
      [['k8s.secrets_read_cluster', 'prod/ci/robot|ClusterRoleBinding readers', undefined]],
    ],
    [
      'two groups in one binding are one fact',
      `${role('reader', secrets)}${bind('readers', 'reader', '[{ kind: Group, name: "system:serviceaccounts" }, { kind: Group, name: "system:authenticated" }]')}`,
      [
        [
          'k8s.secrets_read_cluster',
          'prod/ci/robot|ClusterRoleBinding readers',
          'group system:serviceaccounts',
        ],
      ],
    ],
  ])('%s', async (_name, input, expected) => {
    const facts = factsOf(await read(`${accounts}${input}`), 'ci/robot');

    expect(facts?.map((fact) => [fact.kind, fact.subject, fact.evidence.via])).toEqual(expected);
  });

  it('gives the rights of its groups to a default ServiceAccount without calling it bound', async () => {
    const output = await read(
      `${serviceAccount('ci', 'default')}${role('reader', secrets)}${bind('readers', 'reader', group('system:serviceaccounts'))}`,
    );

    expect(kindsOf(factsOf(output, 'ci/default'))).toEqual(['k8s.secrets_read_cluster']);
  });

  it('gives group rights to the ServiceAccounts of the input only, not to those it merely binds', async () => {
    const output = await read(
      `${role('reader', secrets)}${bind('readers', 'reader', group('system:serviceaccounts'))}${role('debugger', exec)}${bind('debug', 'debugger', '[{ kind: ServiceAccount, name: builder }]', 'ci')}`,
    );

    expect(output.looseFacts.map((fact) => [fact.kind, fact.subject])).toEqual([
      ['k8s.pods_exec', 'prod/ci/builder|RoleBinding ci/debug'],
      ['k8s.orphaned_binding', 'prod/ci/builder|RoleBinding ci/debug'],
      ['k8s.secrets_read_cluster', 'prod/Group system:serviceaccounts|ClusterRoleBinding readers'],
    ]);
  });
});

describe('kubernetes: which workloads carry a ServiceAccount token', () => {
  const exec: Rule[] = [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }];
  const pod = (name: string, spec: string, extra = '') =>
    `---\napiVersion: v1\nkind: Pod\nmetadata: { name: ${name}, namespace: ci${extra} }\nspec: { serviceAccountName: robot${spec} }\n`;
  const projected =
    ', volumes: [{ name: token, projected: { sources: [{ serviceAccountToken: { path: token } }] } }]';

  it.each([
    ['a pod that says nothing mounts it', '', '', ['Pod p']],
    ['a pod that opts out does not', ', automountServiceAccountToken: false', '', []],
    ['an account that opts out: its pods do not', '', 'automountServiceAccountToken: false\n', []],
    [
      'the pod overrides the account',
      ', automountServiceAccountToken: true',
      'automountServiceAccountToken: false\n',
      ['Pod p'],
    ],
    [
      'a projected token volume mounts it anyway',
      `, automountServiceAccountToken: false${projected}`,
      '',
      ['Pod p'],
    ],
  ])('%s', async (_name, spec, account, expected) => {
    const input = bound(exec, 'namespace', pod('p', spec)).replace(
      serviceAccount('ci', 'robot'),
      serviceAccount('ci', 'robot', account),
    );
    const found = await robot(input);

    expect(found?.facts[0]?.evidence.mountedBy).toEqual(expected);
    expect(found?.metadata?.kubernetes).toMatchObject({ mountedBy: expected, workloads: ['Pod p'] });
  });

  it('counts a workload through its owner when the owner is in the input, and itself otherwise', async () => {
    const owned = `---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ci }
spec: { template: { spec: { serviceAccountName: robot } } }
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: { name: web-1, namespace: ci, ownerReferences: [{ kind: Deployment, name: web }] }
spec: { template: { spec: { serviceAccountName: robot } } }
${pod('web-1-x', '', ', ownerReferences: [{ kind: ReplicaSet, name: web-1 }]')}${pod('lone-x', '', ', ownerReferences: [{ kind: ReplicaSet, name: gone }]')}`;
    const found = await robot(bound(exec, 'namespace', owned));

    expect(found?.metadata?.kubernetes).toMatchObject({ workloads: ['Deployment web', 'Pod lone-x'] });
  });
});

describe('kubernetes: ServiceAccounts exported elsewhere', () => {
  const binding = (name: string) => `---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: b, namespace: ci }
roleRef: { kind: ClusterRole, name: edit }
subjects: [{ kind: ServiceAccount, name: ${name} }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: ci }
spec: { template: { spec: { serviceAccountName: ${name} } } }
`;

  it('names the identity by external id, with its facts and the orphaned binding in case it does not exist', async () => {
    const output = await read(binding('builder'));
    const about = { provider: 'kubernetes', externalId: 'prod/ci/builder' };

    expect(kindsOf(ifKnownOf(output))).toEqual([
      'k8s.impersonate',
      'k8s.pods_exec',
      'k8s.secrets_read',
      'k8s.token_create',
      'k8s.workload_create',
    ]);
    expect(ifKnownOf(output).find((fact) => fact.kind === 'k8s.secrets_read')).toMatchObject({
      subject: 'prod/ci/builder|RoleBinding ci/b',
      about,
      evidence: { serviceAccount: 'ci/builder', mountedBy: ['Deployment web'] },
    });
    expect(orphansOf(output)).toEqual([
      expect.objectContaining({
        kind: 'k8s.orphaned_binding',
        subject: 'prod/ci/builder|RoleBinding ci/b',
        about,
      }),
    ]);
  });

  it('never orphans a binding to the default ServiceAccount: every namespace has one', async () => {
    const output = await read(binding('default'));

    expect(orphansOf(output)).toEqual([]);
    // Neither known nor unknown: on the identity when there is one, about no identity otherwise.
    expect(output.looseFacts.every((fact) => fact.about && fact.when === undefined)).toBe(true);
    expect(kindsOf(output.looseFacts)).toContain('k8s.default_sa_bound');
  });
});

describe('kubernetes: inputs that are not Kubernetes', () => {
  it.each([
    ['an AWS authorization export', JSON.stringify({ UserDetailList: [], RoleDetailList: [], Policies: [] })],
    ['a gitleaks report', JSON.stringify([{ RuleID: 'aws-access-token', File: 'a.env', Secret: 'x' }])],
    ['YAML without kinds', 'name: app\nreplicas: 3\n'],
    ['an empty file', ''],
    ['text', 'just some text'],
  ])('fails %s, saying what it expected', async (_name, input) => {
    await expect(read(input)).rejects.toThrow(UnreadableInputError);
    await expect(read(input)).rejects.toThrow(
      /Not a Kubernetes input: expected Kubernetes manifests or kubectl output \(YAML or JSON objects with apiVersion and kind/,
    );
  });

  it('reads an empty kubectl list as a cluster with nothing in it', async () => {
    const output = await read(JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [] }));

    expect(output).toMatchObject({ nhis: [], looseFacts: [], warnings: [] });
  });

  it('keeps junk beside Kubernetes objects as warnings', async () => {
    const output = await read(`${JSON.stringify({ UserDetailList: [] })}\n${serviceAccount('x', 'ok')}`);

    expect(output.nhis.map((nhi) => nhi.name)).toEqual(['x/ok']);
    expect(output.warnings).toEqual([{ item: 'document 1', message: 'has no kind or metadata.name' }]);
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

    // cluster-admin stands for every other right: they are not repeated beside it.
    expect(kindsOf(deployer?.facts)).toEqual([
      'k8s.cluster_admin',
      'k8s.legacy_token_secret',
      'k8s.sa_shared_by_workloads',
    ]);
    expect(deployer?.facts.find((fact) => fact.kind === 'k8s.cluster_admin')?.evidence).toMatchObject({
      reason: 'every verb on every resource of every API group, in every namespace',
      mountedBy: ['Deployment a', 'Deployment b', 'Deployment c'],
    });
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

    expect(kindsOf(output.nhis.find((nhi) => nhi.name === 'ci/default')?.facts)).toEqual([
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
