import {
  ApiException,
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  KubeConfig,
  Observable,
  type ObservableMiddleware,
  RbacAuthorizationV1Api,
  VersionApi,
} from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';
import type { ConnectionTestResult } from '../../api/scanner.schema.ts';
import { type ConnectorOutput, type ScanWarning, UnreadableInputError } from '../connector.ts';
import type { ConnectorContext } from '../registry.ts';
import type { K8sObject } from './k8s-objects.ts';
import { readKubernetesObjects, withoutSecretData } from './kubernetes.ts';

/** Items per list call: large enough for few round trips, small enough for the API server's memory. */
export const kubernetesPageSize = 500;

const tokenSecretType = 'kubernetes.io/service-account-token';

interface ListPage {
  metadata?: { _continue?: string };
  items: object[];
}

type ListCall = (page: { limit: number; _continue?: string }) => Promise<ListPage>;

interface Clients {
  core: CoreV1Api;
  apps: AppsV1Api;
  batch: BatchV1Api;
  rbac: RbacAuthorizationV1Api;
  options: { middleware: ObservableMiddleware[]; middlewareMergeStrategy: 'append' };
}

interface ListedResource {
  kind: string;
  apiVersion: string;
  /** The resource as RBAC names it (`secrets`), and its API group (`''` for the core group). */
  plural: string;
  group: string;
  /** Without it the reading is wrong rather than partial: the scan fails instead of warning. */
  required: boolean;
  list(clients: Clients): ListCall;
}

const listed = (
  kind: string,
  apiVersion: string,
  plural: string,
  required: boolean,
  list: (clients: Clients) => ListCall,
): ListedResource => ({
  kind,
  apiVersion,
  plural,
  group: apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '',
  required,
  list,
});

/**
 * What a live scan lists, across all namespaces: the kinds the manifest reader understands. Without
 * ServiceAccounts or RBAC objects a complete scan would resolve every fact of the cluster, so those
 * are required; workloads, namespaces and token Secrets only add to what is known.
 */
const resources: ListedResource[] = [
  listed(
    'ServiceAccount',
    'v1',
    'serviceaccounts',
    true,
    (c) => (p) => c.core.listServiceAccountForAllNamespaces(p, c.options),
  ),
  listed(
    'Role',
    'rbac.authorization.k8s.io/v1',
    'roles',
    true,
    (c) => (p) => c.rbac.listRoleForAllNamespaces(p, c.options),
  ),
  listed(
    'ClusterRole',
    'rbac.authorization.k8s.io/v1',
    'clusterroles',
    true,
    (c) => (p) => c.rbac.listClusterRole(p, c.options),
  ),
  listed(
    'RoleBinding',
    'rbac.authorization.k8s.io/v1',
    'rolebindings',
    true,
    (c) => (p) => c.rbac.listRoleBindingForAllNamespaces(p, c.options),
  ),
  listed(
    'ClusterRoleBinding',
    'rbac.authorization.k8s.io/v1',
    'clusterrolebindings',
    true,
    (c) => (p) => c.rbac.listClusterRoleBinding(p, c.options),
  ),
  // Only token Secrets are asked for; their data is fingerprinted and dropped page by page.
  listed(
    'Secret',
    'v1',
    'secrets',
    false,
    (c) => (p) =>
      c.core.listSecretForAllNamespaces({ ...p, fieldSelector: `type=${tokenSecretType}` }, c.options),
  ),
  listed('Namespace', 'v1', 'namespaces', false, (c) => (p) => c.core.listNamespace(p, c.options)),
  listed('Pod', 'v1', 'pods', false, (c) => (p) => c.core.listPodForAllNamespaces(p, c.options)),
  listed(
    'ReplicationController',
    'v1',
    'replicationcontrollers',
    false,
    (c) => (p) => c.core.listReplicationControllerForAllNamespaces(p, c.options),
  ),
  listed(
    'Deployment',
    'apps/v1',
    'deployments',
    false,
    (c) => (p) => c.apps.listDeploymentForAllNamespaces(p, c.options),
  ),
  listed(
    'StatefulSet',
    'apps/v1',
    'statefulsets',
    false,
    (c) => (p) => c.apps.listStatefulSetForAllNamespaces(p, c.options),
  ),
  listed(
    'DaemonSet',
    'apps/v1',
    'daemonsets',
    false,
    (c) => (p) => c.apps.listDaemonSetForAllNamespaces(p, c.options),
  ),
  listed(
    'ReplicaSet',
    'apps/v1',
    'replicasets',
    false,
    (c) => (p) => c.apps.listReplicaSetForAllNamespaces(p, c.options),
  ),
  listed('Job', 'batch/v1', 'jobs', false, (c) => (p) => c.batch.listJobForAllNamespaces(p, c.options)),
  listed(
    'CronJob',
    'batch/v1',
    'cronjobs',
    false,
    (c) => (p) => c.batch.listCronJobForAllNamespaces(p, c.options),
  ),
];

