import { describe, expect, it } from 'vitest';
import { type CompletedRequest, createHttpEnvelope, type FetchHandler } from './http-envelope.ts';
import { currentRequestId } from './request-store.server.ts';
import { createRouteLabeler } from './route-label.ts';

function setup(options: { trustProxy?: boolean; draining?: boolean; bodyLimit?: number } = {}) {
  const completed: CompletedRequest[] = [];
  const envelope = createHttpEnvelope({
    trustProxy: options.trustProxy ?? false,
    routeLabel: createRouteLabeler(['/', '/healthz', '/api/trpc/$']),
    onComplete: (request) => completed.push(request),
    isDraining: () => options.draining ?? false,
    bodyLimit: () => options.bodyLimit ?? 1024 * 1024,
  });
  return { envelope, completed };
}

const ok = () => Response.json({ ok: true });

describe('HTTP envelope', () => {
  it('echoes a sane x-request-id and makes it the id handlers see', async () => {
    const { envelope } = setup();
    let seenByHandler = '';

    const response = await envelope(
      new Request('http://hub.test/healthz', { headers: { 'x-request-id': 'abc-123' } }),
      () => {
        seenByHandler = currentRequestId();
        return ok();
      },
    );

    expect(response.headers.get('x-request-id')).toBe('abc-123');
    expect(seenByHandler).toBe('abc-123');
  });

  it('replaces an x-request-id that could forge log lines with a fresh one', async () => {
    const { envelope } = setup();

    const response = await envelope(
      new Request('http://hub.test/healthz', { headers: { 'x-request-id': 'a b\tc"d' } }),
      ok,
    );

    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('sets the security headers on every response', async () => {
    const { envelope } = setup();

    const response = await envelope(new Request('http://hub.test/healthz'), ok);

    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
  });

  it('keeps the policy a page render set with its nonce', async () => {
    const { envelope } = setup();
    const page = "default-src 'self'; script-src 'self' 'nonce-abc'";

    const response = await envelope(
      new Request('http://hub.test/'),
      () =>
        new Response('<html></html>', {
          headers: { 'content-type': 'text/html', 'content-security-policy': page },
        }),
    );

    expect(response.headers.get('content-security-policy')).toBe(page);
  });

  it('sends HSTS only over https, and trusts x-forwarded-proto only behind a trusted proxy', async () => {
    const direct = setup();
    const proxied = setup({ trustProxy: true });
    const forwarded = { 'x-forwarded-proto': 'https' };

    const overHttps = await direct.envelope(new Request('https://hub.test/'), ok);
    const overHttp = await direct.envelope(new Request('http://hub.test/'), ok);
    const spoofed = await direct.envelope(new Request('http://hub.test/', { headers: forwarded }), ok);
    const behindProxy = await proxied.envelope(new Request('http://hub.test/', { headers: forwarded }), ok);

    expect(overHttps.headers.get('strict-transport-security')).toContain('max-age=');
    expect(overHttp.headers.has('strict-transport-security')).toBe(false);
    expect(spoofed.headers.has('strict-transport-security')).toBe(false);
    expect(behindProxy.headers.get('strict-transport-security')).toContain('max-age=');
  });

  it('adds headers to responses whose own headers are immutable', async () => {
    const { envelope } = setup();

    const response = await envelope(new Request('http://hub.test/'), () =>
      Response.redirect('http://hub.test/login'),
    );

    expect(response.status).toBe(302);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers 500 without details when the handler throws, and reports the failure', async () => {
    const { envelope, completed } = setup();

    const response = await envelope(new Request('http://hub.test/healthz'), () => {
      throw new Error('database password is hunter2');
    });

    expect(response.status).toBe(500);
    expect(await response.text()).not.toContain('hunter2');
    expect(completed[0]?.error).toBeInstanceOf(Error);
  });

  it('reports each request by route pattern and path, without the query string', async () => {
    const { envelope, completed } = setup();

    await envelope(new Request('http://hub.test/api/trpc/platform.whoami?input=secret'), ok);

    expect(completed).toEqual([
      expect.objectContaining({
        method: 'GET',
        route: '/api/trpc/$',
        path: '/api/trpc/platform.whoami',
        status: 200,
      }),
    ]);
    expect(JSON.stringify(completed)).not.toContain('secret');
  });

  it('refuses new requests with 503 while shutting down', async () => {
    const { envelope } = setup({ draining: true });
    let handled = false;

    const response = await envelope(new Request('http://hub.test/'), () => {
      handled = true;
      return ok();
    });

    expect(response.status).toBe(503);
    expect(handled).toBe(false);
  });

  it('forbids storing every answer it gives, whatever the handler answered', async () => {
    const cases: [string, FetchHandler, { draining?: boolean }][] = [
      ['an API answer', ok, {}],
      [
        'a page',
        () => new Response('<html></html>', { headers: { 'cache-control': 'public, max-age=600' } }),
        {},
      ],
      ['a redirect after logging in or out', () => Response.redirect('http://hub.test/login'), {}],
      [
        'a failure',
        () => {
          throw new Error('boom');
        },
        {},
      ],
      ['a refusal while shutting down', ok, { draining: true }],
    ];
    for (const [name, handler, options] of cases) {
      const { envelope } = setup(options);

      const response = await envelope(new Request('http://hub.test/api/trpc/platform.whoami'), handler);

      expect(response.headers.get('cache-control'), name).toBe('no-store');
    }
  });

  it('lets the public key set be cached as its handler says, and only that', async () => {
    const { envelope } = setup();
    const cacheable = () =>
      Response.json({ keys: [] }, { headers: { 'cache-control': 'public, max-age=300' } });

    const keySet = await envelope(new Request('http://hub.test/.well-known/jwks.json'), cacheable);
    const elsewhere = await envelope(new Request('http://hub.test/.well-known/other.json'), cacheable);
    const failure = await envelope(new Request('http://hub.test/.well-known/jwks.json'), () => {
      throw new Error('database down');
    });

    expect(keySet.headers.get('cache-control')).toBe('public, max-age=300');
    expect(elsewhere.headers.get('cache-control')).toBe('no-store');
    expect(failure.headers.get('cache-control')).toBe('no-store');
  });
});
