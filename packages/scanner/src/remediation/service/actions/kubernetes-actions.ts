import type { ApiException, ObservableMiddleware, V1Pod } from '@kubernetes/client-node';
import { ConflictError, ValidationError } from '@nhi/platform';
import { UnreadableInputError } from '../../../connectors/connector.ts';
import type { KubernetesClients } from '../../../connectors/k8s/kubernetes-live.ts';
import {
  day,
  type OfferingSource,
  type ProviderAccess,
  ProviderRefusal,
  type RemediationActionModule,
  type RemediationSubject,
  type SubjectCredential,
} from './remediation-action.ts';

const notConnected =
  'Needs a live cluster connection: the source imports exported files, so there is no API server to delete the Secret with';
const tokenSecretType = 'kubernetes.io/service-account-token';
const accountAnnotation = 'kubernetes.io/service-account.name';
/** Set by the API server (1.29+) on a legacy token Secret whose token was used, to the day. */
const lastUsedLabel = 'kubernetes.io/legacy-token-last-used';
/** Lists answered with each object's metadata only: a token Secret's data never leaves the cluster. */
const metadataOnly = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1';

/** A live source reaches an API server: a kubeconfig, or a server URL with a token. */
const isLive = (source: OfferingSource) =>
  source.secretNames.includes('kubeconfig') ||
  (typeof source.settings.server === 'string' && source.secretNames.includes('token'));

/** The ServiceAccount an identity is (`ci/deployer` of cluster prod). */
function accountOf(subject: RemediationSubject) {
  if (subject.nhi.provider !== 'kubernetes' || subject.nhi.kind !== 'service_account') return null;
  const [namespace, name] = subject.nhi.name.split('/');
  return namespace && name ? { namespace, name } : null;
}

/** The Secret a credential is: a scan names it `secret/<name>`. */
function secretNameOf(credential: SubjectCredential | null) {
  const name = credential?.hint?.startsWith('secret/') ? credential.hint.slice('secret/'.length) : '';
  if (!name) throw new ValidationError('Name the token Secret to delete (credentialId)');
  return name;
}

/**
 * The client library, loaded by the first action that reaches a cluster rather than with the hub:
 * it is the largest module the hub has, and most hubs never delete a token Secret (ADR 0056).
 */
let kubernetes: typeof import('@kubernetes/client-node');

async function withClients<T>(access: ProviderAccess, work: (clients: KubernetesClients) => Promise<T>) {
  kubernetes = await import('@kubernetes/client-node');
  const { kubernetesClients } = await import('../../../connectors/k8s/kubernetes-live.ts');
  let clients: KubernetesClients;
  try {
    clients = kubernetesClients(access.settings, access.secrets, access.signal);
  } catch (error) {
    if (error instanceof UnreadableInputError) throw new ValidationError(error.message);
    throw error;
  }
  return work(clients);
}

