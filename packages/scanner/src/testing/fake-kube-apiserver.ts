import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { K8sObject } from '../connectors/k8s/k8s-objects.ts';
import { answeredNamespaced } from './fake-kube-namespaced.ts';

/** A certificate authority and a server certificate it signed for 127.0.0.1 and localhost. */
export interface TestPki {
  caPem: string;
  serverCertPem: string;
  serverKeyPem: string;
}

/**
 * A fresh CA and server certificate (EC P-256, fast to make), written to a scratch directory only
 * for openssl to read and removed at once.
 */
export function makeTestPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-kube-pki-'));
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  try {
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('ca.key'));
    openssl(
      'req',
      '-x509',
      '-new',
      '-key',
      file('ca.key'),
      '-subj',
      '/CN=fake-kube-ca',
      '-days',
      '2',
      '-out',
      file('ca.crt'),
    );
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', file('server.key'));
    openssl(
      'req',
      '-new',
      '-key',
      file('server.key'),
      '-subj',
      '/CN=kube-apiserver',
      '-out',
      file('server.csr'),
    );
    fs.writeFileSync(file('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    openssl(
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.crt'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      file('ext.cnf'),
      '-out',
      file('server.crt'),
    );
    return {
      caPem: fs.readFileSync(file('ca.crt'), 'utf8'),
      serverCertPem: fs.readFileSync(file('server.crt'), 'utf8'),
      serverKeyPem: fs.readFileSync(file('server.key'), 'utf8'),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Resource {
  kind: string;
  apiVersion: string;
  /** The list endpoint across all namespaces (or of the cluster-scoped resource). */
  path: string;
  plural: string;
  group: string;
  namespaced: boolean;
}

const resource = (kind: string, apiVersion: string, plural: string, namespaced = true): Resource => {
  const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] as string) : '';
  return {
    kind,
    apiVersion,
    plural,
    group,
    namespaced,
    path: group ? `/apis/${apiVersion}/${plural}` : `/api/${apiVersion}/${plural}`,
  };
};

/** The resources the API server lists here, with their documented list paths. */
export const fakeKubeResources: Resource[] = [
  resource('Namespace', 'v1', 'namespaces', false),
  resource('ServiceAccount', 'v1', 'serviceaccounts'),
  resource('Secret', 'v1', 'secrets'),
  resource('Pod', 'v1', 'pods'),
  resource('ReplicationController', 'v1', 'replicationcontrollers'),
  resource('Deployment', 'apps/v1', 'deployments'),
  resource('StatefulSet', 'apps/v1', 'statefulsets'),
  resource('DaemonSet', 'apps/v1', 'daemonsets'),
  resource('ReplicaSet', 'apps/v1', 'replicasets'),
  resource('Job', 'batch/v1', 'jobs'),
  resource('CronJob', 'batch/v1', 'cronjobs'),
  resource('Role', 'rbac.authorization.k8s.io/v1', 'roles'),
  resource('RoleBinding', 'rbac.authorization.k8s.io/v1', 'rolebindings'),
  resource('ClusterRole', 'rbac.authorization.k8s.io/v1', 'clusterroles', false),
  resource('ClusterRoleBinding', 'rbac.authorization.k8s.io/v1', 'clusterrolebindings', false),
];

export interface FakeKubeCluster {
  pki: TestPki;
  token: string;
  objects: K8sObject[];
  /** Plural resource names (`secrets`) the token may not list. */
  forbidden?: string[];
  /** Plural resource names (`secrets`) the token may not delete. */
  cannotDelete?: string[];
  /** Items per page when the client asks for more (or sets no limit): exercises `continue`. */
  maxPageSize?: number;
  /**
   * How many calls with a `continue` token answer 410 Expired, as when the API server compacted the
   * list's snapshot away (`Infinity`: every one). The answer offers a token for the rest, as it does,
   * which is honoured once unless `offeredContinuesExpire`.
   */
  expiredContinues?: number;
  offeredContinuesExpire?: boolean;
}

const status = (code: number, reason: string, message: string, details?: Record<string, string>) => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  ...(details ? { details } : {}),
  code,
});

export { status as kubeStatus };

/** Fields a list's fieldSelector may name, per the API server's field label conversions. */
export function fieldOf(object: K8sObject, field: string): string | undefined {
  if (field === 'metadata.name') return object.metadata.name;
  if (field === 'metadata.namespace') return object.metadata.namespace;
  if (field === 'type' && object.kind === 'Secret') return String(object.type ?? '');
  return undefined;
}

/**
 * A local Kubernetes API server over HTTPS for the list calls a live scan makes: bearer-token
 * authentication (401 Status otherwise), RBAC refusals per resource (403 Status), `limit`/`continue`
 * paging with opaque tokens, `fieldSelector` on the documented fields, list items without kind and
 * apiVersion as the API server sends them, and `/version`.
 */
