/**
 * What an identity can reach and who or what uses it, projected from what scans already keep: its
 * permissions and metadata, its credentials, its facts and the leaks of its secrets. Pure: the
 * service reads the rows, this draws nothing and asks nothing.
 */

export type AccessNodeType =
  | 'identity'
  | 'credential'
  | 'permission'
  | 'resource'
  | 'cluster'
  | 'namespace'
  | 'repository'
  | 'workload'
  | 'file'
  | 'principal'
  | 'account'
  | 'more';

export type AccessSeverity = 'critical' | 'high' | 'medium' | 'low';

export interface AccessNode {
  id: string;
  type: AccessNodeType;
  label: string;
  detail?: string;
  severity?: AccessSeverity;
}

export interface AccessEdge {
  from: string;
  to: string;
  label: string;
}

export interface AccessGraph {
  nodes: AccessNode[];
  edges: AccessEdge[];
  /** Nodes left out by the cap; the "and N more" node stands for them. */
  omitted: number;
}

export interface AccessGraphInput {
  nhi: {
    name: string;
    kind: string;
    provider: string;
    permissions: unknown;
    metadata: unknown;
  };
  credentials: { id: string; kind: string; hint: string | null; status: string }[];
  facts: { kind: string; evidence: unknown }[];
  /** Open leaks of the identity's secrets; empty when the caller may not see leaks. */
  leaks: {
    id: string;
    file: string;
    line: number | null;
    commit: string | null;
    rule: string;
    credentialId: string | null;
    verification: string | null;
    source: string;
  }[];
}

/** Enough to read on a screen: a wildcard role would otherwise draw thousands of nodes. */
export const accessGraphNodeLimit = 60;

const identityId = 'identity';
const severityRank: Record<AccessSeverity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const stringsOf = (value: unknown): string[] =>
  (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]).map(String);
const short = (items: string[], shown = 3) =>
  items.length <= shown ? items.join(', ') : `${items.slice(0, shown).join(', ')} +${items.length - shown}`;
const worst = (...found: (AccessSeverity | undefined)[]): AccessSeverity | undefined =>
  found
    .filter((s): s is AccessSeverity => s !== undefined)
    .sort((a, b) => severityRank[a] - severityRank[b])[0];

/**
 * Nodes in the order they are added, up to the limit: what is added first is drawn, so callers add
 * the risky parts first. Edges are kept only between drawn nodes.
 */
class GraphBuilder {
  private readonly nodes = new Map<string, AccessNode>();
  private readonly edges = new Map<string, AccessEdge>();
  private readonly left = new Set<string>();

  constructor(private readonly limit: number) {}

  node(node: AccessNode): boolean {
    const existing = this.nodes.get(node.id);
    if (existing) {
      existing.severity = worst(existing.severity, node.severity);
      return true;
    }
    // One place stays free for the "and N more" node.
    if (this.nodes.size >= this.limit - 1) {
      this.left.add(node.id);
      return false;
    }
    this.nodes.set(node.id, node.severity ? node : withoutSeverity(node));
    return true;
  }

  has(id: string): boolean {
    return this.nodes.has(id);
  }

  edge(from: string, to: string, label: string): void {
    if (!this.nodes.has(from) || !this.nodes.has(to)) return;
    this.edges.set(`${from}\u0000${to}\u0000${label}`, { from, to, label });
  }

  build(): AccessGraph {
    const omitted = this.left.size;
    if (omitted > 0) {
      this.nodes.set('more', { id: 'more', type: 'more', label: `and ${omitted} more` });
      this.edge(identityId, 'more', 'not drawn');
    }
    // The identity's own links first: a list read top to bottom starts where the graph does.
    const edges = [...this.edges.values()].sort(
      (a, b) => Number(b.from === identityId) - Number(a.from === identityId),
    );
    return { nodes: [...this.nodes.values()], edges, omitted };
  }
}

function withoutSeverity(node: AccessNode): AccessNode {
  const { severity: _, ...rest } = node;
  return rest;
}

/** The access graph of one identity, capped at `limit` nodes. */
export function accessGraphOf(input: AccessGraphInput, limit = accessGraphNodeLimit): AccessGraph {
  const graph = new GraphBuilder(limit);
  const { nhi } = input;
  graph.node({ id: identityId, type: 'identity', label: nhi.name, detail: `${nhi.provider} ${nhi.kind}` });
  addCredentialsAndLeaks(graph, input);
  const metadata = isObject(nhi.metadata) ? nhi.metadata : {};
  if (nhi.provider === 'aws') addAws(graph, metadata, nhi.permissions);
  else if (nhi.provider === 'kubernetes') addKubernetes(graph, metadata, nhi.permissions, input.facts);
  else if (nhi.provider === 'github') addGithub(graph, metadata, nhi.permissions);
  else addPlainPermissions(graph, nhi.permissions);
  return graph.build();
}

