import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { NhiService } from '@nhi/nhi';
import { ApiTokenService, RealmAdminService } from '@nhi/platform';
import type { Page } from 'playwright-core';
import { describe, expect, it, onTestFinished } from 'vitest';
import { hubForFile } from './support/file-hub.ts';
import { startHubProcess, waitForReady } from './support/hub-process.ts';
import { adminEmail, emptyDataDir, seedingScope, withSeedingRuntime } from './support/seed.ts';
import { logIn, openPage, waitForHydration } from './support/session.ts';

const megabyte = 1024 * 1024;

interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Bytes of body the client had written when the answer came. */
  written: number;
}

/**
 * A POST the way a misbehaving client sends it, over a plain socket: `declared` announces a
 * length and sends nothing; `endless` streams chunks (no length) until the server answers,
 * giving up after `maxBytes`.
 */
function rawPost(
  hubUrl: string,
  urlPath: string,
  body: { declared: number } | { endless: true; maxBytes: number } | { bytes: Buffer },
  extraHeaders: Record<string, string> = {},
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let written = 0;
    let answered = false;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
    if ('declared' in body) headers['content-length'] = String(body.declared);
    if ('bytes' in body) headers['content-length'] = String(body.bytes.length);
    const request = http.request(`${hubUrl}${urlPath}`, { method: 'POST', headers }, (response) => {
      answered = true;
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => {
        request.destroy();
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text, written });
      });
    });
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    if ('declared' in body) {
      request.flushHeaders();
      return;
    }
    if ('bytes' in body) {
      written = body.bytes.length;
      request.end(body.bytes);
      return;
    }
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (!answered && written < body.maxBytes) {
        written += chunk.length;
        if (!request.write(chunk)) {
          request.once('drain', pump);
          return;
        }
      }
      if (!answered) request.end();
    };
    pump();
  });
}

/** A JSON body of `size` bytes shaped like a scan upload. */
function uploadLikeBody(size: number): Buffer {
  const head =
    '{"sourceId":"3f1c2a9e-0000-4000-8000-000000000000","input":"k8s.manifests","upload":{"name":"a.yaml","contentBase64":"';
  const tail = '"}}';
  return Buffer.from(head + 'A'.repeat(size - head.length - tail.length) + tail);
}

/**
 * First start; an API token of the admin in realm `hub`, so calls get past authentication; and
 * realm `ops` (the admin a viewer there) holding one identity, whose id is returned.
 */
async function seedTokenAndOtherRealm(dataDir: string): Promise<{ token: string; foreignNhi: string }> {
  return withSeedingRuntime(dataDir, async (runtime) => {
    const realmAdmin = runtime.root.resolve(RealmAdminService);
    const { userId, realm } = await realmAdmin.findMember(adminEmail, 'hub');
    const scope = await seedingScope(runtime, realm);
    const token = (await scope.container.resolve(ApiTokenService).create({ userId, name: 'e2e' })).token;
    const ops = await realmAdmin.createRealm({ slug: 'ops', name: 'Operations' });
    const nhi = await (await seedingScope(runtime, ops)).container.resolve(NhiService).create({
      kind: 'service_account',
      provider: 'aws',
      externalId: 'arn:aws:iam::123456789012:user/ops-deployer',
      name: 'ops-deployer',
    });
    return { token, foreignNhi: nhi.id };
  });
}

// Every test here but the first start's reads, or writes only what it reads itself (its own
// session, a refused body), so they share one hub.
const sharedHub = hubForFile(seedTokenAndOtherRealm);

describe('request bodies over HTTP', () => {
  it('refuses a declared body over the limit with 413 before it is sent, and cuts a streamed one', async () => {
    const { hub, value } = await sharedHub();
    const bearer = { authorization: `Bearer ${value.token}` };

    const declared = await rawPost(hub.url, '/api/trpc/nhi.create', { declared: 200 * megabyte });
    const serverFn = await rawPost(hub.url, '/_serverFn/3d4be1695e0918203b0cb64a28c31a00bb2c05d1', {
      declared: 200 * megabyte,
    });
    // No retry: the server lingers before closing, so the answer arrives before any reset.
    const streamed = await rawPost(
      hub.url,
      '/api/trpc/nhi.create',
      { endless: true, maxBytes: 256 * megabyte },
      bearer,
    );

    for (const answer of [declared, serverFn, streamed]) {
      expect(answer.status).toBe(413);
      expect(answer.headers['content-type']).toContain('application/json');
      expect(JSON.parse(answer.body)).toEqual({ error: 'Request body too large', limitBytes: 2 * megabyte });
    }
    // The server stopped reading near the limit: what the client got written is the limit plus
    // what the sockets buffer, nowhere near the 256 MB it would have sent.
    expect(streamed.written).toBeLessThan(64 * megabyte);
    expect((await fetch(`${hub.url}/healthz`)).status).toBe(200);
  });

  it('lets a scan upload or an import carry a file-sized body, and nothing else', async () => {
    const { hub, value } = await sharedHub();
    const bearer = { authorization: `Bearer ${value.token}` };
    const upload = uploadLikeBody(3 * megabyte);
    // One 3 MB header line: read whole, then refused for what it says.
    const csv = Buffer.from(JSON.stringify({ format: 'csv', content: 'x'.repeat(3 * megabyte) }));

    // Without a session: refused as such, the body skipped, the connection kept for the next call.
    const anonymousUpload = await rawPost(hub.url, '/api/trpc/scanner.scan.start', { bytes: upload });
    const anonymousImport = await rawPost(hub.url, '/api/trpc/nhi.import', { bytes: csv });
    // With one: read whole and judged on its content.
    const imported = await rawPost(hub.url, '/api/trpc/nhi.import', { bytes: csv }, bearer);
    const scan = await rawPost(hub.url, '/api/trpc/scanner.scan.start', { bytes: upload }, bearer);
    const other = await rawPost(hub.url, '/api/trpc/nhi.create', { bytes: csv }, bearer);

    expect(anonymousUpload.status).toBe(401);
    expect(anonymousImport.status).toBe(401);
    expect([200, 400]).toContain(imported.status);
    expect(imported.body).not.toContain('"imported":true');
    expect(scan.status).toBe(404);
    expect(other.status).toBe(413);
  });
});

