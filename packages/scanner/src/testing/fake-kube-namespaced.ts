import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { K8sObject } from '../connectors/k8s/k8s-objects.ts';
import { type FakeKubeCluster, fakeKubeResources, fieldOf, kubeStatus } from './fake-kube-apiserver.ts';

type Answer = (code: number, body: unknown) => void;

/** `/api/v1/namespaces/ci/secrets[/name]`, `/apis/apps/v1/namespaces/ci/deployments[/name]`. */
const namespacedPath =
  /^\/(?:api\/(?<coreVersion>v1)|apis\/(?<group>[^/]+)\/(?<version>[^/]+))\/namespaces\/(?<namespace>[^/]+)\/(?<plural>[^/]+)(?:\/(?<name>[^/]+))?$/;

/** The uid the API server gave each object: a new object (re-created under the same name) gets a new one. */
const uids = new WeakMap<K8sObject, string>();
export function uidOf(object: K8sObject): string {
  let uid = uids.get(object);
  if (!uid) {
    uid = randomUUID();
    uids.set(object, uid);
  }
  return uid;
}

/** What the API server keeps of an object in a PartialObjectMetadataList: its metadata, nothing else. */
const metadataOnly = 'as=PartialObjectMetadataList';

const withUid = (object: K8sObject, namespace: string) => ({
  ...object,
  metadata: { ...object.metadata, namespace, uid: uidOf(object) },
});

/**
 * Answers a request for a namespaced path once its body has come; false when the path is not one.
 */
export function answeredNamespaced(
  cluster: FakeKubeCluster,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  served: { secretData: string[] },
): boolean {
  if (!namespacedPath.test(url.pathname)) return false;
  // Every answer carries the audit id the API server logs the request under.
  const answer: Answer = (code, body) => {
    response.writeHead(code, { 'content-type': 'application/json', 'audit-id': randomUUID() });
    response.end(JSON.stringify(body));
  };
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (!answerNamespaced(cluster, request, url, Buffer.concat(chunks).toString(), answer, served))
      answer(404, kubeStatus(404, 'NotFound', 'the server could not find the requested resource'));
  });
  return true;
}

/**
 * A namespaced list (`GET …/namespaces/{ns}/{plural}`, with `fieldSelector` and the metadata-only
 * `Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`) or a delete
 * (`DELETE …/namespaces/{ns}/{plural}/{name}` with DeleteOptions' `preconditions.uid`, answered as the
 * API server answers: a Status with the deleted object's uid, 404 NotFound, 403 Forbidden per RBAC,
 * 409 Conflict when the uid differs). False when the path is not a namespaced one.
 */
function answerNamespaced(
  cluster: FakeKubeCluster,
  request: IncomingMessage,
  url: URL,
  body: string,
  answer: Answer,
  served: { secretData: string[] },
): boolean {
  const match = namespacedPath.exec(url.pathname)?.groups;
  const apiVersion = match?.coreVersion ?? (match ? `${match.group}/${match.version}` : '');
  const resource = fakeKubeResources.find(
    (entry) => entry.namespaced && entry.plural === match?.plural && entry.apiVersion === apiVersion,
  );
  if (!match || !resource) return false;
  const namespace = match.namespace as string;
  const verb = request.method === 'DELETE' ? 'delete' : match.name ? 'get' : 'list';
  const refused = verb === 'delete' ? cluster.cannotDelete : cluster.forbidden;
  if (refused?.includes(resource.plural)) {
    const what = match.name ? `${resource.plural} "${match.name}"` : resource.plural;
    answer(
      403,
      kubeStatus(
        403,
        'Forbidden',
        `${what} is forbidden: User "system:serviceaccount:nhi:reader" cannot ${verb} resource ` +
          `"${resource.plural}" in API group "${resource.group}" in the namespace "${namespace}"`,
        { ...(match.name ? { name: match.name } : {}), kind: resource.plural },
      ),
    );
    return true;
  }
  const inNamespace = cluster.objects.filter(
    (object) => object.kind === resource.kind && (object.metadata.namespace ?? 'default') === namespace,
  );
  if (verb === 'list') {
    let items = inNamespace;
    for (const term of (url.searchParams.get('fieldSelector') ?? '').split(',').filter(Boolean)) {
      const [field, value] = term.split('=') as [string, string];
      items = items.filter((object) => fieldOf(object, field) === value);
    }
    if ((request.headers.accept ?? '').includes(metadataOnly)) {
      answer(200, {
        kind: 'PartialObjectMetadataList',
        apiVersion: 'meta.k8s.io/v1',
        metadata: { resourceVersion: '4711' },
        items: items.map((object) => ({
          kind: 'PartialObjectMetadata',
          apiVersion: 'meta.k8s.io/v1',
          metadata: withUid(object, namespace).metadata,
        })),
      });
      return true;
    }
    if (resource.kind === 'Secret' && items.some((object) => object.data))
      served.secretData.push(url.pathname);
    answer(200, {
      kind: `${resource.kind}List`,
      apiVersion: resource.apiVersion,
      metadata: { resourceVersion: '4711' },
      items: items.map(({ kind: _kind, apiVersion: _apiVersion, ...rest }) =>
        withUid(rest as K8sObject, namespace),
      ),
    });
    return true;
  }
  const object = inNamespace.find((candidate) => candidate.metadata.name === match.name);
  if (!object) {
    answer(
      404,
      kubeStatus(404, 'NotFound', `${resource.plural} "${match.name}" not found`, {
        name: match.name as string,
        kind: resource.plural,
      }),
    );
    return true;
  }
  if (verb === 'get') {
    if (resource.kind === 'Secret' && object.data) served.secretData.push(url.pathname);
    answer(200, withUid(object, namespace));
    return true;
  }
  const wanted = preconditionUid(body);
  if (wanted && wanted !== uidOf(object)) {
    answer(
      409,
      kubeStatus(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${resource.plural} "${match.name}": Precondition failed: ` +
          `UID in precondition: ${wanted}, UID in object meta: ${uidOf(object)}`,
        { name: match.name as string, kind: resource.plural },
      ),
    );
    return true;
  }
  cluster.objects.splice(cluster.objects.indexOf(object), 1);
  // A Secret's storage does not return the deleted object: the answer is a Status naming it.
  answer(200, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Success',
    details: { name: match.name, kind: resource.plural, uid: uidOf(object) },
  });
  return true;
}

function preconditionUid(body: string): string | undefined {
  try {
    return (JSON.parse(body) as { preconditions?: { uid?: string } }).preconditions?.uid;
  } catch {
    return undefined;
  }
}