/** Leaked secrets first: they are the most urgent part of any graph. */
function addCredentialsAndLeaks(graph: GraphBuilder, input: AccessGraphInput): void {
  const leaked = new Set(input.leaks.map((leak) => leak.credentialId));
  const credentials = [...input.credentials].sort(
    (a, b) => Number(leaked.has(b.id)) - Number(leaked.has(a.id)),
  );
  for (const credential of credentials) {
    const id = `credential:${credential.id}`;
    graph.node({
      id,
      type: 'credential',
      label: credential.hint ?? credential.kind,
      detail: `${credential.kind}, ${credential.status}`,
      ...(leaked.has(credential.id) ? { severity: 'critical' as const } : {}),
    });
    graph.edge(identityId, id, 'authenticates with');
  }
  for (const leak of input.leaks) {
    const id = `file:${leak.id}`;
    const commit = leak.commit ? `, commit ${leak.commit.slice(0, 8)}` : '';
    graph.node({
      id,
      type: 'file',
      label: leak.line === null ? leak.file : `${leak.file}:${leak.line}`,
      detail: `${leak.rule} in ${leak.source}${commit}${leak.verification === 'live' ? ', verified live' : ''}`,
      severity: 'critical',
    });
    const credential = `credential:${leak.credentialId}`;
    graph.edge(leak.credentialId && graph.has(credential) ? credential : identityId, id, 'leaked in');
  }
}

// --- AWS -----------------------------------------------------------------------------------------

interface AwsStatement {
  effect: string;
  actions: string[];
  notActions: string[];
  resources: string[];
  notResources: string[];
  via: string;
}

function awsStatementOf(value: unknown): AwsStatement | null {
  if (!isObject(value)) return null;
  return {
    effect: String(value.effect ?? 'Allow'),
    actions: stringsOf(value.actions),
    notActions: stringsOf(value.notActions),
    resources: stringsOf(value.resources),
    notResources: stringsOf(value.notResources),
    via: String(value.via ?? ''),
  };
}

/** Everything on everything is admin; a whole service, NotAction or any resource is a wildcard. */
function awsSeverity(statement: AwsStatement): AccessSeverity | undefined {
  if (statement.effect !== 'Allow') return undefined;
  const anyResource = statement.resources.includes('*') || statement.notResources.length > 0;
  if (statement.actions.includes('*') && anyResource) return 'critical';
  if (statement.notActions.length > 0 || statement.actions.some((action) => action.endsWith(':*')))
    return 'high';
  if (statement.actions.includes('*') || anyResource) return 'medium';
  return undefined;
}

function addAws(graph: GraphBuilder, metadata: Json, permissions: unknown): void {
  const account = typeof metadata.awsAccountId === 'string' ? metadata.awsAccountId : null;
  if (account) {
    graph.node({ id: `account:aws:${account}`, type: 'account', label: `AWS account ${account}` });
    graph.edge(identityId, `account:aws:${account}`, 'in account');
  }
  const authorization = isObject(metadata.authorization) ? metadata.authorization : {};
  addTrust(graph, authorization.trustPolicy);
  const statements = listOf(permissions)
    .map(awsStatementOf)
    .filter((s): s is AwsStatement => s !== null)
    .map((statement, index) => ({ statement, index, severity: awsSeverity(statement) }))
    .sort((a, b) => rankOf(a.severity) - rankOf(b.severity) || a.index - b.index);
  for (const { statement, index, severity } of statements) {
    const id = `permission:${index}`;
    const not = statement.notActions.length > 0;
    graph.node({
      id,
      type: 'permission',
      label: not
        ? `every action except ${short(statement.notActions)}`
        : short(statement.actions.map((action) => (action === '*' ? 'every action' : action))),
      detail: `${statement.effect} · ${statement.via}`,
      ...(severity ? { severity } : {}),
    });
    graph.edge(identityId, id, statement.effect === 'Allow' ? 'can' : 'is denied');
    const resources = statement.notResources.length > 0 ? ['*'] : statement.resources;
    for (const resource of resources) {
      const resourceId = `resource:${resource}`;
      graph.node({
        id: resourceId,
        type: 'resource',
        label: resource === '*' ? 'any resource' : resource,
        ...(resource === '*' && statement.effect === 'Allow' ? { severity: 'high' as const } : {}),
      });
      graph.edge(id, resourceId, statement.notResources.length > 0 ? 'on all but some' : 'on');
    }
  }
}

