import {
  ApiTokenService,
  definePermissions,
  NotFoundError,
  openDatabase,
  openRequestScope,
  type PlatformDatabase,
  type Principal,
  RealmDb,
} from '@nhi/platform';
import { describeEachDatabase, startHub, type TestDatabase } from '@nhi/platform/testing';
import { expect, it, onTestFinished } from 'vitest';
import { outcomeOf, setupPolicyHub } from '../testing/policy-test-setup.ts';
import { PolicyService } from './policy.service.ts';
import { PolicyDecisions } from './policy-decisions.ts';
import { registerPolicy } from './register-policy.ts';

definePermissions([{ key: 'scan:run', description: 'Declared by a fixture', grantedTo: [] }]);

describeEachDatabase('policy decisions', (kind, newDatabase) => {
  async function setup() {
    const hub = await setupPolicyHub(newDatabase);
    await hub.member('ana', 'admin');
    const bob = await hub.member('bob', 'viewer');
    const service = await hub.policyService();
    const security = await service.createGroup({ name: 'Security' });
    await service.addMember({ groupId: security.id, userId: bob.id });
    const scanner = await service.createPolicy({ name: 'Scanner', permissions: ['scan:run'] });
    const assignment = await service.assign({
      policyId: scanner.id,
      groupId: security.id,
      reason: 'on call',
    });
    return { hub, bob, security, scanner, assignment };
  }

  /** A second hub process on the same database, with its own connections and cache. */
  async function secondProcess(hub: Awaited<ReturnType<typeof setupPolicyHub>>) {
    let db: PlatformDatabase = hub.db;
    if (kind === 'postgres') {
      const url = (hub.db as TestDatabase).url as string;
      const own = await openDatabase({ databaseUrl: url, dataDir: hub.dataDir, maxConnections: 2 });
      db = own;
      onTestFinished(() => own.close());
    }
    const other = startHub(db, hub.clock, {}, hub.dataDir);
    registerPolicy(other.root);
    const scope = async (principal: Principal = { kind: 'system', name: 'second' }) =>
      openRequestScope(other.root, {
        context: { requestId: 'req-second', realm: hub.realm, principal, clock: hub.clock },
        credential: 'bearer',
      });
    return { root: other.root, scope };
  }

  it('sees a change committed by another hub process at the next decision', async () => {
    const { hub, bob, assignment } = await setup();
    const bobPrincipal = hub.principalOf('bob');
    expect((await hub.permissionsOf(bobPrincipal)).has('scan:run')).toBe(true);

    const other = await secondProcess(hub);
    await (await other.scope()).container.resolve(PolicyService).revoke(assignment.id);

    expect((await hub.permissionsOf(bobPrincipal)).has('scan:run')).toBe(false);
    const explanation = await (await hub.queries()).explain({ userId: bob.id, permission: 'scan:run' });
    expect(explanation).toMatchObject({ allowed: false, grants: [] });
  });

  it('judges a change on the realm as it stands, not as this process last cached it', async () => {
    const { hub, bob, assignment } = await setup();
    expect((await hub.permissionsOf(hub.principalOf('bob'))).has('scan:run')).toBe(true);

    const other = await secondProcess(hub);
    await (await other.scope()).container.resolve(PolicyService).revoke(assignment.id);

    const service = await hub.policyService();
    await expect(service.revoke(assignment.id)).rejects.toBeInstanceOf(NotFoundError);
    const explanation = await (await hub.queries()).explain({ userId: bob.id, permission: 'scan:run' });
    expect(explanation).toMatchObject({ allowed: false, grants: [] });
  });

  it('reuses the cached state while nothing changes', async () => {
    const { hub } = await setup();
    const decisions = hub.root.resolve(PolicyDecisions);
    const first = await decisions.stateOf(hub.realm.id);
    expect(await decisions.stateOf(hub.realm.id)).toBe(first);
    await hub.member('cleo', 'viewer');
    expect(await decisions.stateOf(hub.realm.id)).not.toBe(first);
  });

  it('gives an API token only its chosen subset, never more than its user holds now', async () => {
    const { hub, bob, assignment } = await setup();
    const bobScope = await hub.scopeOf('bob');
    const created = await bobScope.container
      .resolve(ApiTokenService)
      .create({ name: 'ci', permissions: ['scan:run', 'realm:read'] });
    const token: Principal = {
      kind: 'token',
      userId: bob.id,
      email: bob.email,
      tokenId: created.id,
      tokenPermissions: created.permissions,
    };
    expect([...(await hub.permissionsOf(token))].sort()).toEqual(['realm:read', 'scan:run']);

    const denied = bobScope.container
      .resolve(ApiTokenService)
      .create({ name: 'x', permissions: ['member:manage'] });
    expect(await outcomeOf(denied)).toBe('FORBIDDEN');

    await (await hub.policyService()).revoke(assignment.id);
    expect([...(await hub.permissionsOf(token))]).toEqual(['realm:read']);
  });

  it('keeps each realm’s groups to itself', async () => {
    const { hub, scanner } = await setup();
    const otherRealm = await hub.realmAdmin.createRealm({ slug: 'other', name: 'Other' });
    const otherScope = await openRequestScope(hub.root, {
      context: {
        requestId: 'req-other',
        realm: otherRealm,
        principal: { kind: 'system', name: 't' },
        clock: hub.clock,
      },
      credential: 'bearer',
    });
    const foreign = await otherScope.container.resolve(PolicyService).createGroup({ name: 'Foreign' });

    const queries = await hub.queries();
    expect(await outcomeOf(queries.group(foreign.id))).toBe('NOT_FOUND');
    const service = await hub.policyService();
    expect(await outcomeOf(service.assign({ policyId: scanner.id, groupId: foreign.id, reason: 'x' }))).toBe(
      'NOT_FOUND',
    );
    // Row-level security hides the other realm's rows even from a query without a realm filter.
    const names = await new RealmDb(hub.db, hub.realm.id).transaction(
      (tx) => tx.$queryRaw<{ name: string }[]>`SELECT "name" FROM "PolicyGroup" ORDER BY "name"`,
    );
    expect(names.map((row) => row.name)).not.toContain('Foreign');
    expect(names.map((row) => row.name)).toContain('Security');
  });

  it('records each change in the audit trail, and a refused change leaves no trace', async () => {
    const { hub, security } = await setup();
    const service = await hub.policyService();
    const web = await service.createGroup({ name: 'Web', parentId: security.id });
    const queries = await hub.queries();
    const created = (await queries.audit({})).find((row) => row.entityId === web.id);
    expect(created).toMatchObject({
      action: 'policy.group.create',
      after: {
        path: ['Security', 'Web'],
        inheritedAssignments: [{ policy: 'Scanner', fromGroup: 'Security' }],
      },
    });

    const before = (await queries.audit({})).length;
    expect(await outcomeOf(service.moveGroup({ groupId: security.id, parentId: web.id }))).toBe('CONFLICT');
    expect((await queries.audit({})).length).toBe(before);
    expect((await queries.group(security.id)).parentId).toBeNull();
  });

  it('refuses to delete a group that owns identities, and deletes it once they have another owner', async () => {
    const { hub } = await setup();
    const service = await hub.policyService();
    const team = await service.createGroup({ name: 'Payments team' });
    const realmDb = new RealmDb(hub.db, hub.realm.id);
    const nhi = await realmDb.transaction((tx) =>
      tx.nhi.create({
        data: { kind: 'bot', provider: 'github', externalId: 'bot-1', name: 'bot', ownerGroupId: team.id },
        select: { id: true },
      }),
    );
    expect(await outcomeOf(service.deleteGroup(team.id))).toBe('CONFLICT');
    await realmDb.transaction((tx) =>
      tx.nhi.update({ where: { id: nhi.id }, data: { ownerGroupId: null }, select: { id: true } }),
    );
    expect(await outcomeOf(service.deleteGroup(team.id))).toBe('OK');
  });
});