/** The API server's own reason and message (`403 Forbidden: secrets "x" is forbidden: …`), never a body. */
function answerOf(error: ApiException<unknown>) {
  const body = (typeof error.body === 'string' ? safeJson(error.body) : error.body) as {
    reason?: string;
    message?: string;
  } | null;
  return `${error.code}${body?.reason ? ` ${body.reason}` : ''}${body?.message ? `: ${body.message}` : ''}`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

interface TokenSecret {
  name: string;
  uid: string;
  created: string | null;
  lastUsed: string | null;
}

/** The account's token Secrets, by their metadata: listed with a field selector on the type. */
async function tokenSecretsOf(
  clients: KubernetesClients,
  account: { namespace: string; name: string },
): Promise<TokenSecret[]> {
  const asMetadata: ObservableMiddleware = {
    pre: (request) => {
      request.setHeaderParam('Accept', metadataOnly);
      return new kubernetes.Observable(Promise.resolve(request));
    },
    post: (response) => new kubernetes.Observable(Promise.resolve(response)),
  };
  let list: Awaited<ReturnType<typeof clients.core.listNamespacedSecret>>;
  try {
    list = await clients.core.listNamespacedSecret(
      { namespace: account.namespace, fieldSelector: `type=${tokenSecretType}` },
      { ...clients.options, middleware: [...clients.options.middleware, asMetadata] },
    );
  } catch (error) {
    if (!(error instanceof kubernetes.ApiException)) throw error;
    throw new ProviderRefusal(
      `Kubernetes answered ${answerOf(error)}${
        error.code === 403 ? ` (the dry run needs "list" on secrets in namespace ${account.namespace})` : ''
      }`,
    );
  }
  return list.items
    .filter((item) => item.metadata?.annotations?.[accountAnnotation] === account.name)
    .map((item) => ({
      name: item.metadata?.name ?? '',
      uid: item.metadata?.uid ?? '',
      created: item.metadata?.creationTimestamp
        ? new Date(item.metadata.creationTimestamp).toISOString()
        : null,
      lastUsed: item.metadata?.labels?.[lastUsedLabel] ?? null,
    }));
}

/** Whether a pod takes the Secret: as a volume (plain or projected), or into its containers' environment. */
function podUses(pod: V1Pod, secret: string): string[] {
  const spec = pod.spec;
  const uses: string[] = [];
  for (const volume of spec?.volumes ?? []) {
    if (volume.secret?.secretName === secret) uses.push(`volume ${volume.name}`);
    if (volume.projected?.sources?.some((source) => source.secret?.name === secret))
      uses.push(`projected volume ${volume.name}`);
  }
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  for (const container of containers) {
    const byEnv = (container.env ?? []).some((env) => env.valueFrom?.secretKeyRef?.name === secret);
    const byEnvFrom = (container.envFrom ?? []).some((source) => source.secretRef?.name === secret);
    if (byEnv || byEnvFrom) uses.push(`environment of container ${container.name}`);
  }
  return uses;
}

/**
 * The namespace's pods that take the Secret, by name and how. Only those references are kept of
 * what is read; a refusal is a risk of its own instead of failing the dry run.
 */
async function podsUsing(clients: KubernetesClients, namespace: string, secret: string) {
  try {
    const pods = await clients.core.listNamespacedPod({ namespace }, clients.options);
    return {
      pods: pods.items.flatMap((pod) => {
        const uses = podUses(pod, secret);
        return uses.length > 0 ? [`Pod ${pod.metadata?.name} (${uses.join(', ')})`] : [];
      }),
      unreadable: null,
    };
  } catch (error) {
    if (!(error instanceof kubernetes.ApiException)) throw error;
    return { pods: [], unreadable: answerOf(error) };
  }
}

function risksOf(secret: string, found: Awaited<ReturnType<typeof podsUsing>>, lastUse: string | null) {
  const risks = [
    `Clients presenting the Secret's token are refused at once (401)${
      lastUse ? `: it was last used on ${day(lastUse)}` : ''
    }; the API server accepts a legacy token only while its Secret exists`,
  ];
  if (found.unreadable)
    risks.push(
      `The namespace's pods could not be read (${found.unreadable}): which of them take the Secret is unknown; grant "list" on pods to see it`,
    );
  else if (found.pods.length > 0)
    risks.push(
      `${found.pods.join('; ')} take${found.pods.length === 1 ? 's' : ''} ${secret}: running containers keep what they have, a restarted pod fails to start while it references the Secret`,
    );
  else risks.push(`No pod of the namespace mounts ${secret} or reads it into its environment`);
  risks.push(
    'Bound tokens (projected serviceAccountToken volumes, TokenRequest) are not affected; a deleted Secret cannot be restored, only a new token issued',
  );
  return risks;
}

/**
 * Deleting a legacy `kubernetes.io/service-account-token` Secret through a live source's API
 * server, with the source's own credentials. The dry run reads Secrets' metadata only (never their
 * data); the delete carries the dry run's uid as a precondition, so a Secret re-created under the
 * same name since is left alone (409).
 */
export const deleteTokenSecret: RemediationActionModule = {
  key: 'kubernetes.token_secret.delete',
  label: 'Delete legacy token Secret',
  sourceType: 'kubernetes',
  credentialStatus: 'revoked',
  rescanInput: 'k8s.live',
  offers: (subject, source) =>
    subject.nhi.provider !== 'kubernetes'
      ? []
      : subject.credentials
          .filter((credential) => credential.kind === 'token' && credential.status !== 'revoked')
          .map((credential) => ({
            action: 'kubernetes.token_secret.delete' as const,
            label: 'Delete legacy token Secret',
            credentialId: credential.id,
            targetLabel: credential.hint ?? 'token Secret',
            available: isLive(source),
            reason: isLive(source) ? null : notConnected,
          })),
  plan: async (subject, credential, access) => {
    const account = accountOf(subject);
    if (!account) throw new ValidationError('The identity is not a Kubernetes ServiceAccount');
    const name = secretNameOf(credential);
    return withClients(access, async (clients) => {
      const secrets = await tokenSecretsOf(clients, account);
      const secret = secrets.find((candidate) => candidate.name === name);
      if (!secret)
        throw new ConflictError(
          `The Secret ${account.namespace}/${name} is no longer a token Secret of ${account.name} in the cluster: a scan of the source brings the inventory up to date`,
        );
      const lastUse = credential?.lastUsedAt?.toISOString() ?? secret.lastUsed;
      const found = await podsUsing(clients, account.namespace, name);
      return {
        target: { namespace: account.namespace, name, uid: secret.uid, serviceAccount: account.name },
        summary: `The token Secret ${account.namespace}/${name} of ServiceAccount ${account.name} is deleted (uid ${secret.uid})`,
        lastUse: {
          at: lastUse ? new Date(lastUse).toISOString() : null,
          service: 'Kubernetes API',
          region: null,
        },
        otherCredentials: secrets
          .filter((other) => other !== secret)
          .map((other) => `secret/${other.name} (created ${day(other.created)})`),
        risks: risksOf(name, found, lastUse),
      };
    });
  },
  run: (target, access) =>
    withClients(access, async (clients) => {
      const namespace = String(target.namespace);
      const name = String(target.name);
      const uid = String(target.uid);
      try {
        const answer = await clients.core.deleteNamespacedSecretWithHttpInfo(
          { namespace, name, body: { preconditions: { uid } } },
          clients.options,
        );
        return {
          requestId: answer.headers['audit-id'] ?? null,
          httpStatus: answer.httpStatusCode,
          result: `Secret ${namespace}/${name} deleted (uid ${answer.data.details?.uid ?? uid})`,
        };
      } catch (error) {
        if (!(error instanceof kubernetes.ApiException)) throw error;
        throw new ProviderRefusal(
          `Kubernetes answered ${answerOf(error)}${refusalHint(error.code, namespace)}`,
        );
      }
    }),
};

function refusalHint(code: number, namespace: string) {
  if (code === 404) return ' (the Secret is already gone: the next scan shows it)';
  if (code === 403) return ` (the source's credentials need "delete" on secrets in namespace ${namespace})`;
  if (code === 409) return ' (a Secret of that name was re-created since the dry run: nothing was deleted)';
  return '';
}
