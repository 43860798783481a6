import { createHash, randomInt } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  downEndpoint,
  type FakeOverride,
  startFakeGitHubUser,
  startFakeGitLabUser,
  startFakeSlack,
  startFakeSts,
} from '../../../testing/fake-verification-servers.ts';
import { exposedRuns } from '../../../testing/secret-exposure.ts';
import type { ConnectorOutput } from '../../connector.ts';
import { type ConnectorContext, connectorFor } from '../../registry.ts';
import { scanUpload } from '../secrets-connector.ts';
import { checkCredential } from './provider-checks.ts';
import { type VerificationOptions, verificationOfSettings } from './verification-settings.ts';

const fingerprint = async (secret: string) => createHash('sha256').update(secret).digest('hex');
const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const random = (length: number, alphabet = alnum) =>
  Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join('');

/** Fresh secrets of each verifiable kind, as the providers issue them. */
function newSecrets() {
  return {
    awsKeyId: `AKIA${random(16, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')}`,
    awsSecretKey: random(40, `${alnum}/+`),
    github: `ghp_${random(36)}`,
    gitlab: `glpat-${random(20)}`,
    slack: `xoxb-${random(12, '0123456789')}-${random(13, '0123456789')}-${random(24)}`,
  };
}
type Secrets = ReturnType<typeof newSecrets>;

const credentialsFile = (s: Secrets) =>
  [
    '[default]',
    `aws_access_key_id = ${s.awsKeyId}`,
    `aws_secret_access_key = ${s.awsSecretKey}`,
    '',
    `GITHUB_TOKEN=${s.github}`,
    `GITLAB_TOKEN=${s.gitlab}`,
    `SLACK_TOKEN=${s.slack}`,
    '',
  ].join('\n');

/** Fake providers that know `known` (all four kinds), answering as told. */
async function startProviders(known: Secrets, override?: FakeOverride) {
  const servers = {
    aws: await startFakeSts({ keys: { [known.awsKeyId]: known.awsSecretKey }, override }),
    github: await startFakeGitHubUser({ tokens: [known.github], override }),
    gitlab: await startFakeGitLabUser({ tokens: [known.gitlab], override }),
    slack: await startFakeSlack({ tokens: [known.slack], override }),
  };
  onTestFinished(() =>
    Promise.all(Object.values(servers).map((server) => server.close())).then(() => undefined),
  );
  const endpoints = Object.entries(servers)
    .map(([provider, server]) => `${provider}=${server.baseUrl}`)
    .join(', ');
  const requestCount = () => Object.values(servers).reduce((sum, server) => sum + server.requests.length, 0);
  return { ...servers, endpoints, requestCount };
}

function context(settings: Record<string, unknown>, signal = new AbortController().signal): ConnectorContext {
  return { settings, secrets: {}, fingerprint, signal, uploadName: 'credentials.env' };
}

async function readFiles(
  upload: string | Buffer,
  settings: Record<string, unknown>,
  name = 'credentials.env',
) {
  const connector = connectorFor('secrets.files');
  if (!connector) throw new Error('no secrets.files connector');
  return connector.read(Buffer.from(upload), { ...context(settings), uploadName: name });
}

const byType = (output: ConnectorOutput) =>
  Object.fromEntries(output.leaks.map((leak) => [leak.secretType, leak.verification]));

/**
 * The output without the fake servers' addresses and the fingerprints (hashes): a port number or a
 * hash may share five digits with a Slack token's random digits, which says nothing about the token.
 */
const withoutAddresses = (output: ConnectorOutput) =>
  JSON.stringify(output)
    .replace(/(127\.0\.0\.1|localhost):\d+/g, '$1:port')
    .replace(/\b[a-f0-9]{64}\b/g, 'fingerprint');

function expectNothingOf(secrets: Secrets, output: ConnectorOutput) {
  for (const secret of Object.values(secrets))
    expect(exposedRuns(withoutAddresses(output), secret)).toEqual([]);
}