export async function startFakeKubeApiServer(cluster: FakeKubeCluster) {
  const requests: string[] = [];
  /** Paths whose answer carried a Secret's data (namespaced reads). */
  const secretDataServed: string[] = [];
  let expired = 0;
  const byPath = new Map(fakeKubeResources.map((entry) => [entry.path, entry]));
  const server = https.createServer(
    { cert: cluster.pki.serverCertPem, key: cluster.pki.serverKeyPem },
    (request, response) => {
      const url = new URL(request.url ?? '/', 'https://fake');
      requests.push(`${request.method} ${url.pathname}${url.search}`);
      const json = (code: number, body: unknown) => {
        response.writeHead(code, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.headers.authorization !== `Bearer ${cluster.token}`) {
        json(401, status(401, 'Unauthorized', 'Unauthorized'));
        return;
      }
      if (url.pathname === '/version') {
        json(200, {
          major: '1',
          minor: '31',
          gitVersion: 'v1.31.2',
          gitCommit: '5864a4677267e6adeae276ad85882a8714d69d9d',
          gitTreeState: 'clean',
          buildDate: '2024-10-22T20:28:14Z',
          goVersion: 'go1.22.8',
          compiler: 'gc',
          platform: 'linux/amd64',
        });
        return;
      }
      if (answeredNamespaced(cluster, request, response, url, { secretData: secretDataServed })) return;
      const listed = byPath.get(url.pathname);
      if (!listed || request.method !== 'GET') {
        json(404, status(404, 'NotFound', 'the server could not find the requested resource'));
        return;
      }
      if (cluster.forbidden?.includes(listed.plural)) {
        json(
          403,
          status(
            403,
            'Forbidden',
            `${listed.plural} is forbidden: User "system:serviceaccount:nhi:reader" cannot list resource ` +
              `"${listed.plural}" in API group "${listed.group}" at the cluster scope`,
            { kind: listed.plural, ...(listed.group ? { group: listed.group } : {}) },
          ),
        );
        return;
      }
      const selectors = (url.searchParams.get('fieldSelector') ?? '')
        .split(',')
        .filter(Boolean)
        .map((term) => term.split('=') as [string, string]);
      let items = cluster.objects
        .filter((object) => object.kind === listed.kind)
        .map((object) =>
          listed.namespaced
            ? {
                ...object,
                metadata: { ...object.metadata, namespace: object.metadata.namespace ?? 'default' },
              }
            : object,
        );
      for (const [field, value] of selectors) {
        if (items.length > 0 && fieldOf(items[0] as K8sObject, field) === undefined) {
          json(400, status(400, 'BadRequest', `field label not supported: ${field}`));
          return;
        }
        items = items.filter((object) => fieldOf(object, field) === value);
      }
      const asked = Number(url.searchParams.get('limit') ?? 0);
      const size = Math.min(
        asked > 0 ? asked : Number.POSITIVE_INFINITY,
        cluster.maxPageSize ?? Number.POSITIVE_INFINITY,
      );
      const token = url.searchParams.get('continue');
      const position: { offset: number; rv?: number } = token
        ? JSON.parse(Buffer.from(token, 'base64url').toString())
        : { offset: 0 };
      const start = Number(position.offset);
      // A token the 410 itself offered is fresh: it does not expire at once.
      const offeredByExpiry = position.rv === -1;
      if (
        token &&
        (!offeredByExpiry || cluster.offeredContinuesExpire) &&
        expired < (cluster.expiredContinues ?? 0)
      ) {
        expired += 1;
        json(410, {
          ...status(
            410,
            'Expired',
            'The provided continue parameter is too old to display a consistent list result. You can start a new list ' +
              'without the continue parameter, or use the continue token in this response to retrieve the remainder ' +
              'of the results. Continuing with the provided token results in an inconsistent list - objects that were ' +
              'created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
          ),
          metadata: {
            continue: Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: -1, offset: start })).toString(
              'base64url',
            ),
          },
        });
        return;
      }
      const page = items.slice(start, start + size);
      const next = start + page.length < items.length ? start + page.length : undefined;
      json(200, {
        kind: `${listed.kind}List`,
        apiVersion: listed.apiVersion,
        metadata: {
          resourceVersion: '4711',
          ...(next !== undefined
            ? {
                continue: Buffer.from(
                  JSON.stringify({ v: 'meta.k8s.io/v1', rv: 4711, offset: next }),
                ).toString('base64url'),
                remainingItemCount: items.length - next,
              }
            : {}),
        },
        // The API server leaves kind and apiVersion out of the items of a list.
        items: page.map(({ kind: _kind, apiVersion: _apiVersion, ...rest }) => rest),
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server: `https://127.0.0.1:${port}`,
    requests,
    secretDataServed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
