import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Verification } from '../secret-types.ts';
import { defaultVerifyEndpoints, type VerifyProvider } from './verification-settings.ts';

/** What one check is given: the secret, only for the call; nothing of it is kept or logged. */
export type VerifiableCredential =
  | { provider: 'aws'; accessKeyId: string; secretAccessKey: string }
  | { provider: Exclude<VerifyProvider, 'aws'>; token: string };

export interface CheckOptions {
  /** The provider's base URL; absent: the public API. */
  endpoint: string | undefined;
  /** Aborts the call: the scan's signal joined with the call's timeout. */
  signal: AbortSignal;
  timeoutMs: number;
}

const userAgent = 'nhi-hub-secret-verification';

/**
 * One HTTP call. Errors (refused, reset, timed out, aborted) are `null`: inconclusive. Redirects are
 * not followed (the secret goes to the configured host only). Nothing here logs the request.
 */
async function call(url: string, init: RequestInit, signal: AbortSignal): Promise<Response | null> {
  try {
    return await fetch(url, { ...init, signal, redirect: 'manual', cache: 'no-store' });
  } catch {
    return null;
  }
}

/** A small answer body, as JSON; anything else (too big, not JSON, cut off) is null. */
async function jsonBody(response: Response): Promise<Record<string, unknown> | null> {
  try {
    const text = await response.text();
    if (text.length > 64 * 1024) return null;
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

async function discard(response: Response) {
  await response.body?.cancel().catch(() => undefined);
}

/** 2xx works, 401/403 refused the secret, anything else (429, 5xx, a redirect) says nothing. */
function byStatus(status: number): Verification {
  if (status >= 200 && status < 300) return 'live';
  if (status === 401 || status === 403) return 'invalid';
  return 'unknown';
}

/**
 * GitHub `GET /user`. 401 is a bad token. 403 is a rate limit when GitHub says so (no requests left,
 * or retry-after), the answer to an app installation token (it works, but /user is not for it), else
 * a refused token (a suspended account).
 */
async function checkGitHub(token: string, options: CheckOptions): Promise<Verification> {
  const base = options.endpoint ?? defaultVerifyEndpoints.github;
  const response = await call(
    `${base}/user`,
    {
      method: 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
        'user-agent': userAgent,
      },
    },
    options.signal,
  );
  if (!response) return 'unknown';
  if (response.status === 403) {
    const limited =
      response.headers.get('x-ratelimit-remaining') === '0' || response.headers.has('retry-after');
    const body = await jsonBody(response);
    if (limited) return 'unknown';
    if (typeof body?.message === 'string' && /not accessible by integration/i.test(body.message))
      return 'live';
    return 'invalid';
  }
  await discard(response);
  return byStatus(response.status);
}

/**
 * GitLab `GET /api/v4/user` with `PRIVATE-TOKEN`. 401 is a bad, expired or revoked token; 403
 * `insufficient_scope` is a working token without `read_user`.
 */
async function checkGitLab(token: string, options: CheckOptions): Promise<Verification> {
  const base = options.endpoint ?? defaultVerifyEndpoints.gitlab;
  const response = await call(
    `${base}/api/v4/user`,
    {
      method: 'GET',
      headers: { 'private-token': token, accept: 'application/json', 'user-agent': userAgent },
    },
    options.signal,
  );
  if (!response) return 'unknown';
  if (response.status === 403) {
    const body = await jsonBody(response);
    return body?.error === 'insufficient_scope' ? 'live' : 'invalid';
  }
  await discard(response);
  return byStatus(response.status);
}

/** Slack's answers (HTTP 200, `ok: false`) that mean the token does not work. */
const slackRefusals = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
]);

/** Slack `POST auth.test`: `ok: true` works; `ok: false` with an auth error does not. */
async function checkSlack(token: string, options: CheckOptions): Promise<Verification> {
  const base = options.endpoint ?? defaultVerifyEndpoints.slack;
  const response = await call(
    `${base}/auth.test`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': userAgent,
      },
      body: '',
    },
    options.signal,
  );
  if (!response) return 'unknown';
  if (response.status !== 200) {
    await discard(response);
    return byStatus(response.status);
  }
  const body = await jsonBody(response);
  if (body?.ok === true) return 'live';
  if (body?.ok === false && typeof body.error === 'string' && slackRefusals.has(body.error)) return 'invalid';
  return 'unknown';
}

/** STS errors that refuse the key pair (an unknown or deactivated key id, a wrong secret). */
const awsRefusals = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'UnrecognizedClientException']);

/**
 * AWS STS `GetCallerIdentity`: needs no permission, so it answers for any working key pair. One
 * attempt (no SDK retries), the SDK's default no-op logger.
 */
async function checkAws(
  credential: { accessKeyId: string; secretAccessKey: string },
  options: CheckOptions,
): Promise<Verification> {
  const client = new STSClient({
    region: 'us-east-1',
    endpoint: options.endpoint,
    credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey },
    maxAttempts: 1,
    requestHandler: { connectionTimeout: options.timeoutMs, requestTimeout: options.timeoutMs },
  });
  try {
    await client.send(new GetCallerIdentityCommand({}), { abortSignal: options.signal });
    return 'live';
  } catch (error) {
    const { name, $metadata } = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (name && awsRefusals.has(name)) return 'invalid';
    const status = $metadata?.httpStatusCode;
    return status === 401 || status === 403 ? 'invalid' : 'unknown';
  } finally {
    client.destroy();
  }
}

/** One read-only identity call with the secret; never throws. */
export async function checkCredential(
  credential: VerifiableCredential,
  options: CheckOptions,
): Promise<Verification> {
  try {
    switch (credential.provider) {
      case 'aws':
        return await checkAws(credential, options);
      case 'github':
        return await checkGitHub(credential.token, options);
      case 'gitlab':
        return await checkGitLab(credential.token, options);
      case 'slack':
        return await checkSlack(credential.token, options);
    }
  } catch {
    return 'unknown';
  }
}