const clusterOf = (settings: Record<string, unknown>) =>
  typeof settings.cluster === 'string' && settings.cluster ? settings.cluster : 'cluster';

/**
 * Reads a cluster through its API server with the source's credentials: every object the manifest
 * reader understands, listed page by page, read exactly as the same objects uploaded would be.
 */
export async function readKubernetesLive(context: ConnectorContext): Promise<ConnectorOutput> {
  const clients = kubernetesClients(context.settings, context.secrets, context.signal);
  const { config } = clients;
  // A token Secret's token is fingerprinted and dropped as its page arrives, never kept for the list.
  const kept = (entry: ListedResource) => (item: K8sObject) =>
    entry.kind === 'Secret' ? withoutSecretData(item, context.fingerprint) : Promise.resolve(item);
  // Kinds are listed side by side and kept in this order, so every scan reads them alike.
  const lists = await Promise.all(
    resources.map(async (entry): Promise<{ objects: K8sObject[]; warning?: ScanWarning }> => {
      try {
        const { items: objects, inconsistent } = await listAll(entry, clients, kept(entry));
        return inconsistent ? { objects, warning: inconsistentListWarning(entry) } : { objects };
      } catch (error) {
        if (context.signal.aborted) throw error;
        const reason = failureOf(error, config, entry);
        if (entry.required || !(error instanceof ApiException) || error.code !== 403)
          throw new UnreadableInputError(reason);
        return {
          objects: [],
          warning: { item: `${entry.kind} objects`, message: `${reason}; the rest is read without them` },
        };
      }
    }),
  );
  const objects = lists.flatMap((list) => list.objects);
  const warnings = lists.flatMap((list) => (list.warning ? [list.warning] : []));
  const output = await readKubernetesObjects(objects, {
    cluster: clusterOf(context.settings),
    fingerprint: context.fingerprint,
  });
  output.warnings.unshift(...warnings);
  return output;
}