const rankOf = (severity: AccessSeverity | undefined) => (severity ? severityRank[severity] : 9);

/** A trust policy as kept: an object, or the live API's URL-encoded JSON. */
function trustDocumentOf(value: unknown): Json | null {
  if (isObject(value)) return value;
  if (typeof value !== 'string') return null;
  try {
    const text = value.trim().startsWith('%7B') ? decodeURIComponent(value) : value;
    const parsed: unknown = JSON.parse(text);
    return isObject(parsed) ? parsed : null;
  } catch {
    return null;
  }
}

/** The principals a role's trust policy lets assume it; "*" is anyone. */
function addTrust(graph: GraphBuilder, trustPolicy: unknown): void {
  const document = trustDocumentOf(trustPolicy);
  if (!document) return;
  const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  for (const statement of statements) {
    if (!isObject(statement) || statement.Effect !== 'Allow') continue;
    const conditioned = isObject(statement.Condition) && Object.keys(statement.Condition).length > 0;
    const principal = statement.Principal;
    const entries: [string, string][] =
      principal === '*'
        ? [['AWS', '*']]
        : isObject(principal)
          ? Object.entries(principal).flatMap(([type, values]) =>
              stringsOf(values).map((value) => [type, value] as [string, string]),
            )
          : [];
    for (const [type, value] of entries) {
      const id = `principal:${type}:${value}`;
      graph.node({
        id,
        type: 'principal',
        label: value === '*' ? 'any AWS principal' : value,
        detail: `${type} principal${conditioned ? ', with conditions' : ''}`,
        ...(value === '*' ? { severity: conditioned ? ('high' as const) : ('critical' as const) } : {}),
      });
      graph.edge(identityId, id, 'trusts');
    }
  }
}

// --- Kubernetes ----------------------------------------------------------------------------------

interface K8sGrant {
  binding: string;
  role: string;
  scope: string;
  via?: string;
  rules: { apiGroups?: string[]; resources?: string[]; verbs?: string[]; nonResourceURLs?: string[] }[];
}

const k8sFactSeverity: Record<string, AccessSeverity> = {
  'k8s.cluster_admin': 'critical',
  'k8s.secrets_read_cluster': 'critical',
  'k8s.impersonate': 'critical',
  'k8s.bind_escalate': 'critical',
  'k8s.nodes_proxy': 'critical',
  'k8s.token_create': 'high',
  'k8s.csr_approve': 'high',
  'k8s.wildcard_rule': 'high',
  'k8s.secrets_read': 'high',
  'k8s.pods_exec': 'high',
  'k8s.workload_create': 'medium',
};

/** The worst fact per binding: the scan judged each right of it already. */
function bindingSeverities(facts: AccessGraphInput['facts']): Map<string, AccessSeverity> {
  const byBinding = new Map<string, AccessSeverity>();
  for (const fact of facts) {
    const severity = k8sFactSeverity[fact.kind];
    const binding = isObject(fact.evidence) ? fact.evidence.binding : undefined;
    if (!severity || typeof binding !== 'string') continue;
    const found = worst(byBinding.get(binding), severity);
    if (found) byBinding.set(binding, found);
  }
  return byBinding;
}

function grantSeverity(grant: K8sGrant, judged: AccessSeverity | undefined): AccessSeverity | undefined {
  const clusterAdmin = grant.role === 'ClusterRole cluster-admin' ? 'critical' : undefined;
  const wildcard = grant.rules.some((rule) => rule.verbs?.includes('*') || rule.resources?.includes('*'))
    ? 'high'
    : undefined;
  return worst(judged, clusterAdmin, wildcard);
}

