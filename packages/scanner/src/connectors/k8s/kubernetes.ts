import { isOwnerKey, type SourcedCredential } from '@nhi/nhi';
import type { ObservedFact } from '../../api/scan-facts.ts';
import {
  type ConnectorOutput,
  type DiscoveredNhi,
  emptyOutput,
  type IdentityFact,
  type LooseFact,
  type ScanWarning,
} from '../connector.ts';
import { type K8sObject, readK8sObjects } from './k8s-objects.ts';
import { ClusterRoles, type Rule } from './rbac.ts';
import { csrApproval, type Grant, impliedByClusterAdmin, rightsOfGrant } from './rights.ts';
import { type WorkloadUse, workloadUses } from './workloads.ts';

export type { Grant } from './rights.ts';

/** A ServiceAccount used by this many workloads or more is shared. */
export const sharedServiceAccountThreshold = 3;

/** Covered ServiceAccounts named in a group fact's evidence; the count has them all. */
const listedAccounts = 50;

export interface KubernetesReadOptions {
  /** Names the cluster in external ids, so clusters with equal namespaces do not collide. */
  cluster: string;
  fingerprint(secret: string): Promise<string>;
}

interface Subject {
  kind?: string;
  name?: string;
  namespace?: string;
}

/** What the bindings of an input grant, per subject. */
interface BoundGrants {
  /** Per ServiceAccount (`namespace/name`). */
  accounts: Map<string, Grant[]>;
  /** Per user or group (`User name`, `Group name`). */
  principals: Map<string, Grant[]>;
}

const namespaceOf = (object: K8sObject) => object.metadata.namespace ?? 'default';
const append = <T>(map: Map<string, T[]>, key: string, value: T) => {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
};

/**
 * ServiceAccounts of manifests or kubectl output as identities, with their effective RBAC resolved
 * like the API server resolves it, and the grants of users and groups as facts about no identity.
 */
export async function readKubernetes(
  input: string,
  options: KubernetesReadOptions,
): Promise<ConnectorOutput> {
  const { objects, warnings } = readK8sObjects(input);
  return readKubernetesObjects(objects, options, warnings);
}

/**
 * The same reading of objects already parsed (listed from a live API server): whatever their origin,
 * equal objects give equal identities and facts.
 */
export async function readKubernetesObjects(
  listed: K8sObject[],
  options: KubernetesReadOptions,
  warnings: ScanWarning[] = [],
): Promise<ConnectorOutput> {
  const output: ConnectorOutput = {
    ...emptyOutput(),
    externalIdPrefix: `${options.cluster}/`,
    namesOthers: true,
  };
  const objects = await Promise.all(
    listed.map((object) =>
      object.kind === 'Secret' ? withoutSecretData(object, options.fingerprint) : object,
    ),
  );
  output.warnings.push(...warnings);
  output.read = { count: objects.length, unit: 'Kubernetes objects' };
  const byKind = (kind: string) => objects.filter((object) => object.kind === kind);
  const accounts = new Map(
    byKind('ServiceAccount').map((sa) => [`${namespaceOf(sa)}/${sa.metadata.name}`, sa]),
  );
  const bound = bindGrants(objects, output.warnings);
  const uses = workloadUses(objects, accounts);
  const tokenSecrets = tokenSecretsOf(byKind('Secret'), output.warnings);
  const groupGrants = [...bound.principals].filter(([principal]) => principal.startsWith('Group '));
  const namespaces = new Map(byKind('Namespace').map((namespace) => [namespace.metadata.name, namespace]));

  for (const [key, account] of accounts) {
    try {
      const direct = bound.accounts.get(key) ?? [];
      output.nhis.push(
        accountOf(options, key, account, {
          grants: [...direct, ...grantsAsMember(key, direct, groupGrants)],
          uses: uses.get(key) ?? [],
          tokenSecrets: tokenSecrets.get(key) ?? [],
          namespace: namespaces.get(namespaceOf(account)),
        }),
      );
    } catch (error) {
      output.warnings.push({ item: `ServiceAccount ${key}`, message: (error as Error).message });
    }
  }
  for (const [key, grants] of bound.accounts) {
    if (accounts.has(key)) continue;
    output.looseFacts.push(...referencedAccount(options.cluster, key, grants, uses.get(key) ?? []));
  }
  for (const [principal, grants] of bound.principals)
    output.looseFacts.push(...principalFacts(options.cluster, principal, grants, [...accounts.keys()]));
  return output;
}

