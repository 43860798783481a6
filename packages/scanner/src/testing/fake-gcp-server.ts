import { createPublicKey, createVerify, type KeyObject, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  GcpKeyActivity,
  GcpPolicy,
  GcpServiceAccount,
  GcpServiceAccountKey,
} from '../connectors/gcp/gcp-model.ts';

export interface FakeGcpProject {
  serviceAccounts: GcpServiceAccount[];
  /** Service-account email → all its keys, system-managed ones included. */
  keys?: Record<string, GcpServiceAccountKey[]>;
  policy?: GcpPolicy;
  activities?: GcpKeyActivity[];
  labels?: Record<string, string>;
}

export interface FakeGcpCloud {
  /** The service account whose key signs the token requests, and that key's public half. */
  clientEmail: string;
  publicKey: KeyObject | string;
  projects: Record<string, FakeGcpProject>;
  /** Folder id → its IAM policy. */
  folders?: Record<string, GcpPolicy>;
  /**
   * Folder id → its parent (`organizations/4455`, `folders/77`), as Resource Manager lists them; a
   * folder without one is in no listing (it can still be named). `state` other than ACTIVE is
   * listed only with showDeleted.
   */
  folderParents?: Record<string, string | { parent: string; state: 'ACTIVE' | 'DELETE_REQUESTED' }>;
  organization?: { id: string; policy: GcpPolicy };
  /** Resources (`projects/p`) or permissions (`policyanalyzer.…query`) the key is refused. */
  denied?: string[];
}

const googleTokenUrl = 'https://oauth2.googleapis.com/token';
const base64url = (text: string) => JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));

/**
 * A local Google Cloud for the calls the connector makes: the OAuth token endpoint (a JWT-bearer grant
 * whose assertion must be signed by the service account's key), IAM, Resource Manager and Policy
 * Analyzer answering Google's JSON shapes, one item per page through nextPageToken so paging is
 * exercised, and Google's 403 PERMISSION_DENIED error for what the key may not read.
 */