/** GET /version, then the first ServiceAccount: the call a scan makes first, with its permission. */
export async function testKubernetesConnection(
  settings: Record<string, string | number | boolean>,
  secrets: Record<string, string>,
  signal: AbortSignal,
): Promise<ConnectionTestResult> {
  let config: KubeConfig;
  try {
    config = kubeConfigOf(settings, secrets);
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
  const clients = clientsOf(config, signal);
  const serviceAccounts = resources[0] as ListedResource;
  try {
    const version = await config.makeApiClient(VersionApi).getCode({}, clients.options);
    await serviceAccounts.list(clients)({ limit: 1 });
    return {
      ok: true,
      message: `Kubernetes ${version.gitVersion} accepted the credentials and lets them list ServiceAccounts`,
    };
  } catch (error) {
    return { ok: false, message: failureOf(error, config, serviceAccounts) };
  }
}

/**
 * The API clients of a source's cluster, with its own credentials, every call abortable by `signal`:
 * what a live scan reads with and what remediation acts with.
 */
export function kubernetesClients(
  settings: Record<string, unknown>,
  secrets: Record<string, string>,
  signal: AbortSignal,
): KubernetesClients {
  const config = kubeConfigOf(settings, secrets);
  return { ...clientsOf(config, signal), config };
}

export type KubernetesClients = Clients & { config: KubeConfig };

function clientsOf(config: KubeConfig, signal: AbortSignal): Clients {
  const abortable: ObservableMiddleware = {
    pre: (request) => {
      request.setSignal(signal);
      return new Observable(Promise.resolve(request));
    },
    post: (response) => new Observable(Promise.resolve(response)),
  };
  return {
    core: config.makeApiClient(CoreV1Api),
    apps: config.makeApiClient(AppsV1Api),
    batch: config.makeApiClient(BatchV1Api),
    rbac: config.makeApiClient(RbacAuthorizationV1Api),
    options: { middleware: [abortable], middlewareMergeStrategy: 'append' },
  };
}

/**
 * How often a list whose `continue` token expired (410 Expired: the API server's snapshot was
 * compacted away while the pages were read, as happens on a large cluster) starts again from its first
 * page before going on with the token that answer offers, which lists the rest as it is now.
 */
export const consistentListRestarts = 2;

interface ListedItems {
  items: K8sObject[];
  /** The rest was listed after the snapshot expired: objects changed meanwhile may be missed. */
  inconsistent: boolean;
}

/**
 * Every item of a resource, page by page. Items come as the API server sends them, without kind
 * and apiVersion; they get them back, and a plain shape (timestamps as strings), as in a kubectl export.
 */
async function listAll(
  entry: ListedResource,
  clients: Clients,
  keep: (item: K8sObject) => Promise<K8sObject>,
): Promise<ListedItems> {
  const list = entry.list(clients);
  let items: K8sObject[] = [];
  let next: string | undefined;
  let restarts = 0;
  let inconsistent = false;
  // A token offered by a 410 that expires again before a page is read would loop forever.
  let readSinceExpiry = true;
  for (;;) {
    let page: ListPage;
    try {
      page = await list({ limit: kubernetesPageSize, ...(next ? { _continue: next } : {}) });
    } catch (error) {
      const expired = next === undefined ? undefined : expiredListOf(error);
      if (!expired || !readSinceExpiry) throw error;
      readSinceExpiry = false;
      if (restarts < consistentListRestarts) {
        restarts += 1;
        items = [];
        next = undefined;
      } else if (expired.continue) {
        inconsistent = true;
        next = expired.continue;
      } else throw error;
      continue;
    }
    readSinceExpiry = true;
    for (const item of page.items)
      items.push(
        await keep({
          ...(JSON.parse(JSON.stringify(item)) as K8sObject),
          kind: entry.kind,
          apiVersion: entry.apiVersion,
        }),
      );
    next = page.metadata?._continue || undefined;
    if (!next) return { items, inconsistent };
  }
}

/** A 410 Expired answer to a `continue` token, with the token it offers for the rest, if any. */
function expiredListOf(error: unknown): { continue?: string } | undefined {
  if (!(error instanceof ApiException) || error.code !== 410) return undefined;
  try {
    const body = (typeof error.body === 'string' ? JSON.parse(error.body) : error.body) as {
      metadata?: { continue?: string };
    } | null;
    return { continue: body?.metadata?.continue || undefined };
  } catch {
    return {};
  }
}

const inconsistentListWarning = (entry: ListedResource): ScanWarning => ({
  item: `${entry.kind} objects`,
  message:
    `the API server's snapshot expired ${consistentListRestarts + 1} times while ${entry.plural} were listed page by page, ` +
    'so the rest was listed as it is now: an object created, changed or deleted during the scan may be missed or read in its newer state',
});

const text = (value: unknown) => (typeof value === 'string' && value.trim() ? value.trim() : undefined);

/**
 * The client configuration of a source: a whole kubeconfig (its `context` setting, or its current
 * context), or a server URL with a bearer token and the cluster's CA. Nothing is read from or
 * written to disk, and a kubeconfig that would run a command or read a file is refused.
 */
export function kubeConfigOf(settings: Record<string, unknown>, secrets: Record<string, string>): KubeConfig {
  const config = new KubeConfig();
  const kubeconfig = text(secrets.kubeconfig);
  if (kubeconfig) {
    const parsed = kubeconfigDocument(kubeconfig);
    config.loadFromString(JSON.stringify(parsed));
    const context = text(settings.context);
    if (context) {
      if (!config.getContextObject(context))
        throw new UnreadableInputError(
          `The kubeconfig has no context ${context} (it has ${
            config
              .getContexts()
              .map((c) => c.name)
              .join(', ') || 'none'
          })`,
        );
      config.setCurrentContext(context);
    }
    const cluster = config.getCurrentCluster();
    if (!cluster?.server)
      throw new UnreadableInputError('The kubeconfig names no current context with a cluster server');
    return config;
  }
  const server = text(settings.server);
  const token = text(secrets.token);
  if (!server || !token)
    throw new UnreadableInputError(
      'The source needs a kubeconfig (secrets.kubeconfig), or an API server URL (settings.server) and a token (secrets.token)',
    );
  if (!/^https:\/\//i.test(server))
    throw new UnreadableInputError(`The API server URL must be https:// (got ${server})`);
  const ca = text(secrets.caCert) ?? text(settings.caCert);
  config.loadFromClusterAndUser(
    {
      name: 'cluster',
      server,
      skipTLSVerify: false,
      ...(ca ? { caData: Buffer.from(pemOf(ca)).toString('base64') } : {}),
    },
    { name: 'scanner', token },
  );
  return config;
}

/** Kubeconfig fields that run a program or read a file of the hub's machine. */
const refusedUserFields = ['exec', 'auth-provider', 'token-file', 'client-certificate', 'client-key'];

/**
 * A kubeconfig pasted as YAML, JSON (one line survives a single-line field) or base64 of either.
 */
function kubeconfigDocument(value: string): Record<string, unknown> {
  const attempt = (source: string) => {
    try {
      const document = parseYaml(source) as unknown;
      return document && typeof document === 'object' && 'clusters' in document
        ? (document as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  };
  const document = attempt(value) ?? attempt(Buffer.from(value, 'base64').toString('utf8'));
  if (!document)
    throw new UnreadableInputError(
      'The kubeconfig is not readable: give it as YAML, one-line JSON (kubectl config view --raw --minify -o json) or base64',
    );
  const users = Array.isArray(document.users) ? (document.users as { name?: string; user?: object }[]) : [];
  for (const entry of users) {
    const refused = refusedUserFields.filter((field) => entry.user && field in entry.user);
    if (refused.length > 0)
      throw new UnreadableInputError(
        `The kubeconfig's user ${entry.name ?? ''} uses ${refused.join(', ')}: the hub only takes a token or ` +
          'embedded client certificate data (kubectl config view --raw --minify --flatten)',
      );
  }
  const clusters = Array.isArray(document.clusters)
    ? (document.clusters as { name?: string; cluster?: object }[])
    : [];
  for (const entry of clusters)
    if (entry.cluster && 'certificate-authority' in entry.cluster)
      throw new UnreadableInputError(
        `The kubeconfig's cluster ${entry.name ?? ''} names a CA file: embed it (kubectl config view --raw --minify --flatten)`,
      );
  return document;
}

/**
 * A PEM certificate bundle as typed into a single-line field (its line breaks lost) or as base64
 * (a kubeconfig's certificate-authority-data), rewrapped so TLS can read it.
 */
export function pemOf(value: string): string {
  const source = value.includes('-----BEGIN') ? value : Buffer.from(value, 'base64').toString('utf8');
  const blocks = [...source.matchAll(/-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/g)];
  if (blocks.length === 0)
    throw new UnreadableInputError('The CA certificate (caCert) is not a PEM certificate or its base64');
  return blocks
    .map(([, label, body]) => {
      const base64 = (body ?? '').replace(/\s+/g, '');
      return `-----BEGIN ${label}-----\n${base64.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END ${label}-----\n`;
    })
    .join('');
}

const untrustedCertificate = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/** What went wrong, in terms of the source's settings: never the API server's whole answer. */
function failureOf(error: unknown, config: KubeConfig, entry: ListedResource): string {
  const server = config.getCurrentCluster()?.server ?? 'the API server';
  const resource = `${entry.plural}${entry.group ? ` (API group ${entry.group})` : ''}`;
  if (error instanceof ApiException) {
    if (error.code === 401) return `${server} refused the credentials (401 Unauthorized)`;
    if (error.code === 403)
      return `the credentials may not list ${resource}: grant the RBAC verb "list" on it (403 Forbidden)`;
    return `listing ${resource} failed with HTTP ${error.code}`;
  }
  if (error instanceof UnreadableInputError) return error.message;
  const cause = (error as { cause?: { code?: string; message?: string } })?.cause;
  const code = cause?.code ?? (error as { code?: string })?.code;
  if (code && untrustedCertificate.has(code))
    return `${server} presented a certificate the given CA does not sign (${code}): check caCert or the kubeconfig's certificate-authority-data`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `${server} presented a certificate for another host name (${code})`;
  if ((error as Error)?.name === 'AbortError' || (error as Error)?.name === 'TimeoutError')
    return `${server} did not answer in time`;
  return `${server} could not be reached: ${code ?? cause?.message ?? (error as Error)?.message ?? String(error)}`;
}