/** Every binding's grant, by subject; bindings the input cannot resolve are warnings. */
function bindGrants(objects: K8sObject[], warnings: ScanWarning[]): BoundGrants {
  const roles = new Map(
    objects
      .filter((object) => object.kind === 'Role')
      .map((role) => [`${namespaceOf(role)}/${role.metadata.name}`, rulesOf(role)]),
  );
  const clusterRoles = new ClusterRoles(
    objects
      .filter((object) => object.kind === 'ClusterRole')
      .map((role) => ({
        name: role.metadata.name,
        labels: role.metadata.labels,
        aggregationRule: role.aggregationRule as never,
        rules: rulesOf(role),
      })),
  );
  const bound: BoundGrants = { accounts: new Map(), principals: new Map() };
  for (const binding of objects) {
    if (binding.kind !== 'RoleBinding' && binding.kind !== 'ClusterRoleBinding') continue;
    const cluster = binding.kind === 'ClusterRoleBinding';
    const name = `${binding.kind} ${cluster ? '' : `${namespaceOf(binding)}/`}${binding.metadata.name}`;
    const roleRef = binding.roleRef as { kind?: string; name?: string } | undefined;
    if (!roleRef?.name) {
      warnings.push({ item: name, message: 'has no roleRef' });
      continue;
    }
    const rules =
      roleRef.kind === 'Role'
        ? roles.get(`${namespaceOf(binding)}/${roleRef.name}`)
        : clusterRoles.rulesOf(roleRef.name);
    const grant: Grant = {
      binding: name,
      role: `${roleRef.kind ?? 'ClusterRole'} ${roleRef.name}`,
      scope: cluster ? 'cluster' : namespaceOf(binding),
      rules: rules ?? [],
      resolved: rules !== undefined,
    };
    // The cluster's own defaults for its control plane (kube-scheduler, nodes, discovery...) are
    // reconciled by the API server and say nothing about this cluster's choices.
    const bootstrap = binding.metadata.labels?.['kubernetes.io/bootstrapping'] === 'rbac-defaults';
    for (const subject of (binding.subjects as Subject[] | null | undefined) ?? []) {
      if (!subject.name) continue;
      if (subject.kind === 'ServiceAccount') {
        // The API server requires the namespace of a ServiceAccount bound cluster-wide.
        const namespace = subject.namespace ?? (cluster ? undefined : namespaceOf(binding));
        if (!namespace) {
          warnings.push({ item: name, message: `ServiceAccount ${subject.name} without a namespace` });
          continue;
        }
        append(bound.accounts, `${namespace}/${subject.name}`, grant);
      } else if ((subject.kind === 'User' || subject.kind === 'Group') && !bootstrap)
        append(bound.principals, `${subject.kind} ${subject.name}`, grant);
    }
  }
  return bound;
}

/**
 * The grants a ServiceAccount holds as a member of the groups bindings name (system:serviceaccounts,
 * system:serviceaccounts:<its namespace>, system:authenticated), marked with the group. A binding that
 * also names the account itself is its direct grant already.
 */
function grantsAsMember(account: string, direct: Grant[], groupGrants: [string, Grant[]][]): Grant[] {
  const bindings = new Set(direct.map((grant) => grant.binding));
  const inherited: Grant[] = [];
  for (const [principal, grants] of groupGrants) {
    const group = principal.slice('Group '.length);
    if (!inGroup(group, account)) continue;
    for (const grant of grants) {
      if (bindings.has(grant.binding)) continue;
      bindings.add(grant.binding);
      inherited.push({ ...grant, via: `group ${group}` });
    }
  }
  return inherited;
}

