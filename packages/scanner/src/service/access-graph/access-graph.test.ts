import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { readAuthorizationDetails } from '../../connectors/aws/authorization-details.ts';
import type { DiscoveredNhi } from '../../connectors/connector.ts';
import { readKubernetes } from '../../connectors/k8s/kubernetes.ts';
import { type AccessGraph, type AccessGraphInput, accessGraphOf } from './access-graph.ts';

const awsExport = {
  RoleDetailList: [
    {
      RoleName: 'deployer',
      Arn: 'arn:aws:iam::111122223333:role/deployer',
      AssumeRolePolicyDocument: {
        Statement: [
          { Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::444455556666:root' }, Action: 'sts:AssumeRole' },
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      AttachedManagedPolicies: [{ PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }],
      RolePolicyList: [
        {
          PolicyName: 'artifacts',
          PolicyDocument: {
            Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::artifacts/*' }],
          },
        },
      ],
    },
  ],
};

const manifests = `
apiVersion: v1
kind: ServiceAccount
metadata: { name: deployer, namespace: ci }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: deployer-admin }
roleRef: { kind: ClusterRole, name: cluster-admin }
subjects: [{ kind: ServiceAccount, name: deployer, namespace: ci }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: read-config, namespace: ci }
rules: [{ apiGroups: [""], resources: [configmaps], verbs: [get, list] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: deployer-config, namespace: ci }
roleRef: { kind: Role, name: read-config }
subjects: [{ kind: ServiceAccount, name: deployer }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: release-bot, namespace: ci }
spec: { template: { spec: { serviceAccountName: deployer, containers: [{ name: bot, image: bot }] } } }
`;

/** The identity as the scan stored it: what the connector reported, facts without their subjects. */
function inputOf(nhi: DiscoveredNhi, extra: Partial<AccessGraphInput> = {}): AccessGraphInput {
  return {
    nhi: {
      name: nhi.name,
      kind: nhi.kind,
      provider: nhi.provider,
      permissions: nhi.permissions,
      metadata: nhi.metadata,
    },
    credentials: [],
    facts: (nhi.facts ?? []).map((fact) => ({ kind: fact.kind, evidence: fact.evidence })),
    leaks: [],
    ...extra,
  };
}

async function awsRole() {
  const output = await readAuthorizationDetails(JSON.stringify(awsExport));
  return inputOf(output.nhis[0] as DiscoveredNhi);
}

async function kubernetesAccount() {
  const output = await readKubernetes(manifests, {
    cluster: 'prod',
    fingerprint: async (secret) => createHash('sha256').update(secret).digest('hex'),
  });
  return inputOf(output.nhis.find((nhi) => nhi.name === 'ci/deployer') as DiscoveredNhi);
}

function leakedToken(): AccessGraphInput {
  return {
    nhi: { name: 'ci-bot', kind: 'personal_access_token', provider: 'github', permissions: [], metadata: {} },
    credentials: [{ id: 'c1', kind: 'token', hint: 'token_7', status: 'active' }],
    facts: [],
    leaks: [
      {
        id: 'l1',
        file: 'deploy/values.yaml',
        line: 12,
        commit: '0123456789abcdef',
        rule: 'gitleaks/github-pat',
        credentialId: 'c1',
        verification: 'live',
        source: 'repos',
      },
    ],
  };
}

/** Each edge as `from label → to label [edge label]`, nodes by their labels. */
function edgesOf(graph: AccessGraph): string[] {
  const label = (id: string) => graph.nodes.find((node) => node.id === id)?.label;
  return graph.edges.map((edge) => `${label(edge.from)} → ${label(edge.to)} [${edge.label}]`);
}
const severityOf = (graph: AccessGraph, label: string) =>
  graph.nodes.find((node) => node.label === label)?.severity;

describe('accessGraphOf', () => {
  it.each([
    {
      name: 'an AWS role: its account, whom it trusts, and what its statements allow on what',
      input: awsRole,
      edges: [
        'deployer → AWS account 111122223333 [in account]',
        'deployer → arn:aws:iam::444455556666:root [trusts]',
        'deployer → ec2.amazonaws.com [trusts]',
        'deployer → every action [can]',
        'every action → any resource [on]',
        'deployer → s3:GetObject [can]',
        's3:GetObject → arn:aws:s3:::artifacts/* [on]',
      ],
      severities: { 'every action': 'critical', 'any resource': 'high', 's3:GetObject': undefined },
    },
    {
      name: 'a Kubernetes service account: its namespace, bindings, what they reach, and the workload mounting it',
      input: kubernetesAccount,
      edges: [
        'ci/deployer → namespace ci [lives in]',
        'namespace ci → cluster prod [in cluster]',
        'ci/deployer → Deployment release-bot [mounted by]',
        'ci/deployer → ClusterRole cluster-admin [bound to]',
        'ClusterRole cluster-admin → cluster prod [across]',
        'ClusterRole cluster-admin → any resource (every namespace) [any verb]',
        'ci/deployer → Role read-config [bound to]',
        'Role read-config → namespace ci [in]',
        'Role read-config → configmaps (ci) [get, list]',
      ],
      severities: { 'ClusterRole cluster-admin': 'critical', 'Role read-config': undefined },
    },
    {
      name: 'a leaked token: the credential and the file it leaked in',
      input: async () => leakedToken(),
      edges: ['ci-bot → token_7 [authenticates with]', 'token_7 → deploy/values.yaml:12 [leaked in]'],
      severities: { token_7: 'critical', 'deploy/values.yaml:12': 'critical' },
    },
  ])('draws $name', async ({ input, edges, severities }) => {
    const graph = accessGraphOf(await input());

    expect(edgesOf(graph).sort()).toEqual([...edges].sort());
    for (const [label, severity] of Object.entries(severities))
      expect(severityOf(graph, label), label).toBe(severity);
    expect(graph.omitted).toBe(0);
  });

  it('describes the leak by its rule, source, commit and verification', () => {
    const graph = accessGraphOf(leakedToken());

    expect(graph.nodes.find((node) => node.type === 'file')?.detail).toBe(
      'gitleaks/github-pat in repos, commit 01234567, verified live',
    );
  });

  it('caps a graph at the limit with an "and N more" node, drawing the risky parts first', () => {
    const statements = Array.from({ length: 200 }, (_, i) => ({
      effect: 'Allow',
      actions: [`s3:GetObject${i}`],
      resources: [`arn:aws:s3:::bucket-${i}`],
      via: 'inline many',
    }));
    statements.push({ effect: 'Allow', actions: ['*'], resources: ['*'], via: 'managed admin' });
    const input: AccessGraphInput = {
      nhi: {
        name: 'wide',
        kind: 'workload_identity',
        provider: 'aws',
        permissions: statements,
        metadata: {},
      },
      credentials: [],
      facts: [],
      leaks: [],
    };

    const graph = accessGraphOf(input, 60);

    expect(graph.nodes).toHaveLength(60);
    const more = graph.nodes.find((node) => node.type === 'more');
    expect(more?.label).toBe(`and ${graph.omitted} more`);
    // 201 statements and their 201 resources, with the admin one's "any resource", beside the identity.
    expect(graph.omitted).toBe(1 + 201 + 201 - 59);
    expect(edgesOf(graph)).toContain('wide → every action [can]');
    expect(edgesOf(graph)).toContain(`wide → and ${graph.omitted} more [not drawn]`);
    const ids = new Set(graph.nodes.map((node) => node.id));
    for (const edge of graph.edges) expect(ids.has(edge.from) && ids.has(edge.to)).toBe(true);
  });

  it('draws the permissions of an identity made by hand as they are', () => {
    const graph = accessGraphOf({
      nhi: {
        name: 'bot',
        kind: 'bot',
        provider: 'slack',
        permissions: ['chat:write', 'admin'],
        metadata: {},
      },
      credentials: [],
      facts: [],
      leaks: [],
    });

    expect(edgesOf(graph)).toEqual(['bot → chat:write [can]', 'bot → admin [can]']);
    expect(severityOf(graph, 'admin')).toBe('high');
  });
});
