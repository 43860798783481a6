import type { ScanFactKind } from '../../api/scan-facts.ts';
import { type ResourceRequest, type Rule, ruleMatches } from './rbac.ts';

/** A role as one binding grants it. */
export interface Grant {
  /** `ClusterRoleBinding name` or `RoleBinding namespace/name`. */
  binding: string;
  /** `ClusterRole name` or `Role name`. */
  role: string;
  /** A namespace, or `cluster` for ClusterRoleBindings. */
  scope: string;
  rules: Rule[];
  /** False when the role is neither in the input nor one of the cluster's defaults. */
  resolved: boolean;
  /**
   * Set when the subject holds the grant as a member of a group the binding names rather than by
   * name: `group system:serviceaccounts`.
   */
  via?: string;
}

/** One dangerous right a grant gives, with the rule that gives it and why it matters. */
export interface Right {
  kind: ScanFactKind;
  rule: Rule;
  reason: string;
  /** Set when the rule names the objects it applies to (resourceNames). */
  limitedTo?: string[];
}

interface Capability {
  kind: ScanFactKind | 'secrets_read';
  /** Requests of which any one gives the right. `cluster`: a cluster-scoped resource a RoleBinding cannot grant. */
  requests: (ResourceRequest & { cluster?: boolean })[];
  /**
   * Whether a rule limited to named objects still gives the right (reported with the names). Reading
   * named Secrets is not reading a namespace's Secrets: such rules are left out on purpose. `create`
   * of a new object cannot be limited by name at all: the API server never matches such a rule.
   */
  named: boolean;
  why: string;
}

const requests = (group: string, resources: string[], verbs: string[], cluster = false) =>
  resources.flatMap((resource) => verbs.map((verb) => ({ group, resource, verb, cluster })));

const capabilities: Capability[] = [
  {
    kind: 'secrets_read',
    requests: requests('', ['secrets'], ['get', 'list', 'watch']),
    named: false,
    why: 'reads its Secrets, service account tokens included',
  },
  {
    kind: 'k8s.pods_exec',
    // `get` is enough over WebSocket until Kubernetes 1.35 checks `create` too
    // (AuthorizePodWebsocketUpgradeCreatePermission), so both verbs count.
    requests: requests('', ['pods/exec', 'pods/attach'], ['create', 'get']),
    named: true,
    why: "runs commands in pods, with their ServiceAccounts' tokens",
  },
  {
    kind: 'k8s.workload_create',
    requests: [
      ...requests('', ['pods', 'replicationcontrollers'], ['create']),
      ...requests('apps', ['deployments', 'daemonsets', 'statefulsets', 'replicasets'], ['create']),
      ...requests('extensions', ['deployments', 'daemonsets', 'replicasets'], ['create']),
      ...requests('batch', ['jobs', 'cronjobs'], ['create']),
    ],
    named: false,
    why: 'starts pods that run as any ServiceAccount of the namespace',
  },
  {
    kind: 'k8s.bind_escalate',
    requests: requests('rbac.authorization.k8s.io', ['roles', 'clusterroles'], ['bind', 'escalate']),
    named: true,
    why: 'grants itself or others rights it does not hold',
  },
  {
    kind: 'k8s.impersonate',
    requests: [
      ...requests('', ['users', 'groups'], ['impersonate'], true),
      ...requests('', ['serviceaccounts'], ['impersonate']),
    ],
    named: true,
    why: 'acts as another user, group or ServiceAccount',
  },
  {
    kind: 'k8s.nodes_proxy',
    // The kubelet maps GET to `get` and POST to `create`; exec through the kubelet works with either.
    requests: requests('', ['nodes/proxy'], ['get', 'create'], true),
    named: true,
    why: 'reaches the kubelet API: commands in any pod of the node, whatever RBAC says of pods',
  },
  {
    kind: 'k8s.token_create',
    requests: requests('', ['serviceaccounts/token'], ['create']),
    named: true,
    why: 'mints tokens of ServiceAccounts',
  },
];

const approvalRequests = requests(
  'certificates.k8s.io',
  ['certificatesigningrequests/approval'],
  ['update', 'patch'],
  true,
);
const signerRequests = requests('certificates.k8s.io', ['signers'], ['approve'], true);