/** Whether the API server puts a ServiceAccount (`namespace/name`) in a group when it authenticates it. */
function inGroup(group: string, account: string): boolean {
  if (group === 'system:authenticated' || group === 'system:serviceaccounts') return true;
  const prefix = 'system:serviceaccounts:';
  return group.startsWith(prefix) && account.startsWith(`${group.slice(prefix.length)}/`);
}

function rulesOf(role: K8sObject): Rule[] {
  return ((role.rules as Rule[] | null | undefined) ?? []).map((rule) => ({ ...rule }));
}

const tokenFingerprint = Symbol('token fingerprint');

/** A Secret as it is kept: its metadata and, for a ServiceAccount token, the token's fingerprint. */
type KeptSecret = K8sObject & { [tokenFingerprint]?: string | null };

/**
 * A Secret without its data: a token is recognised later (a leak of it) by its fingerprint, so the
 * token Secret's token is fingerprinted and then dropped, and nothing else of any Secret is read.
 */
export async function withoutSecretData(
  secret: K8sObject,
  fingerprint: (secret: string) => Promise<string>,
): Promise<K8sObject> {
  if (tokenFingerprint in secret) return secret;
  const token = (secret.data as Record<string, unknown> | null | undefined)?.token;
  const kept: KeptSecret = { apiVersion: secret.apiVersion, kind: secret.kind, metadata: secret.metadata };
  if (secret.type !== undefined) kept.type = secret.type;
  kept[tokenFingerprint] =
    secret.type === 'kubernetes.io/service-account-token' && typeof token === 'string' && token
      ? await fingerprint(Buffer.from(token, 'base64').toString('utf8'))
      : null;
  return kept;
}

function tokenSecretsOf(secrets: K8sObject[], warnings: ScanWarning[]): Map<string, K8sObject[]> {
  const bySa = new Map<string, K8sObject[]>();
  for (const secret of secrets) {
    if (secret.type !== 'kubernetes.io/service-account-token') continue;
    const owner = secret.metadata.annotations?.['kubernetes.io/service-account.name'];
    if (!owner) {
      warnings.push({
        item: `Secret ${namespaceOf(secret)}/${secret.metadata.name}`,
        message: 'token Secret without its ServiceAccount annotation',
      });
      continue;
    }
    append(bySa, `${namespaceOf(secret)}/${owner}`, secret);
  }
  return bySa;
}

/**
 * The facts of a subject's grants: one per dangerous right and binding. k8s.cluster_admin stands
 * for every other right (they are not repeated beside it), and reading the Secrets of every namespace
 * for reading those of one. A grant held through a group names it (`via`).
 */
export function grantFacts(
  subject: string,
  grants: Grant[],
  extra: Record<string, unknown> = {},
): ObservedFact[] {
  const facts: ObservedFact[] = [];
  for (const grant of grants)
    for (const right of rightsOfGrant(grant))
      facts.push({
        kind: right.kind,
        subject: `${subject}|${grant.binding}`,
        evidence: {
          binding: grant.binding,
          role: grant.role,
          scope: grant.scope,
          rule: right.rule,
          reason: right.reason,
          ...(right.limitedTo ? { limitedTo: right.limitedTo } : {}),
          ...(grant.via ? { via: grant.via } : {}),
          ...extra,
        },
      });
  const csr = csrApproval(grants);
  if (csr)
    facts.push({
      kind: 'k8s.csr_approve',
      subject: `${subject}|${csr.approval.binding}`,
      evidence: {
        binding: csr.approval.binding,
        role: csr.approval.role,
        scope: csr.approval.scope,
        rule: csr.right.rule,
        reason: csr.right.reason,
        ...(csr.signer !== csr.approval ? { signerBinding: csr.signer.binding } : {}),
        ...(csr.right.limitedTo ? { limitedTo: csr.right.limitedTo } : {}),
        ...(csr.approval.via ? { via: csr.approval.via } : {}),
        ...(csr.signer !== csr.approval && csr.signer.via ? { signerVia: csr.signer.via } : {}),
        ...extra,
      },
    });
  const kinds = new Set(facts.map((fact) => fact.kind));
  return facts.filter(
    (fact) =>
      !(kinds.has('k8s.cluster_admin') && impliedByClusterAdmin.has(fact.kind)) &&
      !(kinds.has('k8s.secrets_read_cluster') && fact.kind === 'k8s.secrets_read'),
  );
}

