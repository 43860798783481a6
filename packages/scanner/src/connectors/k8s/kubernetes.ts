import type { SourcedCredential } from '@nhi/nhi';
import type { ObservedFact, ScanFactKind } from '../../scan-facts.ts';
import { type ConnectorOutput, type DiscoveredNhi, emptyOutput, type IdentityFact } from '../connector.ts';
import { type K8sObject, readK8sObjects } from './k8s-objects.ts';

interface Rule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Grant {
  binding: string;
  role: string;
  /** A namespace, or `cluster` for ClusterRoleBindings. */
  scope: string;
  rules: Rule[];
  resolved: boolean;
}

/** Built-in ClusterRoles a cluster always has, so a binding to them is understood without their manifest. */
const builtInClusterRoles: Record<string, Rule[]> = {
  'cluster-admin': [
    { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
    { nonResourceURLs: ['*'], verbs: ['*'] },
  ],
};

const workloadKinds = new Set([
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
]);
/** A ServiceAccount used by this many workloads or more is shared. */
export const sharedServiceAccountThreshold = 3;

const has = (list: string[] | undefined, ...values: string[]) =>
  (list ?? []).some((entry) => entry === '*' || values.includes(entry));

export interface KubernetesReadOptions {
  /** Names the cluster in external ids, so clusters with equal namespaces do not collide. */
  cluster: string;
  fingerprint(secret: string): Promise<string>;
}

/** ServiceAccounts of manifests or kubectl output as identities, with their effective RBAC. */
export async function readKubernetes(
  input: string,
  options: KubernetesReadOptions,
): Promise<ConnectorOutput> {
  const output = emptyOutput();
  const { objects, warnings } = readK8sObjects(input);
  output.warnings.push(...warnings);
  const byKind = (kind: string) => objects.filter((object) => object.kind === kind);
  const namespaceOf = (object: K8sObject) => object.metadata.namespace ?? 'default';
  const saKey = (namespace: string, name: string) => `${namespace}/${name}`;

  const roles = new Map(
    byKind('Role').map((role) => [`${namespaceOf(role)}/${role.metadata.name}`, rulesOf(role)]),
  );
  const clusterRoles = new Map(byKind('ClusterRole').map((role) => [role.metadata.name, rulesOf(role)]));
  const accounts = new Map(
    byKind('ServiceAccount').map((sa) => [saKey(namespaceOf(sa), sa.metadata.name), sa]),
  );
  const grants = new Map<string, Grant[]>();

  for (const binding of [...byKind('RoleBinding'), ...byKind('ClusterRoleBinding')]) {
    const cluster = binding.kind === 'ClusterRoleBinding';
    const bindingName = `${binding.kind} ${cluster ? '' : `${namespaceOf(binding)}/`}${binding.metadata.name}`;
    const roleRef = binding.roleRef as { kind?: string; name?: string } | undefined;
    if (!roleRef?.name) {
      output.warnings.push({ item: bindingName, message: 'has no roleRef' });
      continue;
    }
    const rules =
      roleRef.kind === 'Role'
        ? roles.get(`${namespaceOf(binding)}/${roleRef.name}`)
        : (clusterRoles.get(roleRef.name) ?? builtInClusterRoles[roleRef.name]);
    const grant: Grant = {
      binding: bindingName,
      role: `${roleRef.kind} ${roleRef.name}`,
      scope: cluster ? 'cluster' : namespaceOf(binding),
      rules: rules ?? [],
      resolved: rules !== undefined,
    };
    for (const subject of (binding.subjects as
      | { kind?: string; name?: string; namespace?: string }[]
      | null) ?? []) {
      if (subject.kind !== 'ServiceAccount' || !subject.name) continue;
      const namespace = subject.namespace ?? (cluster ? 'default' : namespaceOf(binding));
      const key = saKey(namespace, subject.name);
      if (!accounts.has(key)) {
        output.looseFacts.push(orphanFact(options.cluster, key, grant));
        continue;
      }
      grants.set(key, [...(grants.get(key) ?? []), grant]);
    }
  }

  const workloads = new Map<string, string[]>();
  for (const workload of objects.filter((object) => workloadKinds.has(object.kind))) {
    // Pods a controller made are counted through their controller.
    if (workload.kind === 'Pod' && (workload.metadata.ownerReferences ?? []).length > 0) continue;
    const spec = podSpecOf(workload);
    if (!spec) continue;
    const name =
      (spec.serviceAccountName as string | undefined) ??
      (spec.serviceAccount as string | undefined) ??
      'default';
    const key = saKey(namespaceOf(workload), name);
    workloads.set(key, [...(workloads.get(key) ?? []), `${workload.kind} ${workload.metadata.name}`]);
  }

  const tokenSecrets = new Map<string, K8sObject[]>();
  for (const secret of byKind('Secret')) {
    if (secret.type !== 'kubernetes.io/service-account-token') continue;
    const owner = secret.metadata.annotations?.['kubernetes.io/service-account.name'];
    if (!owner) {
      output.warnings.push({
        item: `Secret ${namespaceOf(secret)}/${secret.metadata.name}`,
        message: 'token Secret without its ServiceAccount annotation',
      });
      continue;
    }
    const key = saKey(namespaceOf(secret), owner);
    tokenSecrets.set(key, [...(tokenSecrets.get(key) ?? []), secret]);
  }

  for (const [key, account] of accounts) {
    try {
      output.nhis.push(
        await accountOf(
          options,
          key,
          account,
          grants.get(key) ?? [],
          workloads.get(key) ?? [],
          tokenSecrets.get(key) ?? [],
        ),
      );
    } catch (error) {
      output.warnings.push({ item: `ServiceAccount ${key}`, message: (error as Error).message });
    }
  }
  return output;
}

function rulesOf(role: K8sObject): Rule[] {
  return ((role.rules as Rule[] | null | undefined) ?? []).map((rule) => ({ ...rule }));
}

interface PodTemplate {
  template?: { spec?: Record<string, unknown> };
  jobTemplate?: { spec?: { template?: { spec?: Record<string, unknown> } } };
}

function podSpecOf(workload: K8sObject): Record<string, unknown> | undefined {
  const spec = workload.spec as (Record<string, unknown> & PodTemplate) | undefined;
  if (!spec) return undefined;
  if (workload.kind === 'Pod') return spec;
  if (workload.kind === 'CronJob') return spec.jobTemplate?.spec?.template?.spec;
  return spec.template?.spec;
}

/** The observations of one grant: what its rules allow that matters. */
export function flagsOfGrant(grant: Grant): { kind: ScanFactKind; rule?: Rule }[] {
  const flags: { kind: ScanFactKind; rule?: Rule }[] = [];
  if (grant.role === 'ClusterRole cluster-admin') flags.push({ kind: 'k8s.cluster_admin' });
  for (const rule of grant.rules) {
    if (rule.nonResourceURLs && !rule.resources) continue;
    const resources = rule.resources ?? [];
    if ((rule.verbs ?? []).includes('*') || resources.includes('*'))
      flags.push({ kind: 'k8s.wildcard_rule', rule });
    if (has(resources, 'secrets') && has(rule.verbs, 'get', 'list', 'watch'))
      flags.push({ kind: 'k8s.secrets_read', rule });
    if (has(rule.verbs, 'impersonate')) flags.push({ kind: 'k8s.impersonate', rule });
    if (has(rule.verbs, 'bind', 'escalate') && has(resources, 'roles', 'clusterroles'))
      flags.push({ kind: 'k8s.bind_escalate', rule });
    if (has(resources, 'pods/exec', 'pods/attach') && has(rule.verbs, 'create', 'get'))
      flags.push({ kind: 'k8s.pods_exec', rule });
    if (
      has(
        resources,
        'pods',
        'deployments',
        'daemonsets',
        'statefulsets',
        'replicasets',
        'jobs',
        'cronjobs',
      ) &&
      has(rule.verbs, 'create')
    )
      flags.push({ kind: 'k8s.workload_create', rule });
  }
  return flags;
}

async function accountOf(
  options: KubernetesReadOptions,
  key: string,
  account: K8sObject,
  grants: Grant[],
  workloads: string[],
  tokenSecrets: K8sObject[],
): Promise<DiscoveredNhi> {
  const externalId = `${options.cluster}/${key}`;
  const facts = new Map<string, IdentityFact>();
  const add = (fact: IdentityFact) => facts.set(`${fact.kind}\u0000${fact.subject}`, fact);
  for (const grant of grants)
    for (const flag of flagsOfGrant(grant))
      add({
        kind: flag.kind,
        subject: `${externalId}|${grant.binding}`,
        evidence: { binding: grant.binding, role: grant.role, scope: grant.scope, rule: flag.rule ?? null },
      });
  if (account.metadata.name === 'default' && grants.length > 0)
    add({
      kind: 'k8s.default_sa_bound',
      subject: externalId,
      evidence: { bindings: grants.map((g) => g.binding) },
    });
  if (workloads.length >= sharedServiceAccountThreshold)
    add({ kind: 'k8s.sa_shared_by_workloads', subject: externalId, evidence: { workloads } });

  const credentials: SourcedCredential[] = [];
  for (const secret of tokenSecrets) {
    const credentialKey = `secret/${secret.metadata.name}`;
    const token = (secret.data as Record<string, string> | undefined)?.token;
    credentials.push({
      key: credentialKey,
      kind: 'token',
      status: 'active',
      providerCreatedAt: secret.metadata.creationTimestamp
        ? new Date(secret.metadata.creationTimestamp)
        : null,
      // The token is recognised later (a leak of it) by its fingerprint; the token itself is dropped here.
      fingerprint: token ? await options.fingerprint(Buffer.from(token, 'base64').toString('utf8')) : null,
    });
    add({
      kind: 'k8s.legacy_token_secret',
      subject: `${externalId}|${credentialKey}`,
      credentialKey,
      evidence: { secret: `${account.metadata.namespace ?? 'default'}/${secret.metadata.name}` },
    });
  }
  const [namespace, name] = key.split('/') as [string, string];
  return {
    provider: 'kubernetes',
    externalId,
    kind: 'service_account',
    name: `${namespace}/${name}`,
    providerCreatedAt: account.metadata.creationTimestamp
      ? new Date(account.metadata.creationTimestamp)
      : null,
    permissions: grants.map((grant) => ({ ...grant, rules: grant.rules as never })) as never,
    metadata: {
      kubernetes: {
        cluster: options.cluster,
        namespace,
        automountServiceAccountToken: (account.automountServiceAccountToken as boolean | undefined) ?? null,
        workloads,
        unresolvedRoles: grants.filter((g) => !g.resolved).map((g) => g.role),
      },
    },
    credentials,
    facts: [...facts.values()],
  };
}

function orphanFact(cluster: string, key: string, grant: Grant): ObservedFact {
  return {
    kind: 'k8s.orphaned_binding',
    subject: `${cluster}/${key}|${grant.binding}`,
    evidence: {
      serviceAccount: key,
      binding: grant.binding,
      role: grant.role,
      scope: grant.scope,
      // What anyone creating the missing ServiceAccount would get.
      wouldGrant: [...new Set(flagsOfGrant(grant).map((flag) => flag.kind))],
    },
  };
}
