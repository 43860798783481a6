import { Writable } from 'node:stream';
import { createLogger, procedurePermissions, RealmDb, router, undeclaredProcedures } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { expect, it } from 'vitest';
import { newNhi, setupInventory } from '../testing/nhi-test-setup.ts';
import { findTextContaining } from '../testing/secret-scan.ts';
import { nhiRouter } from './nhi.procedures.ts';

/** Mounted as the hub mounts it, so paths read as callers write them. */
const appRouter = router({ nhi: nhiRouter });
const procedures = nhiRouter._def.procedures as unknown as Record<
  string,
  { _def: { type: 'query' | 'mutation' } }
>;

interface TrpcBody {
  // biome-ignore lint/suspicious/noExplicitAny: the shape differs per procedure; assertions check it
  result: { data: any };
  // biome-ignore lint/suspicious/noExplicitAny: as above
  error: { data: { code: string; details?: any } };
}

const expectedPermissions: Record<string, string> = {
  list: 'nhi:read',
  context: 'nhi:read',
  get: 'nhi:read',
  history: 'nhi:read',
  audit: 'nhi:read',
  export: 'nhi:read',
  create: 'nhi:write',
  update: 'nhi:write',
  bulkUpdate: 'nhi:write',
  'credential.add': 'nhi:write',
  'credential.rotate': 'nhi:write',
  'credential.revoke': 'nhi:write',
  delete: 'nhi:delete',
  restore: 'nhi:delete',
  import: 'nhi:import',
  'suggestion.list': 'nhi:read',
  'suggestion.ofNhi': 'nhi:read',
  'suggestion.accept': 'nhi:ownership',
  'suggestion.reject': 'nhi:ownership',
  'suggestion.acceptForGroup': 'nhi:ownership',
  'suggestion.refresh': 'nhi:ownership',
};

it('declares a known permission on every procedure', () => {
  expect(undeclaredProcedures(nhiRouter)).toEqual([]);
  expect(Object.fromEntries(procedurePermissions(nhiRouter).map((p) => [p.path, p.permission]))).toEqual(
    expectedPermissions,
  );
});