/** Kinds a cluster-admin grant implies: reported as k8s.cluster_admin alone. */
export const impliedByClusterAdmin = new Set<ScanFactKind>([
  'k8s.wildcard_rule',
  'k8s.secrets_read_cluster',
  'k8s.secrets_read',
  'k8s.impersonate',
  'k8s.bind_escalate',
  'k8s.pods_exec',
  'k8s.workload_create',
  'k8s.nodes_proxy',
  'k8s.token_create',
  'k8s.csr_approve',
]);

const isAll = (list: string[] | undefined) => (list ?? []).includes('*');
const scopeText = (grant: Grant) =>
  grant.scope === 'cluster' ? 'in every namespace' : `in namespace ${grant.scope}`;

/** Every verb on every resource of every group, for any object. */
function allowsEverything(rule: Rule): boolean {
  return isAll(rule.verbs) && isAll(rule.apiGroups) && isAll(rule.resources) && !rule.resourceNames?.length;
}

/** The requests of a list a rule allows under the grant's scope, and the names it is limited to. */
function allowed(grant: Grant, rule: Rule, list: Capability['requests'], named: boolean) {
  const limitedTo = rule.resourceNames?.length ? rule.resourceNames : undefined;
  if (limitedTo && !named) return { matched: [], limitedTo };
  const matched = list.filter(
    (request) => (grant.scope === 'cluster' || !request.cluster) && ruleMatches(rule, request),
  );
  return { matched, limitedTo };
}

function describe(matched: ResourceRequest[]): string {
  const verbs = [...new Set(matched.map((request) => request.verb))];
  const resources = [...new Set(matched.map((request) => request.resource))];
  return `${verbs.join(', ')} on ${resources.join(', ')}`;
}

/**
 * The dangerous rights of one grant, one per kind (the first rule that gives it). A ClusterRoleBinding
 * to everything is k8s.cluster_admin alone; a RoleBinding to everything is a namespace's admin and
 * reported right by right (k8s.wildcard_rule plus what it allows there).
 */
export function rightsOfGrant(grant: Grant): Right[] {
  const everything = grant.rules.find(allowsEverything);
  if (everything && grant.scope === 'cluster')
    return [
      {
        kind: 'k8s.cluster_admin',
        rule: everything,
        reason: 'every verb on every resource of every API group, in every namespace',
      },
    ];
  const rights = new Map<ScanFactKind, Right>();
  const add = (right: Right) => {
    if (!rights.has(right.kind)) rights.set(right.kind, right);
  };
  for (const rule of grant.rules) {
    if (!rule.resources?.length) continue;
    if (isAll(rule.verbs) || isAll(rule.resources))
      add({ kind: 'k8s.wildcard_rule', rule, reason: `"*" in verbs or resources ${scopeText(grant)}` });
    for (const capability of capabilities) {
      const { matched, limitedTo } = allowed(grant, rule, capability.requests, capability.named);
      if (matched.length === 0) continue;
      const kind =
        capability.kind === 'secrets_read'
          ? grant.scope === 'cluster'
            ? 'k8s.secrets_read_cluster'
            : 'k8s.secrets_read'
          : capability.kind;
      const names = limitedTo ? ` (only ${limitedTo.join(', ')})` : '';
      add({
        kind,
        rule,
        reason: `${describe(matched)}${names} ${scopeText(grant)}: ${capability.why}`,
        ...(limitedTo ? { limitedTo } : {}),
      });
    }
  }
  return [...rights.values()];
}

/**
 * Approving a certificate signing request takes two rights, possibly from two grants: update of
 * certificatesigningrequests/approval and approve on the request's signer. Both are cluster-scoped.
 */
export function csrApproval(grants: Grant[]): { approval: Grant; signer: Grant; right: Right } | undefined {
  const first = (list: Capability['requests']) => {
    for (const grant of grants)
      for (const rule of grant.rules) {
        const { matched, limitedTo } = allowed(grant, rule, list, true);
        if (matched.length > 0) return { grant, rule, matched, limitedTo };
      }
    return undefined;
  };
  const approval = first(approvalRequests);
  const signer = approval && first(signerRequests);
  if (!approval || !signer) return undefined;
  const signers = signer.limitedTo ? ` (signers ${signer.limitedTo.join(', ')})` : ' (every signer)';
  return {
    approval: approval.grant,
    signer: signer.grant,
    right: {
      kind: 'k8s.csr_approve',
      rule: approval.rule,
      reason: `${describe(approval.matched)} and approve on signers${signers}: mints client certificates`,
      ...(signer.limitedTo ? { limitedTo: signer.limitedTo } : {}),
    },
  };
}