describe('verification of found secrets', () => {
  it('is off by default: no call is made, whatever endpoints are set', async () => {
    const secrets = newSecrets();
    const providers = await startProviders(secrets);

    const output = await readFiles(credentialsFile(secrets), { verifyEndpoints: providers.endpoints });
    const notTrue = await readFiles(credentialsFile(secrets), {
      verify: 'true',
      verifyEndpoints: providers.endpoints,
    });

    expect(output.leaks).toHaveLength(5);
    expect(output.leaks.every((leak) => leak.verification === null)).toBe(true);
    expect(notTrue.leaks.every((leak) => leak.verification === null)).toBe(true);
    expect(output.warnings).toEqual([]);
    expect(providers.requestCount()).toBe(0);
  });

  it('finds working secrets live, one documented identity call each, and records the count', async () => {
    const secrets = newSecrets();
    const providers = await startProviders(secrets);
    const logged = (['log', 'info', 'debug', 'warn', 'error', 'trace'] as const).map((method) =>
      vi.spyOn(console, method).mockImplementation(() => undefined),
    );
    onTestFinished(() => {
      for (const spy of logged) spy.mockRestore();
    });

    const output = await readFiles(credentialsFile(secrets), {
      verify: true,
      verifyEndpoints: providers.endpoints,
    });

    // Nothing is logged on the way: no request, no header, no secret.
    for (const spy of logged) expect(spy).not.toHaveBeenCalled();
    expect(byType(output)).toEqual({
      aws_access_key_id: 'live',
      aws_secret_access_key: 'live',
      github_token: 'live',
      gitlab_token: 'live',
      slack_token: 'live',
    });
    expect(providers.aws.requests.map((r) => [r.method, r.path, r.credential])).toEqual([
      ['POST', '/', secrets.awsKeyId],
    ]);
    expect(providers.github.requests.map((r) => [r.method, r.path, r.credential])).toEqual([
      ['GET', '/user', secrets.github],
    ]);
    expect(providers.gitlab.requests.map((r) => [r.method, r.path, r.credential])).toEqual([
      ['GET', '/api/v4/user', secrets.gitlab],
    ]);
    expect(providers.slack.requests.map((r) => [r.method, r.path, r.credential])).toEqual([
      ['POST', '/auth.test', secrets.slack],
    ]);
    expect(output.warnings).toEqual([
      {
        item: 'secret verification',
        message:
          'verified 4 secrets: 4 live; aws 1 (1 live), github 1 (1 live), gitlab 1 (1 live), slack 1 (1 live)',
      },
    ]);
    expectNothingOf(secrets, output);
  });

  it('finds refused secrets invalid: unknown tokens, an unknown key id, a wrong secret access key', async () => {
    const known = newSecrets();
    const found = newSecrets();
    const providers = await startProviders(known);
    const wrongSecretKey = { ...found, awsKeyId: known.awsKeyId };

    const output = await readFiles(credentialsFile(found), {
      verify: true,
      verifyEndpoints: providers.endpoints,
    });
    const wrongSecret = await readFiles(credentialsFile(wrongSecretKey), {
      verify: true,
      verifyEndpoints: providers.endpoints,
    });

    expect(byType(output)).toEqual({
      aws_access_key_id: 'invalid',
      aws_secret_access_key: 'invalid',
      github_token: 'invalid',
      gitlab_token: 'invalid',
      slack_token: 'invalid',
    });
    expect(byType(wrongSecret).aws_secret_access_key).toBe('invalid');
    expect(providers.aws.requests.map((r) => r.credential)).toEqual([found.awsKeyId, known.awsKeyId]);
    expect(output.warnings[0]?.message).toBe(
      'verified 4 secrets: 4 invalid; aws 1 (1 invalid), github 1 (1 invalid), gitlab 1 (1 invalid), slack 1 (1 invalid)',
    );
    expectNothingOf(found, output);
    expectNothingOf(wrongSecretKey, wrongSecret);
  });

  it('says unknown when the provider is down, rate-limits or fails', async () => {
    const secrets = newSecrets();
    const down = await downEndpoint();
    const throttled = await startProviders(secrets, { status: 429, headers: { 'retry-after': '60' } });
    const failing = await startProviders(secrets, { status: 503 });
    const allUnknown = {
      aws_access_key_id: 'unknown',
      aws_secret_access_key: 'unknown',
      github_token: 'unknown',
      gitlab_token: 'unknown',
      slack_token: 'unknown',
    };

    for (const endpoints of [
      `aws=${down} github=${down} gitlab=${down} slack=${down}`,
      throttled.endpoints,
      failing.endpoints,
    ]) {
      const output = await readFiles(credentialsFile(secrets), { verify: true, verifyEndpoints: endpoints });
      expect(byType(output)).toEqual(allUnknown);
      expect(output.warnings[0]?.message).toMatch(/^verified 4 secrets: 4 unknown;/);
      expectNothingOf(secrets, output);
    }
    expect(throttled.requestCount()).toBe(4);
  });

  it('gives up on a call after its timeout', async () => {
    const secrets = newSecrets();
    const hanging = await startProviders(secrets, 'hang');
    const options = verificationOfSettings({ verify: true, verifyEndpoints: hanging.endpoints });
    if (!options) throw new Error('verification is on');
    const started = Date.now();

    const output = await scanUpload(
      Buffer.from(credentialsFile(secrets)),
      'a.env',
      fingerprint,
      new AbortController().signal,
      {
        verification: { ...options, timeoutMs: 300 },
      },
    );

    expect(byType(output).github_token).toBe('unknown');
    expect(byType(output).aws_access_key_id).toBe('unknown');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(hanging.requestCount()).toBe(4);
  });

  it('checks a secret found many times once, and leaves formats no identity call can check alone', async () => {
    const secrets = newSecrets();
    const providers = await startProviders(secrets);
    const zip = zipSync({
      'a/.env': Buffer.from(`GITHUB_TOKEN=${secrets.github}\n`),
      'b/.env': Buffer.from(`GITHUB_TOKEN=${secrets.github}\n`),
      'c/config.js': Buffer.from(`const token = "${secrets.github}";\n`),
      // A key id without its secret key, and a refresh token: nothing to call with.
      'd/.env': Buffer.from(`AWS_ACCESS_KEY_ID=${secrets.awsKeyId}\nREFRESH=ghr_${random(36)}\n`),
    });

    const output = await readFiles(
      Buffer.from(zip),
      { verify: true, verifyEndpoints: providers.endpoints },
      'repo.zip',
    );

    expect(output.leaks.map((leak) => [leak.file, leak.secretType, leak.verification])).toEqual(
      expect.arrayContaining([
        ['a/.env', 'github_token', 'live'],
        ['b/.env', 'github_token', 'live'],
        ['c/config.js', 'github_token', 'live'],
        ['d/.env', 'aws_access_key_id', null],
      ]),
    );
    expect(output.leaks.filter((leak) => leak.file === 'd/.env' && leak.verification !== null)).toEqual([]);
    expect(providers.github.requests).toHaveLength(1);
    expect(providers.aws.requests).toHaveLength(0);
  });

  it('makes at most verifyMaxCalls calls per scan, the rest unknown with one warning', async () => {
    const secrets = newSecrets();
    const providers = await startProviders(secrets);
    const tokens = [secrets.github, ...Array.from({ length: 4 }, () => `ghp_${random(36)}`)];
    const file = tokens.map((token, at) => `TOKEN_${at}=${token}`).join('\n');

    const output = await readFiles(file, {
      verify: true,
      verifyEndpoints: providers.endpoints,
      verifyMaxCalls: 2,
    });

    expect(providers.github.requests).toHaveLength(2);
    expect(output.leaks.map((leak) => leak.verification)).toEqual([
      'live',
      'invalid',
      'unknown',
      'unknown',
      'unknown',
    ]);
    expect(output.warnings).toEqual([
      {
        item: 'secret verification',
        message: 'verified 2 secrets: 1 live, 1 invalid; github 2 (1 live, 1 invalid)',
      },
      {
        item: 'secret verification',
        message: '3 more secrets not verified (left unknown): at most 2 calls per scan',
      },
    ]);
    for (const token of tokens) expect(exposedRuns(withoutAddresses(output), token)).toEqual([]);
  });

  it('calls each provider at most verifyRatePerSecond times in any second', async () => {
    const secrets = newSecrets();
    const providers = await startProviders(secrets);
    const file = Array.from({ length: 4 }, (_, at) => `TOKEN_${at}=ghp_${random(36)}`).join('\n');

    await readFiles(file, { verify: true, verifyEndpoints: providers.endpoints, verifyRatePerSecond: 3 });

    const times = providers.github.requests.map((request) => request.at);
    expect(times).toHaveLength(4);
    // The fourth waits for the first to leave the one-second window. The times are of arrival at the
    // provider, and the first may arrive late on a busy machine: the slack allows for that, while a
    // limiter that let the fourth through at once would still fail by far.
    expect((times[3] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it('verifies the secrets of a directory source', async () => {
    const secrets = newSecrets();
    const providers = await startProviders(secrets);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-verify-'));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'credentials'), credentialsFile(secrets));
    const connector = connectorFor('secrets.directory');

    const output = await connector?.read(
      null,
      context({ path: dir, verify: true, verifyEndpoints: providers.endpoints }),
    );

    expect(output && byType(output)).toMatchObject({ github_token: 'live', aws_secret_access_key: 'live' });
    expect(providers.requestCount()).toBe(4);
    if (output) expectNothingOf(secrets, output);
  });

  it('stops calling when the scan is stopped', async () => {
    const github = await startFakeGitHubUser({ tokens: [], override: 'hang' });
    onTestFinished(() => github.close());
    const tokens = Array.from({ length: 3 }, () => `ghp_${random(36)}`);
    const zip = zipSync(
      Object.fromEntries(tokens.map((token, at) => [`${at}.env`, Buffer.from(`T=${token}\n`)])),
    );
    const stop = new AbortController();
    const options = verificationOfSettings({ verify: true, verifyEndpoints: `github=${github.baseUrl}` });

    const scanning = scanUpload(Buffer.from(zip), 'repo.zip', fingerprint, stop.signal, {
      verification: options,
    });
    await expect.poll(() => github.requests.length).toBe(1);
    stop.abort();
    const output = await scanning;

    expect(github.requests).toHaveLength(1);
    expect(output.leaks.map((leak) => leak.verification)).toEqual(['unknown']);
  });
});

describe('provider answers', () => {
  const check = (credential: Parameters<typeof checkCredential>[0], endpoint: string) =>
    checkCredential(credential, { endpoint, signal: AbortSignal.timeout(5000), timeoutMs: 5000 });

  it('reads GitHub’s 403s: an app installation token works, a rate limit says nothing', async () => {
    const token = `ghs_${random(36)}`;
    const github = await startFakeGitHubUser({ tokens: [], installationTokens: [token] });
    const limited = await startFakeGitHubUser({
      tokens: [token],
      override: {
        status: 403,
        headers: { 'x-ratelimit-remaining': '0' },
        body: '{"message":"API rate limit exceeded"}',
      },
    });
    onTestFinished(async () => {
      await github.close();
      await limited.close();
    });

    expect(await check({ provider: 'github', token }, github.baseUrl)).toBe('live');
    expect(await check({ provider: 'github', token }, limited.baseUrl)).toBe('unknown');
  });

  it('reads GitLab’s insufficient_scope as a working token, and never follows a redirect', async () => {
    const token = `glpat-${random(20)}`;
    const scoped = await startFakeGitLabUser({
      tokens: [],
      override: {
        status: 403,
        body: '{"error":"insufficient_scope","error_description":"The request requires higher privileges than provided by the access token."}',
      },
    });
    const moved = await startFakeGitLabUser({
      tokens: [token],
      override: { status: 302, headers: { location: 'http://127.0.0.1:1/elsewhere' } },
    });
    onTestFinished(async () => {
      await scoped.close();
      await moved.close();
    });

    expect(await check({ provider: 'gitlab', token }, scoped.baseUrl)).toBe('live');
    expect(await check({ provider: 'gitlab', token }, moved.baseUrl)).toBe('unknown');
  });

  it('reads Slack’s ok:false errors: auth errors are invalid, others say nothing', async () => {
    const token = `xoxp-${random(12, '0123456789')}-${random(24)}`;
    const revoked = await startFakeSlack({
      tokens: [],
      override: { status: 200, body: '{"ok":false,"error":"token_revoked"}' },
    });
    const limited = await startFakeSlack({
      tokens: [],
      override: { status: 200, body: '{"ok":false,"error":"ratelimited"}' },
    });
    onTestFinished(async () => {
      await revoked.close();
      await limited.close();
    });

    expect(await check({ provider: 'slack', token }, revoked.baseUrl)).toBe('invalid');
    expect(await check({ provider: 'slack', token }, limited.baseUrl)).toBe('unknown');
  });
});

describe('verification settings', () => {
  it('is on only for verify: true, with the documented defaults', () => {
    expect(verificationOfSettings({})).toBeNull();
    expect(verificationOfSettings({ verify: 'true' })).toBeNull();
    expect(verificationOfSettings({ verify: true })).toEqual<VerificationOptions>({
      endpoints: {},
      perSecond: 5,
      maxCalls: 200,
      timeoutMs: 5000,
    });
  });

  it('takes endpoints as provider=URL pairs or an object', () => {
    expect(
      verificationOfSettings({
        verify: true,
        verifyEndpoints: 'github=https://ghe.example.com/api/v3/, gitlab=https://gitlab.example.com',
      })?.endpoints,
    ).toEqual({ github: 'https://ghe.example.com/api/v3', gitlab: 'https://gitlab.example.com' });
    expect(
      verificationOfSettings({ verify: true, verifyEndpoints: { slack: 'http://127.0.0.1:9/api' } })
        ?.endpoints,
    ).toEqual({ slack: 'http://127.0.0.1:9/api' });
  });

  it('refuses what it cannot use', () => {
    expect(() => verificationOfSettings({ verify: true, verifyEndpoints: 'bitbucket=https://x' })).toThrow(
      /unknown provider "bitbucket"/,
    );
    expect(() => verificationOfSettings({ verify: true, verifyEndpoints: 'github=file:///etc' })).toThrow(
      /http/,
    );
    expect(() => verificationOfSettings({ verify: true, verifyEndpoints: 'github=https://u:p@x' })).toThrow(
      /without credentials/,
    );
    expect(() => verificationOfSettings({ verify: true, verifyRatePerSecond: 0 })).toThrow(/1 to 50/);
    expect(() => verificationOfSettings({ verify: true, verifyMaxCalls: 1.5 })).toThrow(/whole number/);
  });
});