function addKubernetes(
  graph: GraphBuilder,
  metadata: Json,
  permissions: unknown,
  facts: AccessGraphInput['facts'],
) {
  const k8s = isObject(metadata.kubernetes) ? metadata.kubernetes : {};
  const cluster = typeof k8s.cluster === 'string' ? k8s.cluster : 'cluster';
  const clusterId = `cluster:${cluster}`;
  const namespaceNode = (namespace: string) => {
    const id = `namespace:${namespace}`;
    graph.node({ id, type: 'namespace', label: `namespace ${namespace}` });
    graph.edge(id, clusterId, 'in cluster');
    return id;
  };
  graph.node({ id: clusterId, type: 'cluster', label: `cluster ${cluster}` });
  if (typeof k8s.namespace === 'string') graph.edge(identityId, namespaceNode(k8s.namespace), 'lives in');
  const mountedBy = new Set(stringsOf(k8s.mountedBy));
  for (const workload of stringsOf(k8s.workloads)) {
    const id = `workload:${workload}`;
    graph.node({ id, type: 'workload', label: workload });
    graph.edge(identityId, id, mountedBy.has(workload) ? 'mounted by' : 'used by');
  }
  const judged = bindingSeverities(facts);
  const grants = listOf(permissions)
    .filter((grant): grant is K8sGrant => isObject(grant) && typeof grant.binding === 'string')
    .map((grant) => ({ grant, severity: grantSeverity(grant, judged.get(grant.binding)) }))
    .sort((a, b) => rankOf(a.severity) - rankOf(b.severity));
  for (const { grant, severity } of grants) {
    const id = `permission:${grant.binding}`;
    graph.node({
      id,
      type: 'permission',
      label: grant.role,
      detail: `${grant.binding}${grant.via ? ` via ${grant.via}` : ''}`,
      ...(severity ? { severity } : {}),
    });
    graph.edge(identityId, id, 'bound to');
    const scopeId = grant.scope === 'cluster' ? clusterId : namespaceNode(grant.scope);
    graph.edge(id, scopeId, grant.scope === 'cluster' ? 'across' : 'in');
    addRules(graph, id, grant);
  }
}

/** One resource node per kind of object a rule names, the verbs on the edge. */
function addRules(graph: GraphBuilder, permissionId: string, grant: K8sGrant): void {
  for (const rule of listOf(grant.rules).filter(isObject)) {
    const resources = stringsOf(rule.resources);
    const targets = resources.length > 0 ? resources : stringsOf(rule.nonResourceURLs);
    const verbs = stringsOf(rule.verbs).map((verb) => (verb === '*' ? 'any verb' : verb));
    for (const target of targets) {
      const id = `resource:${grant.scope}:${target}`;
      const scope = grant.scope === 'cluster' ? 'every namespace' : grant.scope;
      graph.node({
        id,
        type: 'resource',
        label: target === '*' ? `any resource (${scope})` : `${target} (${scope})`,
        ...(target === '*' ||
        (target === 'secrets' && verbs.some((v) => ['any verb', 'get', 'list'].includes(v)))
          ? { severity: 'high' as const }
          : {}),
      });
      graph.edge(permissionId, id, verbs.length > 0 ? short(verbs, 4) : 'can');
    }
  }
}

// --- GitHub --------------------------------------------------------------------------------------

const githubSeverity = (access: string): AccessSeverity | undefined =>
  access === 'admin' ? 'high' : access === 'write' ? 'medium' : undefined;

function addGithub(graph: GraphBuilder, metadata: Json, permissions: unknown): void {
  const github = isObject(metadata.github) ? metadata.github : {};
  const organization = typeof github.organization === 'string' ? github.organization : null;
  if (organization) {
    graph.node({
      id: `account:github:${organization}`,
      type: 'account',
      label: `GitHub ${organization}`,
      ...(github.repositorySelection === 'all' ? { detail: 'all repositories' } : {}),
    });
    graph.edge(identityId, `account:github:${organization}`, 'in organization');
  }
  for (const [index, grant] of listOf(permissions).entries()) {
    if (!isObject(grant)) continue;
    const access = String(grant.access ?? '');
    const severity = githubSeverity(access);
    if (typeof grant.repository === 'string') {
      const id = `repository:${grant.repository}`;
      graph.node({ id, type: 'repository', label: grant.repository, ...(severity ? { severity } : {}) });
      graph.edge(identityId, id, `can ${access}`);
      continue;
    }
    const id = `permission:${index}`;
    const scope = typeof grant.scope === 'string' ? `${grant.scope} ` : '';
    graph.node({
      id,
      type: 'permission',
      label: `${scope}${String(grant.permission ?? 'permission')}: ${access}`,
      ...(severity ? { severity } : {}),
    });
    graph.edge(identityId, id, 'can');
  }
}

// --- Anything else -------------------------------------------------------------------------------

/** Permissions of identities made by hand or imported: strings or objects, shown as they are. */
function addPlainPermissions(graph: GraphBuilder, permissions: unknown): void {
  for (const [index, permission] of listOf(permissions).entries()) {
    const label = typeof permission === 'string' ? permission : JSON.stringify(permission);
    const id = `permission:${index}`;
    graph.node({
      id,
      type: 'permission',
      label: label.length > 80 ? `${label.slice(0, 79)}…` : label,
      ...(/(^|[^a-z])(\*|admin)/i.test(label) ? { severity: 'high' as const } : {}),
    });
    graph.edge(identityId, id, 'can');
  }
}
