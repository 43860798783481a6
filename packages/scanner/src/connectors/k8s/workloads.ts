import type { K8sObject } from './k8s-objects.ts';

/** A workload that runs as a ServiceAccount, and whether its pods carry the account's token. */
export interface WorkloadUse {
  /** `Deployment web`: the namespace is the ServiceAccount's. */
  workload: string;
  mounts: boolean;
}

const workloadKinds = new Set([
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'CronJob',
]);

interface PodSpec {
  serviceAccountName?: string;
  serviceAccount?: string;
  automountServiceAccountToken?: boolean;
  volumes?: { projected?: { sources?: { serviceAccountToken?: unknown }[] } }[];
}

interface Templated {
  template?: { spec?: PodSpec };
  jobTemplate?: { spec?: { template?: { spec?: PodSpec } } };
}

function podSpecOf(workload: K8sObject): PodSpec | undefined {
  const spec = workload.spec as (PodSpec & Templated) | undefined;
  if (!spec) return undefined;
  if (workload.kind === 'Pod') return spec;
  if (workload.kind === 'CronJob') return spec.jobTemplate?.spec?.template?.spec;
  return spec.template?.spec;
}

/**
 * Whether pods of this spec get the ServiceAccount's token: a projected serviceAccountToken volume
 * always mounts one; otherwise the pod's automountServiceAccountToken decides, then the account's,
 * and Kubernetes mounts the token when neither says.
 */
function mountsToken(spec: PodSpec, account: K8sObject | undefined): boolean {
  const projected = (spec.volumes ?? []).some((volume) =>
    (volume?.projected?.sources ?? []).some((source) => source?.serviceAccountToken),
  );
  if (projected) return true;
  const fromAccount = account?.automountServiceAccountToken as boolean | undefined;
  return spec.automountServiceAccountToken ?? fromAccount ?? true;
}

/**
 * The workloads of the input per ServiceAccount (`namespace/name`). A workload whose owner is in the
 * input (the Deployment of a ReplicaSet, the ReplicaSet of a Pod) is counted through its owner only;
 * one whose owner is not (an export of pods alone) is counted itself.
 */
export function workloadUses(
  objects: K8sObject[],
  accounts: ReadonlyMap<string, K8sObject>,
): Map<string, WorkloadUse[]> {
  const workloads = objects.filter((object) => workloadKinds.has(object.kind));
  const present = new Set(
    workloads.map((w) => `${w.metadata.namespace ?? 'default'}/${w.kind}/${w.metadata.name}`),
  );
  const uses = new Map<string, WorkloadUse[]>();
  for (const workload of workloads) {
    const namespace = workload.metadata.namespace ?? 'default';
    const owners = (workload.metadata.ownerReferences ?? []) as { kind?: string; name?: string }[];
    if (owners.some((owner) => present.has(`${namespace}/${owner.kind}/${owner.name}`))) continue;
    const spec = podSpecOf(workload);
    if (!spec) continue;
    const key = `${namespace}/${spec.serviceAccountName ?? spec.serviceAccount ?? 'default'}`;
    const use = {
      workload: `${workload.kind} ${workload.metadata.name}`,
      mounts: mountsToken(spec, accounts.get(key)),
    };
    const list = uses.get(key);
    if (list) list.push(use);
    else uses.set(key, [use]);
  }
  return uses;
}
