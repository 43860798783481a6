import { createHash, createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A call a fake received: what, when, and with which credential (the fake is the provider: it may know). */
export interface FakeRequest {
  method: string;
  path: string;
  credential: string | null;
  at: number;
}

type Answer = { status: number; body: string; type?: string; headers?: Record<string, string> };

type Handler = (
  request: http.IncomingMessage,
  body: string,
  record: (credential: string | null) => void,
) => Answer | 'hang';

async function serve(handle: Handler) {
  const requests: FakeRequest[] = [];
  const hanging = new Set<http.ServerResponse>();
  const server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const record = (credential: string | null) =>
        requests.push({ method: request.method ?? '', path: url.pathname, credential, at: Date.now() });
      const answer = handle(request, body, record);
      if (answer === 'hang') {
        hanging.add(response);
        return;
      }
      response.writeHead(answer.status, {
        'content-type': answer.type ?? 'application/json; charset=utf-8',
        ...answer.headers,
      });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of hanging) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** How a fake answers every call, whatever the credential: to exercise rate limits, outages and timeouts. */
export type FakeOverride = { status: number; headers?: Record<string, string>; body?: string } | 'hang';

/**
 * The answer a test imposed on a fake (an outage, a rate limit, a hang) instead of the provider's
 * own, in the provider's content type and with its usual error body unless the test gave one.
 */
function imposed(
  override: FakeOverride | undefined,
  usual: { body: string; type?: string },
): Answer | 'hang' | null {
  if (!override) return null;
  if (override === 'hang') return 'hang';
  return {
    status: override.status,
    type: usual.type,
    headers: override.headers,
    body: override.body ?? usual.body,
  };
}

const bearer = (request: http.IncomingMessage) =>
  /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? null;

/**
 * GitHub's `GET /user`: 200 with the user for a known token (classic, fine-grained, OAuth), 403
 * "Resource not accessible by integration" for a known app installation token, 401 "Bad credentials"
 * otherwise, as api.github.com answers.
 */
export function startFakeGitHubUser(options: {
  tokens: string[];
  installationTokens?: string[];
  override?: FakeOverride;
}) {
  return serve((request, _body, record) => {
    const token = bearer(request);
    record(token);
    const forced = imposed(options.override, { body: '{}' });
    if (forced) return forced;
    if (request.method !== 'GET' || new URL(request.url ?? '/', 'http://fake').pathname !== '/user')
      return { status: 404, body: JSON.stringify({ message: 'Not Found' }) };
    if (token && options.tokens.includes(token))
      return { status: 200, body: JSON.stringify({ login: 'deploy-bot', id: 1, type: 'User' }) };
    if (token && options.installationTokens?.includes(token))
      return {
        status: 403,
        body: JSON.stringify({
          message: 'Resource not accessible by integration',
          documentation_url: 'https://docs.github.com/rest/users/users#get-the-authenticated-user',
          status: '403',
        }),
      };
    return {
      status: 401,
      body: JSON.stringify({
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      }),
    };
  });
}

/** GitLab's `GET /api/v4/user` with `PRIVATE-TOKEN`: 200 for a known token, `401 Unauthorized` otherwise. */
export function startFakeGitLabUser(options: { tokens: string[]; override?: FakeOverride }) {
  return serve((request, _body, record) => {
    const token =
      typeof request.headers['private-token'] === 'string' ? request.headers['private-token'] : null;
    record(token);
    const forced = imposed(options.override, { body: '{}' });
    if (forced) return forced;
    if (request.method !== 'GET' || new URL(request.url ?? '/', 'http://fake').pathname !== '/api/v4/user')
      return { status: 404, body: JSON.stringify({ message: '404 Not Found' }) };
    if (token && options.tokens.includes(token))
      return {
        status: 200,
        body: JSON.stringify({ id: 7, username: 'project_7_bot', bot: true, state: 'active' }),
      };
    return { status: 401, body: JSON.stringify({ message: '401 Unauthorized' }) };
  });
}

/**
 * Slack's `POST auth.test`: HTTP 200 either way, `ok: true` with the team and user for a known
 * token, `ok: false, error: invalid_auth` otherwise (no token at all: `not_authed`).
 */
export function startFakeSlack(options: { tokens: string[]; override?: FakeOverride }) {
  return serve((request, _body, record) => {
    const token = bearer(request);
    record(token);
    const forced = imposed(options.override, { body: '{}' });
    if (forced) return forced;
    if (new URL(request.url ?? '/', 'http://fake').pathname !== '/auth.test')
      return { status: 200, body: JSON.stringify({ ok: false, error: 'unknown_method' }) };
    if (!token) return { status: 200, body: JSON.stringify({ ok: false, error: 'not_authed' }) };
    if (options.tokens.includes(token))
      return {
        status: 200,
        body: JSON.stringify({
          ok: true,
          url: 'https://acme.slack.com/',
          team: 'Acme',
          user: 'deploy-bot',
          team_id: 'T0001',
          user_id: 'U0001',
          bot_id: 'B0001',
        }),
      };
    return { status: 200, body: JSON.stringify({ ok: false, error: 'invalid_auth' }) };
  });
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/**
 * Checks a Signature Version 4 request as AWS does: the canonical request of the signed headers and
 * the body, the signing key derived from the secret access key. `unknown-key`: the key id is not one.
 */
function sigV4(
  request: http.IncomingMessage,
  body: string,
  keys: Record<string, string>,
): { keyId: string | null; result: 'ok' | 'unknown-key' | 'bad-signature' } {
  const auth =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]+)$/.exec(
      request.headers.authorization ?? '',
    );
  if (!auth) return { keyId: null, result: 'unknown-key' };
  const [, keyId = '', date = '', region = '', service = '', signedHeaders = '', signature = ''] = auth;
  const secret = keys[keyId];
  if (secret === undefined) return { keyId, result: 'unknown-key' };
  const url = new URL(request.url ?? '/', 'http://fake');
  const header = (name: string) => {
    const value = request.headers[name];
    return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim().replace(/\s+/g, ' ');
  };
  const query = [...url.searchParams.entries()]
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .sort()
    .join('&');
  const canonical = [
    request.method,
    url.pathname,
    query,
    signedHeaders
      .split(';')
      .map((name) => `${name}:${header(name)}\n`)
      .join(''),
    signedHeaders,
    header('x-amz-content-sha256') || sha256(body),
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', header('x-amz-date'), scope, sha256(canonical)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  const expected = createHmac('sha256', key).update(toSign).digest('hex');
  return { keyId, result: expected === signature ? 'ok' : 'bad-signature' };
}

const stsError = (code: string, message: string) =>
  `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>`;

/**
 * STS's query API for `GetCallerIdentity`: a POST form `Action=GetCallerIdentity&Version=2011-06-15`
 * signed with SigV4. A known key pair gets the caller's identity as XML; an unknown key id
 * `InvalidClientTokenId`, a wrong secret `SignatureDoesNotMatch` (both 403), as AWS answers.
 */
export function startFakeSts(options: {
  /** access key id → secret access key */
  keys: Record<string, string>;
  account?: string;
  override?: FakeOverride;
}) {
  const account = options.account ?? '123456789012';
  return serve((request, body, record) => {
    const checked = sigV4(request, body, options.keys);
    record(checked.keyId);
    const forced = imposed(options.override, {
      body: stsError('ServiceUnavailable', 'Service is unavailable'),
      type: 'text/xml',
    });
    if (forced) return forced;
    const form = new URLSearchParams(body);
    if (checked.result === 'unknown-key')
      return {
        status: 403,
        type: 'text/xml',
        body: stsError('InvalidClientTokenId', 'The security token included in the request is invalid.'),
      };
    if (checked.result === 'bad-signature')
      return {
        status: 403,
        type: 'text/xml',
        body: stsError(
          'SignatureDoesNotMatch',
          'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
        ),
      };
    if (form.get('Action') !== 'GetCallerIdentity' || form.get('Version') !== '2011-06-15')
      return { status: 400, type: 'text/xml', body: stsError('InvalidAction', 'Could not find operation') };
    return {
      status: 200,
      type: 'text/xml',
      body: `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${account}:user/deployer</Arn><UserId>AIDACKCEVSQ6C2EXAMPLE</UserId><Account>${account}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
    };
  });
}

/** A base URL nothing listens on: a provider that is down. */
export async function downEndpoint(): Promise<string> {
  const server = await serve(() => ({ status: 500, body: '' }));
  await server.close();
  return server.baseUrl;
}
