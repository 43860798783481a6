import { ApiTokenService, procedurePermissions, router, undeclaredProcedures } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { expect, it } from 'vitest';
import { policyRouter } from './policy.procedures.ts';
import { type PolicyHub, setupPolicyHub } from './testing/policy-test-setup.ts';

const appRouter = router({ policy: policyRouter });
const procedures = policyRouter._def.procedures as unknown as Record<
  string,
  { _def: { type: 'query' | 'mutation' } }
>;

interface TrpcBody {
  // biome-ignore lint/suspicious/noExplicitAny: the shape differs per procedure; assertions check it
  result: { data: any };
  error: { data: { code: string } };
}

it('declares a known permission on every procedure: reads need policy:read, changes policy:admin', () => {
  expect(undeclaredProcedures(policyRouter)).toEqual([]);
  for (const { path, permission } of procedurePermissions(policyRouter)) {
    expect(permission, path).toBe(procedures[path]?._def.type === 'query' ? 'policy:read' : 'policy:admin');
  }
});

describeEachDatabase('policy.* over /api/trpc', (_kind, newDatabase) => {
  async function setup() {
    const hub = await setupPolicyHub(newDatabase);
    await hub.member('ana', 'admin');
    await hub.member('vic', 'viewer');
    const bearerOf = async (name: string) =>
      (await (await hub.scopeOf(name)).container.resolve(ApiTokenService).create({ name: 'test' })).token;
    return { hub, ana: await bearerOf('ana'), vic: await bearerOf('vic') };
  }

  async function call(hub: PolicyHub, bearer: string, path: string, input: unknown) {
    const type = procedures[path]?._def.type;
    if (!type) throw new Error(`No procedure policy.${path}`);
    const encoded = encodeURIComponent(JSON.stringify(input));
    const response = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req: new Request(
        type === 'query'
          ? `http://hub.test/api/trpc/policy.${path}?input=${encoded}`
          : `http://hub.test/api/trpc/policy.${path}`,
        {
          method: type === 'query' ? 'GET' : 'POST',
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
          body: type === 'query' ? undefined : JSON.stringify(input),
        },
      ),
      router: appRouter,
      createContext: ({ req, resHeaders }) => ({ root: hub.root, requestId: 'req-http', req, resHeaders }),
    });
    return { status: response.status, body: (await response.json()) as TrpcBody };
  }

  it('lets a realm admin build the tree and a viewer neither read nor change it', async () => {
    const { hub, ana, vic } = await setup();
    const created = await call(hub, ana, 'createGroup', { name: 'Security' });
    expect(created.status).toBe(200);
    const tree = await call(hub, ana, 'tree', undefined);
    expect(tree.body.result.data.map((g: { name: string }) => g.name)).toContain('Security');

    expect((await call(hub, vic, 'tree', undefined)).status).toBe(403);
    const refused = await call(hub, vic, 'createGroup', { name: 'Mine' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.data.code).toBe('FORBIDDEN');
  });

  it('answers bad input with 400 and changes nothing', async () => {
    const { hub, ana } = await setup();
    const before = (await call(hub, ana, 'tree', undefined)).body.result.data.length;
    const bad = await call(hub, ana, 'assign', { policyId: 'x', groupId: 'y', reason: '' });
    expect(bad.status).toBe(400);
    expect((await call(hub, ana, 'tree', undefined)).body.result.data.length).toBe(before);
  });
});