describe('caching', () => {
  it('forbids storing pages, API answers, login and logout, and lets built assets be cached', async () => {
    const { hub } = await sharedHub();
    const page = await openPage(hub);
    const serverFnAnswers: { status: number; cacheControl: string | undefined }[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/_serverFn/'))
        serverFnAnswers.push({
          status: response.status(),
          cacheControl: response.headers()['cache-control'],
        });
    });

    await logIn(page);
    const inventory = await page.goto('/inventory');
    // The logout button works once the page is hydrated; a click before that is lost.
    await waitForHydration(page);
    const loginAnswers = serverFnAnswers.length;
    await page.getByTestId('logout').click();
    await page.waitForURL('**/login**');
    const loginPage = await fetch(`${hub.url}/login`);
    const html = await loginPage.text();
    const asset = html.match(/\/assets\/[\w.-]+\.(?:js|css)/)?.[0];
    const assetAnswer = await fetch(`${hub.url}${asset}`);
    const trpc = await fetch(`${hub.url}/api/trpc/platform.whoami`);

    expect(loginAnswers).toBeGreaterThan(0);
    expect(serverFnAnswers.length).toBeGreaterThan(loginAnswers);
    expect(serverFnAnswers.map((answer) => answer.cacheControl)).toEqual(
      serverFnAnswers.map(() => 'no-store'),
    );
    expect(inventory?.headers()['cache-control']).toBe('no-store');
    expect(loginPage.headers.get('cache-control')).toBe('no-store');
    expect(trpc.status).toBe(401);
    expect(trpc.headers.get('cache-control')).toBe('no-store');
    expect(assetAnswer.status).toBe(200);
    expect(assetAnswer.headers.get('cache-control') ?? '').not.toContain('no-store');
  });

  it('lets anyone fetch the public key set, cacheable for five minutes', async () => {
    const { hub } = await sharedHub();

    const response = await fetch(`${hub.url}/.well-known/jwks.json`);
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/jwk-set+json');
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'OKP', alg: 'EdDSA', use: 'sig' });
    expect(keys[0]).not.toHaveProperty('d');
  });
});

describe('first start', () => {
  it('writes only JSON lines to standard output, and the generated password and address to standard error', async () => {
    const dataDir = await emptyDataDir();
    const hub = await startHubProcess({ NHI_DATA_DIR: dataDir });
    onTestFinished(async () => {
      await hub.stop();
    });
    await waitForReady(hub.url);
    const password = (await fs.readFile(path.join(dataDir, 'initial-admin-password'), 'utf8')).trim();
    await expect.poll(() => hub.stderr()).toContain('NHI Hub is running at');

    const lines = hub
      .stdout()
      .split('\n')
      .filter((line) => line.trim() !== '');
    expect(password.length).toBeGreaterThanOrEqual(12);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(hub.stdout()).not.toContain(password);
    expect(hub.stderr()).toContain(password);
  });
});

async function notFoundShown(page: Page): Promise<boolean> {
  await page.getByTestId('not-found').waitFor();
  return page.getByTestId('nav-whoami').isVisible();
}

describe('pages of records that are not there', () => {
  it('answer 404 with a not-found page, for unknown ids, malformed ids and another realm’s', async () => {
    const {
      hub,
      value: { foreignNhi },
    } = await sharedHub();
    // What this test's requests log: the hub also served the other tests of the file.
    const logFrom = hub.stdout().length;
    const page = await openPage(hub);
    await logIn(page);
    const unknown = '3f1c2a9e-0000-4000-8000-000000000000';

    for (const address of [
      `/inventory/${unknown}`,
      `/inventory/${foreignNhi}`,
      `/inventory/${unknown}/edit`,
      '/inventory/not-an-id',
      `/alerts/${unknown}`,
      `/scans/${unknown}`,
      `/policy/access?user=${unknown}`,
    ]) {
      const response = await page.goto(address);

      expect(response?.status(), address).toBe(404);
      expect(await notFoundShown(page), address).toBe(true);
      expect(await page.content(), address).not.toContain('Something went wrong');
    }
    expect(hub.stdout().slice(logFrom)).not.toContain('"level":"error"');
  });

  it('answers the serverFn 404 when the browser navigates to an unknown record itself', async () => {
    const { hub } = await sharedHub();
    const page = await openPage(hub);
    await logIn(page);
    const statuses: number[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/_serverFn/')) statuses.push(response.status());
    });

    // The dashboard's own loads are over, so nothing pending supersedes the navigation below.
    await page.getByTestId('dashboard').waitFor();
    // A navigation inside the app: the router watches history.pushState and loads the page's data
    // by calling the serverFn.
    await page.evaluate(() => {
      window.history.pushState({}, '', '/alerts/3f1c2a9e-0000-4000-8000-000000000000');
    });

    expect(await notFoundShown(page)).toBe(true);
    expect(statuses).toContain(404);
    expect(statuses).not.toContain(500);
  });
});
