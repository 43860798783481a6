import {
  ApiTokenService,
  openRequestScope,
  procedurePermissions,
  RealmDb,
  router,
  undeclaredProcedures,
} from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { expect, it } from 'vitest';
import { type PolicyHub, setupPolicyHub } from '../testing/policy-test-setup.ts';
import { policyRouter } from './policy.procedures.ts';

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
    const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    const response = await fetchRequestHandler({
      endpoint: '/api/trpc',
      req: new Request(
        type === 'query'
          ? `http://hub.test/api/trpc/policy.${path}${query}`
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

  /** Realm `hub` with a group, a policy assigned to it, and Ana in it; Oli, admin of realm `other`. */
  async function setupTwoRealms() {
    const { hub, ana, vic } = await setup();
    const { realm: other, user: oliUser } = await hub.otherRealmAdmin();
    const oliScope = await openRequestScope(hub.root, {
      context: {
        requestId: 'req-oli',
        realm: other,
        principal: { kind: 'user', userId: oliUser.id, email: oliUser.email, sessionId: 'test-session' },
        clock: hub.clock,
      },
      credential: 'bearer',
    });
    const oli = (await oliScope.container.resolve(ApiTokenService).create({ name: 'test' })).token;
    const ok = async (path: string, input: unknown) => {
      const response = await call(hub, ana, path, input);
      expect(response.status, path).toBe(200);
      return response.body.result.data;
    };
    const group = await ok('createGroup', { name: 'Security' });
    const policy = await ok('createPolicy', { name: 'Policy readers', permissions: ['policy:read'] });
    const assignment = await ok('assign', { policyId: policy.id, groupId: group.id, reason: 'Audit' });
    const anaId = hub.userOf('ana').id;
    await ok('addMember', { groupId: group.id, userId: anaId });
    return {
      hub,
      ana,
      vic,
      oli,
      ok,
      ids: { group: group.id, policy: policy.id, assignment: assignment.id, ana: anaId },
    };
  }

  it('answers NOT_FOUND for every id of another realm: groups, members, policies, assignments', async () => {
    const { hub, oli, ok, ids } = await setupTwoRealms();
    const ownGroup = (await call(hub, oli, 'createGroup', { name: 'Mine' })).body.result.data;

    const notFound: Record<string, unknown> = {
      group: { groupId: ids.group },
      explain: { userId: ids.ana, permission: 'policy:read' },
      whatCan: { userId: ids.ana },
      accessPage: { userId: ids.ana },
      createGroup: { parentId: ids.group, name: 'Under theirs' },
      moveGroup: { groupId: ids.group, parentId: null },
      deleteGroup: { groupId: ids.group },
      addMember: { groupId: ownGroup.id, userId: ids.ana },
      removeMember: { groupId: ids.group, userId: ids.ana },
      updatePolicy: { policyId: ids.policy, name: 'Taken over', permissions: ['policy:read'] },
      deletePolicy: { policyId: ids.policy },
      assign: { policyId: ids.policy, groupId: ownGroup.id, reason: 'Borrowed' },
      revoke: { assignmentId: ids.assignment },
    };
    for (const [path, input] of Object.entries(notFound)) {
      const response = await call(hub, oli, path, input);
      expect(response.status, `policy.${path}`).toBe(404);
      expect(response.body.error.data.code, `policy.${path}`).toBe('NOT_FOUND');
    }
    // The others take no id of the realm: they see the caller's realm only.
    const seen = {
      tree: (await call(hub, oli, 'tree', undefined)).body.result.data.map((g: { id: string }) => g.id),
      members: (await call(hub, oli, 'members', undefined)).body.result.data.map(
        (m: { userId: string }) => m.userId,
      ),
      policies: (await call(hub, oli, 'policies', undefined)).body.result.data.policies.map(
        (p: { id: string }) => p.id,
      ),
      whoCan: (await call(hub, oli, 'whoCan', { permission: 'policy:read' })).body.result.data.items.map(
        (entry: { userId: string }) => entry.userId,
      ),
      audit: JSON.stringify((await call(hub, oli, 'audit', {})).body.result.data),
      // Named another realm's group, the page shows one of the caller's own.
      groupsPage: (await call(hub, oli, 'groupsPage', { groupId: ids.group })).body.result.data,
      policiesPage: (await call(hub, oli, 'policiesPage', undefined)).body.result.data,
      whoCanPage: (await call(hub, oli, 'whoCanPage', { permission: 'policy:read' })).body.result.data,
      auditPage: (await call(hub, oli, 'auditPage', undefined)).body.result.data,
    };

    for (const value of Object.values(seen)) {
      expect(JSON.stringify(value)).not.toContain(ids.group);
      expect(JSON.stringify(value)).not.toContain(ids.policy);
      expect(JSON.stringify(value)).not.toContain(ids.ana);
    }
    expect((await ok('group', { groupId: ids.group })).members).toEqual([
      expect.objectContaining({ userId: ids.ana }),
    ]);
    expect((await ok('explain', { userId: ids.ana, permission: 'policy:read' })).allowed).toBe(true);
    expect([...Object.keys(notFound), ...Object.keys(seen), 'createPolicy'].sort()).toEqual(
      procedurePermissions(policyRouter)
        .map((p) => p.path)
        .sort(),
    );
  });
  it('answers NOT_FOUND for an identity or scope group of another realm, and about its own with a verdict', async () => {
    const { hub, oli, ok, ids } = await setupTwoRealms();
    const nhi = await new RealmDb(hub.db, hub.realm.id).transaction((tx) =>
      tx.nhi.create({
        data: {
          kind: 'service_account',
          provider: 'aws',
          externalId: 'svc-owned',
          name: 'svc',
          ownerGroupId: ids.group,
        },
        select: { id: true },
      }),
    );
    const oliId = (await call(hub, oli, 'members', undefined)).body.result.data[0].userId;
    const ownGroup = (await call(hub, oli, 'createGroup', { name: 'Mine' })).body.result.data;
    const ownPolicy = (
      await call(hub, oli, 'createPolicy', { name: 'Readers', permissions: ['policy:read'] })
    ).body.result.data;
    const refused = {
      explain: { userId: oliId, permission: 'policy:read', nhiId: nhi.id },
      whoCan: { permission: 'policy:read', nhiId: nhi.id },
      assign: { policyId: ownPolicy.id, groupId: ownGroup.id, reason: 'Theirs', scopeGroupId: ids.group },
    };
    for (const [path, input] of Object.entries(refused)) {
      const response = await call(hub, oli, path, input);
      expect(response.status, `policy.${path}`).toBe(404);
      expect(response.body.error.data.code, `policy.${path}`).toBe('NOT_FOUND');
    }

    const explained = await ok('explain', { userId: ids.ana, permission: 'policy:read', nhiId: nhi.id });
    expect(explained).toMatchObject({
      allowed: true,
      identity: { nhiId: nhi.id, ownerGroupId: ids.group, ownerPath: ['Security'], verdict: 'covered' },
    });
    const holders = await ok('whoCan', { permission: 'policy:read', nhiId: nhi.id });
    expect(holders.items.map((entry: { userId: string }) => entry.userId)).toContain(ids.ana);
  });

  /** Realm `hub` as above, with Vic beside Ana in Security: Vic may read access control, not change it. */
  async function setupPages() {
    const t = await setupTwoRealms();
    const vicId = t.hub.userOf('vic').id;
    await t.ok('addMember', { groupId: t.ids.group, userId: vicId });
    const page = async (bearer: string, path: string, input?: unknown) => {
      const response = await call(t.hub, bearer, path, input);
      expect(response.status, path).toBe(200);
      return response.body.result.data;
    };
    return { ...t, ids: { ...t.ids, vic: vicId }, page };
  }

  it('shows the groups page on the group asked for, and on the first for one the realm does not have', async () => {
    const { hub, ana, vic, ids, page } = await setupPages();

    const security = await page(ana, 'groupsPage', { groupId: ids.group });
    const first = await page(vic, 'groupsPage', { groupId: 'no-such-group' });

    expect(security.selected).toMatchObject({ id: ids.group, name: 'Security' });
    expect(security.selected.members.map((m: { email: string }) => m.email)).toEqual([
      'ana@example.com',
      'vic@example.com',
    ]);
    expect(security.members.map((m: { email: string }) => m.email)).toEqual([
      'ana@example.com',
      'vic@example.com',
    ]);
    expect(security.policies.map((p: { name: string }) => p.name)).toContain('Policy readers');
    expect(security.canAdminister).toBe(true);
    expect(new Date(security.now).toISOString()).toBe(hub.clock.now().toISOString());
    expect(first.selected.id).toBe(first.groups[0].id);
    expect(first.canAdminister).toBe(false);
  });

  it('shows the policies page with the catalogue, and whether the caller may change policies', async () => {
    const { hub, ana, vic, page } = await setupPages();

    const asAna = await page(ana, 'policiesPage');
    const asVic = await page(vic, 'policiesPage');

    expect(asAna.permissions.map((p: { key: string }) => p.key)).toEqual(hub.catalogueKeys());
    expect(asAna.policies.map((p: { name: string }) => p.name)).toContain('Policy readers');
    expect(asAna.canAdminister).toBe(true);
    expect(asVic.canAdminister).toBe(false);
  });

  it('shows a member’s effective access with its grants, the first member’s when none is named', async () => {
    const { hub, vic, ids, page } = await setupPages();

    const vicsAccess = await page(vic, 'accessPage', { userId: ids.vic });
    const opening = await page(vic, 'accessPage', {});
    const stranger = await call(hub, vic, 'accessPage', { userId: '3f1c2a9e-0000-4000-8000-000000000000' });

    expect(vicsAccess.userId).toBe(ids.vic);
    expect(vicsAccess.permissions).toContainEqual({
      permission: 'policy:read',
      grants: [expect.objectContaining({ policyName: 'Policy readers', path: ['Security'] })],
    });
    expect(vicsAccess.permissions.map((p: { permission: string }) => p.permission)).not.toContain(
      'policy:admin',
    );
    expect(vicsAccess.catalogue.map((p: { key: string }) => p.key)).toEqual(hub.catalogueKeys());
    expect(opening.userId).toBe(ids.ana);
    expect(opening.permissions.length).toBe(hub.catalogueKeys().length);
    expect(stranger.status).toBe(404);
  });

  it('shows who holds a permission, the catalogue’s first when none is named', async () => {
    const { hub, vic, page } = await setupPages();

    const readers = await page(vic, 'whoCanPage', { permission: 'policy:read' });
    const opening = await page(vic, 'whoCanPage', {});

    expect(readers.permission).toBe('policy:read');
    expect(readers.items.map((entry: { email: string }) => entry.email)).toEqual([
      'ana@example.com',
      'vic@example.com',
    ]);
    expect(readers.nextCursor).toBeNull();
    expect(opening.permission).toBe(hub.catalogueKeys()[0]);
  });

  it('shows the audit trail of access control with the realm’s members, to name who made the changes', async () => {
    const { vic, ids, page } = await setupPages();

    const { entries, members } = await page(vic, 'auditPage');

    expect(entries.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining([
        'policy.group.create',
        'policy.policy.create',
        'policy.assignment.create',
        'policy.member.add',
      ]),
    );
    expect(entries.find((e: { action: string }) => e.action === 'policy.group.create')).toMatchObject({
      after: expect.objectContaining({ name: 'Security' }),
    });
    expect(members.map((m: { userId: string }) => m.userId)).toContain(ids.ana);
  });
});