export async function startFakeGcp(cloud: FakeGcpCloud) {
  const publicKey = typeof cloud.publicKey === 'string' ? createPublicKey(cloud.publicKey) : cloud.publicKey;
  const tokens = new Set<string>();
  const requests: string[] = [];
  /** Every request body, for tests that check what was sent (and that no private key was). */
  const bodies: string[] = [];
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const path = decodeURIComponent(url.pathname);
      requests.push(`${request.method} ${path}`);
      bodies.push(body);
      const json = (status: number, value: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
        response.end(JSON.stringify(value));
      };
      const googleError = (code: number, status: string, message: string) =>
        json(code, { error: { code, message, status } });

      if (request.method === 'POST' && path === '/token') {
        const form = new URLSearchParams(body);
        const claims = verifiedAssertion(form.get('assertion') ?? '', publicKey);
        if (
          form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer' ||
          !claims ||
          claims.iss !== cloud.clientEmail ||
          claims.aud !== googleTokenUrl ||
          typeof claims.exp !== 'number' ||
          claims.exp * 1000 < Date.now()
        ) {
          json(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
          return;
        }
        const token = `ya29.${randomBytes(24).toString('base64url')}`;
        tokens.add(token);
        json(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
        return;
      }
      const auth = request.headers.authorization ?? '';
      if (!auth.startsWith('Bearer ') || !tokens.has(auth.slice('Bearer '.length))) {
        googleError(
          401,
          'UNAUTHENTICATED',
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
        );
        return;
      }
      const refused = (permission: string, resource: string) => {
        if (!cloud.denied?.some((entry) => entry === permission || entry === resource)) return false;
        googleError(
          403,
          'PERMISSION_DENIED',
          `Permission '${permission}' denied on resource '${resource}' (or it may not exist).`,
        );
        return true;
      };
      const paged = <T>(field: string, items: T[]) => {
        const index = Number(url.searchParams.get('pageToken') ?? 0);
        const more = index + 1 < items.length;
        json(200, {
          [field]: items.slice(index, index + 1),
          ...(more ? { nextPageToken: String(index + 1) } : {}),
        });
      };
      const projectOf = (id: string) => cloud.projects[id];

      let match = /^\/v1\/projects\/([^/]+)\/serviceAccounts$/.exec(path);
      if (request.method === 'GET' && match) {
        const project = projectOf(match[1] as string);
        if (refused('iam.serviceAccounts.list', `projects/${match[1]}`)) return;
        if (!project) googleError(404, 'NOT_FOUND', `Project ${match[1]} not found`);
        else paged('accounts', project.serviceAccounts);
        return;
      }
      match = /^\/v1\/projects\/([^/]+)\/serviceAccounts\/([^/]+)\/keys$/.exec(path);
      if (request.method === 'GET' && match) {
        const email = match[2] as string;
        const owner = Object.entries(cloud.projects).find(([, project]) =>
          project.serviceAccounts.some((account) => account.email === email),
        );
        if (owner && refused('iam.serviceAccountKeys.list', `projects/${owner[0]}`)) return;
        if (!owner) {
          googleError(404, 'NOT_FOUND', `Unknown service account ${email}`);
          return;
        }
        const types = url.searchParams.getAll('keyTypes');
        const keys = (owner[1].keys?.[email] ?? []).filter(
          (key) => types.length === 0 || types.includes(key.keyType ?? ''),
        );
        // keys.list is not paged: every key in one answer.
        json(200, keys.length > 0 ? { keys } : {});
        return;
      }
      match = /^\/(v1|v3)\/(projects|folders|organizations)\/([^/:]+):getIamPolicy$/.exec(path);
      if (request.method === 'POST' && match) {
        const [, , kind, id] = match as unknown as [string, string, string, string];
        const resource = `${kind}/${id}`;
        if (refused(`resourcemanager.${kind}.getIamPolicy`, resource)) return;
        const policy =
          kind === 'projects'
            ? projectOf(id)?.policy
            : kind === 'folders'
              ? cloud.folders?.[id]
              : cloud.organization?.id === id
                ? cloud.organization.policy
                : undefined;
        if (!policy) googleError(403, 'PERMISSION_DENIED', `The caller does not have permission`);
        else json(200, { version: 1, etag: 'BwXhqkDC2Nk=', ...policy });
        return;
      }
      match =
        /^\/v1\/projects\/([^/]+)\/locations\/global\/activityTypes\/serviceAccountKeyLastAuthentication\/activities:query$/.exec(
          path,
        );
      if (request.method === 'GET' && match) {
        const id = match[1] as string;
        if (refused('policyanalyzer.serviceAccountKeyLastAuthenticationActivities.query', `projects/${id}`))
          return;
        paged('activities', projectOf(id)?.activities ?? []);
        return;
      }
      if (request.method === 'GET' && path === '/v3/folders') {
        const parent = url.searchParams.get('parent') ?? '';
        if (!/^(organizations|folders)\/\d+$/.test(parent)) {
          googleError(400, 'INVALID_ARGUMENT', `Request contains an invalid argument.`);
          return;
        }
        if (refused('resourcemanager.folders.list', parent)) return;
        const showDeleted = url.searchParams.get('showDeleted') === 'true';
        paged(
          'folders',
          Object.entries(cloud.folderParents ?? {}).flatMap(([id, entry]) => {
            const { parent: of, state } =
              typeof entry === 'string' ? { parent: entry, state: 'ACTIVE' } : entry;
            if (of !== parent || (state !== 'ACTIVE' && !showDeleted)) return [];
            return [
              {
                name: `folders/${id}`,
                parent: of,
                displayName: `folder ${id}`,
                state,
                createTime: '2024-03-01T10:00:00.000Z',
                updateTime: '2024-03-01T10:00:00.000Z',
                etag: `W/"${id}"`,
              },
            ];
          }),
        );
        return;
      }
      if (request.method === 'GET' && path === '/v3/projects:search') {
        paged(
          'projects',
          Object.entries(cloud.projects).map(([projectId, project], index) => ({
            name: `projects/${100000 + index}`,
            projectId,
            state: 'ACTIVE',
            labels: project.labels ?? {},
          })),
        );
        return;
      }
      googleError(404, 'NOT_FOUND', `No route for ${request.method} ${path}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    tokenUrl: `${endpoint}/token`,
    requests,
    bodies,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The assertion's claims when its RS256 signature verifies against the key; null otherwise. */
function verifiedAssertion(assertion: string, publicKey: KeyObject): Record<string, unknown> | null {
  const [header, payload, signature] = assertion.split('.');
  if (!header || !payload || !signature) return null;
  try {
    if (base64url(header).alg !== 'RS256') return null;
    const verifier = createVerify('RSA-SHA256');
    verifier.update(`${header}.${payload}`);
    if (!verifier.verify(publicKey, Buffer.from(signature, 'base64url'))) return null;
    return base64url(payload) as Record<string, unknown>;
  } catch {
    return null;
  }
}