/**
 * The facts of a ServiceAccount's grants (by name or through its groups), with the workloads that
 * carry its token.
 */
function accountFacts(externalId: string, name: string, grants: Grant[], uses: WorkloadUse[]) {
  const mountedBy = uses.filter((use) => use.mounts).map((use) => use.workload);
  const facts = grantFacts(externalId, grants, { mountedBy });
  // Bindings that name it: those of its groups are given to every ServiceAccount alike.
  const named = grants.filter((grant) => !grant.via);
  if (name === 'default' && named.length > 0)
    facts.push({
      kind: 'k8s.default_sa_bound',
      subject: externalId,
      evidence: { bindings: named.map((g) => g.binding) },
    });
  if (uses.length >= sharedServiceAccountThreshold)
    facts.push({
      kind: 'k8s.sa_shared_by_workloads',
      subject: externalId,
      evidence: { workloads: uses.map((use) => use.workload) },
    });
  return { facts, mountedBy };
}

function accountOf(
  options: KubernetesReadOptions,
  key: string,
  account: K8sObject,
  found: { grants: Grant[]; uses: WorkloadUse[]; tokenSecrets: K8sObject[]; namespace?: K8sObject },
): DiscoveredNhi {
  const externalId = `${options.cluster}/${key}`;
  const [namespace, name] = key.split('/') as [string, string];
  const { facts: grantFactList, mountedBy } = accountFacts(externalId, name, found.grants, found.uses);
  const facts: IdentityFact[] = [...grantFactList];
  const credentials: SourcedCredential[] = [];
  for (const secret of found.tokenSecrets) {
    const credentialKey = `secret/${secret.metadata.name}`;
    credentials.push({
      key: credentialKey,
      kind: 'token',
      status: 'active',
      providerCreatedAt: secret.metadata.creationTimestamp
        ? new Date(secret.metadata.creationTimestamp)
        : null,
      fingerprint: (secret as KeptSecret)[tokenFingerprint] ?? null,
    });
    facts.push({
      kind: 'k8s.legacy_token_secret',
      subject: `${externalId}|${credentialKey}`,
      credentialKey,
      evidence: { secret: `${namespace}/${secret.metadata.name}` },
    });
  }
  const unique = new Map(facts.map((fact) => [`${fact.kind}\u0000${fact.subject}`, fact]));
  return {
    provider: 'kubernetes',
    externalId,
    kind: 'service_account',
    name: key,
    providerCreatedAt: account.metadata.creationTimestamp
      ? new Date(account.metadata.creationTimestamp)
      : null,
    permissions: found.grants.map((grant) => ({ ...grant, rules: grant.rules as never })) as never,
    metadata: {
      kubernetes: {
        cluster: options.cluster,
        namespace,
        automountServiceAccountToken: (account.automountServiceAccountToken as boolean | undefined) ?? null,
        workloads: found.uses.map((use) => use.workload),
        mountedBy,
        unresolvedRoles: found.grants.filter((g) => !g.resolved).map((g) => g.role),
        ...ownershipMetadata(account, found.namespace),
      },
    },
    credentials,
    facts: [...unique.values()],
  };
}

/**
 * What the ServiceAccount and its namespace say about who owns it, for the inventory's ownership
 * suggestions: their labels (short by Kubernetes' rules) and, of their annotations (which may hold
 * whole manifests), only those with an owner key (`team`, `owner`, `example.com/squad`). Keys appear
 * only when there is something to keep, so accounts without labels read as before.
 */