describeEachDatabase('nhi.* over /api/trpc', (_kind, newDatabase) => {
  async function setup() {
    const logLines: string[] = [];
    const logger = createLogger({
      level: 'trace',
      destination: new Writable({
        write(chunk, _encoding, done) {
          logLines.push(String(chunk));
          done();
        },
      }),
    });
    const t = await setupInventory(newDatabase, { logger });
    const tokens = {
      ana: await t.bearerOf(t.ana),
      eve: await t.bearerOf(t.eve),
      vic: await t.bearerOf(t.vic),
      anaInOther: await t.bearerOf(t.ana, t.otherRealm),
    };

    /** Calls nhi.<path> as the holder of the token: GET for queries, POST for mutations. */
    async function call(
      bearer: string,
      path: string,
      input: unknown,
    ): Promise<{ status: number; body: TrpcBody }> {
      const type = procedures[path]?._def.type;
      if (!type) throw new Error(`No procedure nhi.${path}`);
      const encoded = encodeURIComponent(JSON.stringify(input));
      const request = new Request(
        type === 'query'
          ? `http://hub.test/api/trpc/nhi.${path}?input=${encoded}`
          : `http://hub.test/api/trpc/nhi.${path}`,
        {
          method: type === 'query' ? 'GET' : 'POST',
          headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
          body: type === 'query' ? undefined : JSON.stringify(input),
        },
      );
      const response = await fetchRequestHandler({
        endpoint: '/api/trpc',
        req: request,
        router: appRouter,
        createContext: ({ req, resHeaders }) => ({ root: t.root, requestId: 'req-http', req, resHeaders }),
      });
      return { status: response.status, body: (await response.json()) as TrpcBody };
    }

    async function ok(bearer: string, path: string, input: unknown) {
      const response = await call(bearer, path, input);
      expect(response.status, `nhi.${path}: ${JSON.stringify(response.body)}`).toBe(200);
      return response.body.result.data;
    }

    /** An identity with one credential in the `hub` realm. */
    async function seeded() {
      const nhi = await ok(tokens.ana, 'create', newNhi({ idempotencyKey: 'seeded-identity-1' }));
      const credential = await ok(tokens.ana, 'credential.add', { nhiId: nhi.id, kind: 'token' });
      return { nhi, credential };
    }

    /** A pending ownership suggestion in the `hub` realm: a group and an identity tagged for it. */
    async function suggested() {
      const group = await new RealmDb(t.db, t.hubRealm.id).transaction((tx) =>
        tx.policyGroup.create({ data: { name: 'payments' }, select: { id: true } }),
      );
      await ok(tokens.ana, 'create', newNhi({ tags: ['team:payments'] }));
      await ok(tokens.ana, 'suggestion.refresh', {});
      const page = await ok(tokens.ana, 'suggestion.list', {});
      return { group, suggestion: page.items[0] };
    }

    return { ...t, tokens, call, ok, seeded, suggested, logLines };
  }

  it('answers NOT_FOUND for every id of another realm, and keeps each realm’s data to itself', async () => {
    const t = await setup();
    const { nhi, credential } = await t.seeded();
    const { group, suggestion } = await t.suggested();
    const exported = await t.ok(t.tokens.ana, 'export', { format: 'json' });
    const other = t.tokens.anaInOther;

    const notFound: Record<string, unknown> = {
      get: { id: nhi.id },
      update: { id: nhi.id, expectedVersion: 1, changes: { name: 'taken over' } },
      delete: { id: nhi.id },
      restore: { id: nhi.id },
      history: { id: nhi.id },
      audit: { id: nhi.id },
      'credential.add': { nhiId: nhi.id, kind: 'token' },
      'credential.rotate': { credentialId: credential.id },
      'credential.revoke': { credentialId: credential.id },
      bulkUpdate: { ids: [nhi.id], environment: 'production' },
      'suggestion.ofNhi': { id: nhi.id },
      'suggestion.accept': { id: suggestion.id, expectedVersion: 1 },
      'suggestion.reject': { id: suggestion.id },
      'suggestion.acceptForGroup': { groupId: group.id },
    };
    for (const [path, input] of Object.entries(notFound)) {
      const response = await t.call(other, path, input);
      expect(response.status, `nhi.${path}`).toBe(404);
      expect(response.body.error.data.code).toBe('NOT_FOUND');
    }
    // Procedures that take no id of the realm: they act on the caller's realm only.
    const listed = await t.ok(other, 'list', {});
    const otherExport = await t.ok(other, 'export', { format: 'json' });
    const sameKey = await t.ok(other, 'create', { ...newNhi(), idempotencyKey: 'seeded-identity-1' });
    const imported = await t.ok(other, 'import', { format: 'json', content: exported.body });
    const context = await t.ok(other, 'context', {});
    const otherSuggestions = await t.ok(other, 'suggestion.list', {});
    const refreshed = await t.ok(other, 'suggestion.refresh', {});
    const covered = [
      ...Object.keys(notFound),
      ...['list', 'export', 'create', 'import', 'context', 'suggestion.list', 'suggestion.refresh'],
    ];

    expect(listed).toMatchObject({ items: [], total: 0 });
    expect(otherSuggestions).toMatchObject({ items: [], total: 0, groups: [] });
    expect(refreshed).toEqual({ created: 0, removed: 0 });
    expect(otherExport.body).not.toContain(nhi.id);
    expect(sameKey.id).not.toBe(nhi.id);
    expect(imported).toMatchObject({ imported: true, errors: [] });
    expect(JSON.stringify(context)).not.toContain(t.hubRealm.id);
    expect(context.members.map((member: { email: string }) => member.email)).not.toContain('eve@example.com');
    expect(covered.sort()).toEqual(
      procedurePermissions(nhiRouter)
        .map((p) => p.path)
        .sort(),
    );
    const inHub = await t.ok(t.tokens.ana, 'get', { id: nhi.id });
    expect(inHub).toMatchObject({ name: nhi.name, version: 1, deletedAt: null, environment: 'unknown' });
    expect(inHub.credentials).toMatchObject([{ id: credential.id, status: 'active' }]);
    // The seeded identity and the one tagged for a suggestion; the suggestion is still pending.
    expect(await t.db.systemPrisma.nhi.count({ where: { realmId: t.hubRealm.id } })).toBe(2);
    expect(
      await t.db.systemPrisma.ownerSuggestion.findUnique({ where: { id: suggestion.id } }),
    ).toMatchObject({
      state: 'pending',
    });
  });

  it('lets a viewer read and refuses every change with FORBIDDEN', async () => {
    const t = await setup();
    const { nhi, credential } = await t.seeded();
    const exported = await t.ok(t.tokens.ana, 'export', { format: 'csv' });

    for (const [path, input] of Object.entries({
      list: {},
      get: { id: nhi.id },
      history: { id: nhi.id },
      audit: { id: nhi.id },
      export: { format: 'csv' },
    })) {
      await t.ok(t.tokens.vic, path, input);
    }
    const writes: Record<string, unknown> = {
      create: newNhi(),
      update: { id: nhi.id, expectedVersion: 1, changes: { name: 'x' } },
      delete: { id: nhi.id },
      restore: { id: nhi.id },
      'credential.add': { nhiId: nhi.id, kind: 'token' },
      'credential.rotate': { credentialId: credential.id },
      'credential.revoke': { credentialId: credential.id },
      bulkUpdate: { ids: [nhi.id], environment: 'production' },
      import: { format: 'csv', content: exported.body },
    };
    for (const [path, input] of Object.entries(writes)) {
      const response = await t.call(t.tokens.vic, path, input);
      expect(response.status, `nhi.${path}`).toBe(403);
      expect(response.body.error.data.code).toBe('FORBIDDEN');
    }
    expect(await t.ok(t.tokens.ana, 'get', { id: nhi.id })).toMatchObject({ version: 1, deletedAt: null });
  });

  it('lets an editor change identities but not delete or restore them', async () => {
    const t = await setup();
    const { nhi } = await t.seeded();

    const updated = await t.ok(t.tokens.eve, 'update', {
      id: nhi.id,
      expectedVersion: 1,
      changes: { name: 'x' },
    });
    const deleted = await t.call(t.tokens.eve, 'delete', { id: nhi.id });
    const restored = await t.call(t.tokens.eve, 'restore', { id: nhi.id });

    expect(updated.version).toBe(2);
    expect(deleted.status).toBe(403);
    expect(restored.status).toBe(403);
  });

  it('answers a stale update with 409 and what the caller needs to resolve it', async () => {
    const t = await setup();
    const { nhi } = await t.seeded();
    await t.ok(t.tokens.eve, 'update', { id: nhi.id, expectedVersion: 1, changes: { tags: ['theirs'] } });

    const stale = await t.call(t.tokens.ana, 'update', {
      id: nhi.id,
      expectedVersion: 1,
      changes: { name: 'mine' },
    });

    expect(stale.status).toBe(409);
    expect(stale.body.error.data).toMatchObject({
      code: 'CONFLICT',
      details: {
        currentVersion: 2,
        changedFields: ['tags'],
        current: { id: nhi.id, tags: ['theirs'], version: 2 },
      },
    });
  });

  it('never returns, stores or logs a submitted secret, even in a refused request', async () => {
    const t = await setup();
    const { nhi } = await t.seeded();
    const secret = 'AKIA-not-an-id/wJalrXUtnFEMI/K7MDENG/bPxRfiCYzSecretValue';

    const added = await t.call(t.tokens.ana, 'credential.add', { nhiId: nhi.id, kind: 'access_key', secret });
    const refused = await t.call(t.tokens.ana, 'credential.add', { nhiId: nhi.id, kind: 'nonsense', secret });
    const rotated = await t.call(t.tokens.ana, 'credential.rotate', {
      credentialId: added.body.result.data.id,
      secret: `${secret}-next`,
    });
    const reads = await Promise.all([
      t.call(t.tokens.ana, 'get', { id: nhi.id }),
      t.call(t.tokens.ana, 'audit', { id: nhi.id }),
      t.call(t.tokens.ana, 'history', { id: nhi.id }),
      t.call(t.tokens.ana, 'export', { format: 'json' }),
      t.call(t.tokens.ana, 'export', { format: 'csv' }),
    ]);

    expect(added.status).toBe(200);
    expect(added.body.result.data).toMatchObject({
      hint: '…alue',
      fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(refused.status).toBe(400);
    expect(rotated.status).toBe(200);
    for (const response of [added, refused, rotated, ...reads]) {
      expect(JSON.stringify(response.body)).not.toContain(secret);
      expect(JSON.stringify(response.body)).not.toContain(secret.slice(8, -4));
    }
    expect(await findTextContaining(t.db, secret.slice(8, -4))).toEqual([]);
    expect(t.logLines.length).toBeGreaterThan(0);
    expect(t.logLines.join('')).not.toContain(secret.slice(8, -4));
  });
});
