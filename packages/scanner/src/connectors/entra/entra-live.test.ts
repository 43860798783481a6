import { createHash } from 'node:crypto';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  entraClientId,
  entraClientSecret,
  entraTenant,
  entraTenantId,
} from '../../testing/entra-tenant-fixture.ts';
import { type FakeGraphTenant, startFakeGraph } from '../../testing/fake-graph-server.ts';
import { exposedRuns } from '../../testing/secret-exposure.ts';
import { testSourceConnection } from '../connection-test.ts';
import { readEntraLive } from './entra.ts';

async function setup(overrides: Partial<FakeGraphTenant> = {}) {
  const graph = await startFakeGraph(entraTenant(overrides));
  onTestFinished(() => graph.close());
  const settings = { tenantId: entraTenantId, authorityHost: graph.baseUrl, graphEndpoint: graph.baseUrl };
  const context = (secrets: Record<string, string>) => ({
    settings,
    secrets,
    fingerprint: async (secret: string) => createHash('sha256').update(secret).digest('hex'),
    signal: new AbortController().signal,
    uploadName: null,
  });
  return { graph, settings, context, secrets: { clientId: entraClientId, clientSecret: entraClientSecret } };
}

describe('Entra ID live collection against a local Graph', () => {
  it('pages through service principals, applications, permissions and owners', async () => {
    const { graph, context, secrets } = await setup({
      signInActivities: [
        {
          appId: 'aaaaaaaa-0000-4000-8000-000000000001',
          applicationAuthenticationClientSignInActivity: { lastSignInDateTime: '2025-03-01T00:00:00Z' },
        },
      ],
    });

    const output = await readEntraLive(context(secrets));

    expect(output.nhis.map((nhi) => [nhi.name, nhi.kind, nhi.facts.map((f) => f.kind).sort()])).toEqual([
      ['directory-sync', 'service_account', ['entra.tenant_wide_write']],
      ['Vendor CRM', 'oauth_app', ['entra.tenant_wide_write', 'entra.third_party_write']],
    ]);
    expect(output.nhis[0]?.lastUsedAt).toEqual(new Date('2025-03-01T00:00:00Z'));
    expect(output.nhis[0]?.metadata?.authorization).toEqual({ tags: { owner: 'ana@example.com' } });
    expect(output.warnings).toEqual([]);
    // Three service principals at two a page: the first list follows one nextLink (after one 429).
    expect(graph.requests.filter((r) => r.startsWith('GET /v1.0/servicePrincipals?'))).toHaveLength(2);
    expect(graph.requests.some((r) => r.includes('/servicePrincipals/sp-graph/'))).toBe(false);
  });

  it('waits out a throttled answer as Retry-After says', async () => {
    const { graph, context, secrets } = await setup({ throttleFirst: true });

    const output = await readEntraLive(context(secrets));

    expect(output.nhis).toHaveLength(2);
    expect(graph.requests.filter((r) => r.startsWith('GET /v1.0/servicePrincipals?$top=999'))).toHaveLength(
      2,
    );
  });

  it('reports the sign-in report it may not read as a warning, and calls nothing unused', async () => {
    const { context, secrets } = await setup();

    const output = await readEntraLive(context(secrets));

    expect(output.warnings).toEqual([
      {
        item: 'sign-in activity',
        message: expect.stringContaining('403 Authentication_RequestFromNonPremiumTenantOrB2CTenant'),
      },
    ]);
    expect(output.nhis.flatMap((nhi) => nhi.facts).map((f) => f.kind)).not.toContain('credential.never_used');
    expect(output.nhis[0]?.lastUsedAt).toBeNull();
  });

  it('fails with the tenant’s answer when the client secret is wrong, quoting no secret', async () => {
    const { context } = await setup();

    const attempt = readEntraLive(context({ clientId: entraClientId, clientSecret: 'wrong-secret-value' }));

    await expect(attempt).rejects.toThrow(/401 invalid_client AADSTS7000215/);
  });

  it('sends the client secret only to the token endpoint and keeps it out of the output', async () => {
    const { graph, context, secrets } = await setup();

    const output = await readEntraLive(context(secrets));

    expect(graph.bodies).toHaveLength(1);
    expect(exposedRuns(output, entraClientSecret)).toEqual([]);
    expect(exposedRuns(graph.requests, entraClientSecret)).toEqual([]);
  });

  it.each([
    {
      name: 'good credentials',
      secret: entraClientSecret,
      ok: true,
      message: /accepted the client credentials/,
    },
    { name: 'a wrong secret', secret: 'Zq4~wR0ngH7vB2nL9xK3', ok: false, message: /AADSTS7000215/ },
  ])('tests the connection with $name', async ({ secret, ok, message }) => {
    const { settings } = await setup();

    const result = await testSourceConnection('entra', settings, {
      clientId: entraClientId,
      clientSecret: secret,
    });

    expect(result).toEqual({ ok, message: expect.stringMatching(message) });
    expect(exposedRuns(result, secret)).toEqual([]);
  });

  it('asks for the tenant and the credentials it lacks', async () => {
    const result = await testSourceConnection('entra', {}, {});

    expect(result).toEqual({ ok: false, message: 'Name the tenant (settings.tenantId)' });
  });
});