function ownershipMetadata(account: K8sObject, namespace: K8sObject | undefined) {
  const ownerAnnotations = (object: K8sObject | undefined) =>
    Object.fromEntries(
      Object.entries(object?.metadata.annotations ?? {}).filter(
        ([key, value]) => isOwnerKey(key) && typeof value === 'string',
      ),
    );
  const parts = {
    labels: { ...(account.metadata.labels ?? {}) },
    annotations: ownerAnnotations(account),
    namespaceLabels: { ...(namespace?.metadata.labels ?? {}) },
    namespaceAnnotations: ownerAnnotations(namespace),
  };
  return Object.fromEntries(Object.entries(parts).filter(([, values]) => Object.keys(values).length > 0));
}

/**
 * A ServiceAccount bound here but exported elsewhere (another file or source of the cluster): its
 * facts go to the inventory's identity when there is one, and the bindings are orphaned otherwise.
 * Every namespace has a `default` ServiceAccount, so bindings to it are never orphaned: without an
 * identity its facts stay facts about no identity.
 */
function referencedAccount(cluster: string, key: string, grants: Grant[], uses: WorkloadUse[]): LooseFact[] {
  const externalId = `${cluster}/${key}`;
  const about = { provider: 'kubernetes' as const, externalId };
  const name = key.split('/')[1] as string;
  const { facts } = accountFacts(externalId, name, grants, uses);
  const named = facts.map((fact) => ({
    ...fact,
    evidence: { serviceAccount: key, ...fact.evidence },
    about,
  }));
  if (name === 'default') return named;
  return [
    ...named.map((fact) => ({ ...fact, when: 'known' as const })),
    ...grants.map((grant) => ({ ...orphanFact(externalId, key, grant), about, when: 'unknown' as const })),
  ];
}

function orphanFact(externalId: string, key: string, grant: Grant): ObservedFact {
  return {
    kind: 'k8s.orphaned_binding',
    subject: `${externalId}|${grant.binding}`,
    evidence: {
      serviceAccount: key,
      binding: grant.binding,
      role: grant.role,
      scope: grant.scope,
      // What anyone creating the missing ServiceAccount would get.
      wouldGrant: [...new Set(grantFacts(externalId, [grant]).map((fact) => fact.kind))],
    },
  };
}

const anonymous = { covers: 'anonymous requests: anyone who reaches the API server', anonymous: true };

/** Who a group stands for, and which of the input's ServiceAccounts are in it. */
function membersOf(group: string, accounts: string[]): Record<string, unknown> {
  const listed = (covered: string[]) => ({
    serviceAccounts: covered.slice(0, listedAccounts),
    serviceAccountCount: covered.length,
  });
  if (group === 'system:authenticated')
    return { covers: 'every authenticated user and every ServiceAccount', ...listed(accounts) };
  if (group === 'system:unauthenticated') return anonymous;
  if (group === 'system:serviceaccounts')
    return { covers: 'every ServiceAccount of the cluster', ...listed(accounts) };
  if (group.startsWith('system:serviceaccounts:'))
    return {
      covers: `every ServiceAccount of namespace ${group.slice('system:serviceaccounts:'.length)}`,
      ...listed(accounts.filter((key) => inGroup(group, key))),
    };
  return {};
}

/**
 * Facts about a user or group: no identity of the inventory, one per right and binding (the alert
 * for the binding itself). The groups that stand for every ServiceAccount (of a namespace) or every
 * caller say whom they cover; the covered ServiceAccounts of the input also carry the grant as their
 * own fact (through the group), so their rights and risk show it. Anonymous requests are made as the
 * user system:anonymous in the group system:unauthenticated: both say so (`anonymous`).
 */
function principalFacts(
  cluster: string,
  principal: string,
  grants: Grant[],
  accounts: string[],
): ObservedFact[] {
  const group = principal.startsWith('Group ') ? principal.slice('Group '.length) : undefined;
  const about = group ? membersOf(group, accounts) : principal === 'User system:anonymous' ? anonymous : {};
  return grantFacts(`${cluster}/${principal}`, grants, about);
}
