import type { ClusterRoleDefinition, Rule } from './rbac.ts';

/**
 * The default ClusterRoles every cluster has (the API server's RBAC bootstrap policy, documented in
 * "Using RBAC Authorization: default roles and role bindings"), so a binding to one is understood
 * when an export leaves the role out. Only what the rights of rights.ts can see is written down: a
 * read-only or harmless rule changes no finding, so it is left out, and a role with none of those
 * rules is listed with no rules (known, granting nothing dangerous) rather than left unresolved. A
 * role present in the input replaces the one here (the cluster's own may have been changed).
 */
const write = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const read = ['get', 'list', 'watch'];
const core = (resources: string[], verbs: string[]): Rule => ({ apiGroups: [''], resources, verbs });
const approver = (signer: string): Rule[] => [
  {
    apiGroups: ['certificates.k8s.io'],
    resources: ['certificatesigningrequests/approval'],
    verbs: ['update'],
  },
  { apiGroups: ['certificates.k8s.io'], resources: ['signers'], resourceNames: [signer], verbs: ['approve'] },
];
const aggregates = (label: string) => ({
  clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${label}`]: 'true' } }],
});
const labelled = (label: string) => ({ [`rbac.authorization.k8s.io/aggregate-to-${label}`]: 'true' });

/** What `edit` (and so `admin`) may do in a namespace: Secrets, exec, workloads, tokens, impersonation. */
const editRules: Rule[] = [
  core(['secrets', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'], read),
  core(['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy'], write),
  core(['secrets', 'serviceaccounts', 'replicationcontrollers', 'configmaps', 'services'], write),
  core(['serviceaccounts'], ['impersonate']),
  core(['serviceaccounts/token'], ['create']),
  {
    apiGroups: ['apps'],
    resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'],
    verbs: write,
  },
  { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: write },
  { apiGroups: ['extensions'], resources: ['daemonsets', 'deployments', 'replicasets'], verbs: write },
];

export const defaultClusterRoles: readonly ClusterRoleDefinition[] = [
  {
    name: 'cluster-admin',
    rules: [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ],
  },
  // The user-facing roles are aggregated: their rules are those of the roles carrying their label.
  { name: 'admin', aggregationRule: aggregates('admin'), rules: [] },
  { name: 'edit', labels: labelled('admin'), aggregationRule: aggregates('edit'), rules: [] },
  { name: 'view', labels: labelled('edit'), aggregationRule: aggregates('view'), rules: [] },
  {
    name: 'system:aggregate-to-admin',
    labels: labelled('admin'),
    // Roles and bindings of the namespace, but not the bind or escalate verbs: an admin can only
    // grant what it holds.
    rules: [
      {
        apiGroups: ['rbac.authorization.k8s.io'],
        resources: ['roles', 'rolebindings'],
        verbs: [...read, ...write],
      },
    ],
  },
  { name: 'system:aggregate-to-edit', labels: labelled('edit'), rules: editRules },
  { name: 'system:aggregate-to-view', labels: labelled('view'), rules: [] },
  {
    name: 'system:kube-controller-manager',
    rules: [
      core(['secrets'], ['create', 'delete', 'get', 'update']),
      core(['serviceaccounts/token'], ['create']),
      // It lists and watches everything, Secrets included.
      { apiGroups: ['*'], resources: ['*'], verbs: ['list', 'watch'] },
    ],
  },
  {
    name: 'system:node',
    rules: [
      core(['secrets', 'configmaps'], read),
      core(['pods'], ['create', 'delete']),
      core(['serviceaccounts/token'], ['create']),
    ],
  },
  {
    name: 'system:kubelet-api-admin',
    rules: [core(['nodes/proxy', 'nodes/log', 'nodes/stats', 'nodes/metrics'], ['*'])],
  },
  {
    name: 'system:certificates.k8s.io:kube-apiserver-client-approver',
    rules: approver('kubernetes.io/kube-apiserver-client'),
  },
  {
    name: 'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver',
    rules: approver('kubernetes.io/kube-apiserver-client-kubelet'),
  },
  {
    name: 'system:certificates.k8s.io:kubelet-serving-approver',
    rules: approver('kubernetes.io/kubelet-serving'),
  },
  {
    name: 'system:certificates.k8s.io:legacy-unknown-approver',
    rules: approver('kubernetes.io/legacy-unknown'),
  },
  // Known roles that grant none of the rights looked for.
  ...[
    'system:auth-delegator',
    'system:basic-user',
    'system:discovery',
    'system:public-info-viewer',
    'system:heapster',
    'system:kube-aggregator',
    'system:kube-dns',
    'system:kube-scheduler',
    'system:monitoring',
    'system:node-bootstrapper',
    'system:node-problem-detector',
    'system:node-proxier',
    'system:persistent-volume-provisioner',
    'system:service-account-issuer-discovery',
    'system:volume-scheduler',
    'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
    'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient',
  ].map((name) => ({ name, rules: [] })),
];
