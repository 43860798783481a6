import { definePermissions, permissionCatalogue } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { describe, expect, it } from 'vitest';
import { expectCachedStateCurrent, snapshotOf } from '../testing/policy-state-snapshot.ts';
import { outcomeOf, type PolicyHub, setupPolicyHub } from '../testing/policy-test-setup.ts';
import { hasRealmAdmin, takesAccessAway } from './policy-authority.ts';
import { type PolicyEdit, PolicyState } from './policy-state.ts';

definePermissions([{ key: 'scan:run', description: 'Declared by a test', grantedTo: [] }]);

const now = new Date('2026-12-05T12:00:00Z');

/** A small realm in memory: Security > AppSec > Web, Operations; ana an admin, bob in Web. */
function memoryState() {
  return new PolicyState({
    groups: [
      { id: 'admins', name: 'Administrators', parentId: null, builtInRole: 'admin' },
      { id: 'security', name: 'Security', parentId: null, builtInRole: null },
      { id: 'appsec', name: 'AppSec', parentId: 'security', builtInRole: null },
      { id: 'web', name: 'Web', parentId: 'appsec', builtInRole: null },
      { id: 'operations', name: 'Operations', parentId: null, builtInRole: null },
    ],
    members: [
      { userId: 'ana', email: 'ana@example.com', role: 'admin' },
      { userId: 'bob', email: 'bob@example.com', role: 'viewer' },
    ],
    groupMembers: [{ groupId: 'web', userId: 'bob' }],
    policies: [
      { id: 'everything', name: 'Everything', builtInKey: null, permissions: new Set(['scan:run']) },
      { id: 'scanner', name: 'Scanner', builtInKey: null, permissions: new Set(['scan:run']) },
    ],
    assignments: [
      { id: 'a-admin', policyId: 'everything', groupId: 'admins', expiresAt: null, scopeGroupId: null },
      { id: 'a-scan', policyId: 'scanner', groupId: 'security', expiresAt: null, scopeGroupId: null },
    ],
  });
}

describe('PolicyState.edited', () => {
  const cases: { name: string; edits: PolicyEdit[]; input: (s: PolicyState) => PolicyState }[] = [
    {
      name: 'an assignment added',
      edits: [
        {
          kind: 'assignment.add',
          assignment: {
            id: 'a2',
            policyId: 'scanner',
            groupId: 'web',
            expiresAt: now,
            scopeGroupId: 'appsec',
          },
        },
      ],
      input: (s) =>
        rebuilt(s, {
          assignments: [
            ...s.assignments.values(),
            { id: 'a2', policyId: 'scanner', groupId: 'web', expiresAt: now, scopeGroupId: 'appsec' },
          ],
        }),
    },
    {
      name: 'an assignment removed',
      edits: [{ kind: 'assignment.remove', assignmentId: 'a-scan' }],
      input: (s) => rebuilt(s, { assignments: [...s.assignments.values()].filter((a) => a.id !== 'a-scan') }),
    },
    {
      name: 'a member added and another removed',
      edits: [
        { kind: 'member.add', groupId: 'operations', userId: 'bob' },
        { kind: 'member.remove', groupId: 'web', userId: 'bob' },
      ],
      input: (s) => rebuilt(s, { groupMembers: [{ groupId: 'operations', userId: 'bob' }] }),
    },
    {
      name: 'a group moved with its subtree',
      edits: [{ kind: 'group.move', groupId: 'appsec', parentId: 'operations' }],
      input: (s) =>
        rebuilt(s, {
          groups: [...s.groups.values()].map((g) =>
            g.id === 'appsec' ? { ...g, parentId: 'operations' } : g,
          ),
        }),
    },
    {
      name: 'a group created, then one deleted with its members and assignments',
      edits: [
        { kind: 'group.add', group: { id: 'mobile', name: 'Mobile', parentId: 'appsec', builtInRole: null } },
        { kind: 'group.delete', groupId: 'web' },
      ],
      input: (s) =>
        rebuilt(s, {
          groups: [
            ...[...s.groups.values()].filter((g) => g.id !== 'web'),
            { id: 'mobile', name: 'Mobile', parentId: 'appsec', builtInRole: null },
          ],
          groupMembers: [],
        }),
    },
    {
      name: 'a policy edited and another deleted',
      edits: [
        {
          kind: 'policy.put',
          policy: { id: 'scanner', name: 'Scan', builtInKey: null, permissions: new Set(['realm:read']) },
        },
        { kind: 'policy.delete', policyId: 'everything' },
      ],
      input: (s) =>
        rebuilt(s, {
          policies: [{ id: 'scanner', name: 'Scan', builtInKey: null, permissions: new Set(['realm:read']) }],
        }),
    },
  ];

  /** The state read from the input the realm would hold after the edits. */
  function rebuilt(state: PolicyState, changed: Partial<ConstructorParameters<typeof PolicyState>[0]>) {
    return new PolicyState({
      groups: [...state.groups.values()],
      members: [...state.members.values()],
      groupMembers: [...state.membersOfGroup]
        .filter(([groupId]) => !state.groups.get(groupId)?.builtInRole)
        .flatMap(([groupId, users]) => [...users].map((userId) => ({ groupId, userId }))),
      policies: [...state.policies.values()],
      assignments: [...state.assignments.values()],
      ...changed,
    });
  }

  it.each(cases)('builds after $name what reading the realm builds', ({ edits, input }) => {
    const before = memoryState();
    for (const id of before.groups.keys()) before.pathOf(id);
    const untouched = snapshotOf(memoryState());

    const after = before.edited(edits);

    expect(snapshotOf(after)).toEqual(snapshotOf(input(memoryState())));
    // Decisions in flight may still read the state the change started from.
    expect(snapshotOf(before)).toEqual(untouched);
  });

  it('shares the indexes an edit does not touch', () => {
    const before = memoryState();
    const after = before.edited([{ kind: 'assignment.remove', assignmentId: 'a-scan' }]);
    expect(after.membersOfGroup).toBe(before.membersOfGroup);
    expect(after.groupsOfUser).toBe(before.groupsOfUser);
    expect(after.assignments).not.toBe(before.assignments);
  });
});

describe('takesAccessAway', () => {
  const state = memoryState();
  const scan = (permissions: string[]) => ({
    id: 'scanner',
    name: 'Scanner',
    builtInKey: null,
    permissions: new Set(permissions),
  });
  const cases: [string, PolicyEdit, boolean][] = [
    [
      'an assignment added',
      {
        kind: 'assignment.add',
        assignment: { id: 'x', policyId: 'scanner', groupId: 'web', expiresAt: null, scopeGroupId: null },
      },
      false,
    ],
    ['a member added', { kind: 'member.add', groupId: 'web', userId: 'ana' }, false],
    [
      'a group created',
      { kind: 'group.add', group: { id: 'y', name: 'Y', parentId: 'web', builtInRole: null } },
      false,
    ],
    ['a policy created', { kind: 'policy.put', policy: { ...scan(['scan:run']), id: 'new' } }, false],
    [
      'a policy gaining a permission',
      { kind: 'policy.put', policy: scan(['scan:run', 'realm:read']) },
      false,
    ],
    ['a policy losing a permission', { kind: 'policy.put', policy: scan(['realm:read']) }, true],
    ['an assignment revoked', { kind: 'assignment.remove', assignmentId: 'a-scan' }, true],
    ['a member removed', { kind: 'member.remove', groupId: 'web', userId: 'bob' }, true],
    ['a group moved', { kind: 'group.move', groupId: 'web', parentId: null }, true],
    ['a group deleted', { kind: 'group.delete', groupId: 'web' }, true],
    ['a policy deleted', { kind: 'policy.delete', policyId: 'scanner' }, true],
  ];
  it.each(cases.map(([name, edit, expected]) => ({ name, edit, expected })))(
    '$name takes access away: $expected',
    ({ edit, expected }) => {
      expect(takesAccessAway(state, [edit])).toBe(expected);
    },
  );
});

describe('hasRealmAdmin', () => {
  it('finds an administrator whose every permission comes from custom policies outside Administrators', () => {
    const state = memoryState().edited([
      { kind: 'assignment.remove', assignmentId: 'a-admin' },
      ...catalogueOn('security'),
    ]);
    expect(hasRealmAdmin(state, now)).toBe(true);
    expect(hasRealmAdmin(state.edited([{ kind: 'member.remove', groupId: 'web', userId: 'bob' }]), now)).toBe(
      false,
    );
  });

  /** Every permission of the catalogue, in two policies assigned to a group (none gives all alone). */
  function catalogueOn(groupId: string): PolicyEdit[] {
    const all = permissionCatalogue().map((p) => p.key);
    const half = Math.ceil(all.length / 2);
    return [all.slice(0, half), all.slice(half)].flatMap((permissions, index): PolicyEdit[] => [
      {
        kind: 'policy.put',
        policy: {
          id: `part${index}`,
          name: `Part ${index}`,
          builtInKey: null,
          permissions: new Set(permissions),
        },
      },
      {
        kind: 'assignment.add',
        assignment: {
          id: `p${index}`,
          policyId: `part${index}`,
          groupId,
          expiresAt: null,
          scopeGroupId: null,
        },
      },
    ]);
  }
});

describeEachDatabase('incremental admin checks', (_kind, newDatabase) => {
  /**
   * Bob is the realm's only administrator besides ana's built-in one, through Owners > Team: the
   * built-in Policy admin and "Rest" (every other permission) on Owners, neither enough alone. Dora
   * administers AppSec through Policy admin there and is a member of its subgroup Web.
   */
  async function setup() {
    const hub = await setupPolicyHub(newDatabase);
    await hub.member('ana', 'admin');
    const bob = await hub.member('bob', 'viewer');
    const dora = await hub.member('dora', 'viewer');
    const service = await hub.policyService();
    const owners = await service.createGroup({ name: 'Owners' });
    const team = await service.createGroup({ name: 'Team', parentId: owners.id });
    const elsewhere = await service.createGroup({ name: 'Elsewhere' });
    const appsec = await service.createGroup({ name: 'AppSec' });
    const web = await service.createGroup({ name: 'Web', parentId: appsec.id });
    const mobile = await service.createGroup({ name: 'Mobile', parentId: appsec.id });
    await service.addMember({ groupId: team.id, userId: bob.id });
    await service.addMember({ groupId: web.id, userId: dora.id });
    const rest = await service.createPolicy({
      name: 'Rest',
      permissions: hub.catalogueKeys().filter((key) => !key.startsWith('policy:')),
    });
    const policyAdmin = await hub.policyId('Policy admin');
    const assign = (policyId: string, groupId: string) =>
      service.assign({ policyId, groupId, reason: 'test' });
    const restOnOwners = await assign(rest.id, owners.id);
    await assign(policyAdmin, owners.id);
    await assign(policyAdmin, appsec.id);
    // Only bob is left: ana's built-in assignment goes, which bob's grants make safe.
    const administrators = await hub.groupId('Administrators');
    const realmAdmin = await hub.policyId('Realm admin');
    const detail = await (await hub.queries()).group(administrators);
    const builtIn = detail.assignments.find((a) => a.policyId === realmAdmin) as { id: string };
    await service.revoke(builtIn.id);
    return { hub, service, bob, dora, owners, team, elsewhere, appsec, web, mobile, rest, restOnOwners };
  }

  async function expectRefused(hub: PolicyHub, change: Promise<unknown>) {
    expect(await outcomeOf(change)).toBe('CONFLICT');
    await expectCachedStateCurrent(hub, 'after a refused change');
    expect((await hub.permissionsOf(hub.principalOf('bob'))).has('member:manage')).toBe(true);
  }

  it('refuses revoking an assignment the last administrator needs, though it gives no policy:admin', async () => {
    const { hub, service, restOnOwners } = await setup();
    await expectRefused(hub, service.revoke(restOnOwners.id));
  });

  it('refuses removing, moving or deleting what makes the last administrator', async () => {
    const { hub, service, bob, team, owners, elsewhere } = await setup();
    await expectRefused(hub, service.removeMember({ groupId: team.id, userId: bob.id }));
    await expectRefused(hub, service.moveGroup({ groupId: team.id, parentId: elsewhere.id }));
    await expectRefused(hub, service.deleteGroup(team.id));
    // Owners moves with its assignments: bob keeps everything.
    await service.moveGroup({ groupId: owners.id, parentId: elsewhere.id });
    await expectCachedStateCurrent(hub, 'after moving Owners');
  });

  it('refuses narrowing a policy the last administrator needs, and allows widening it', async () => {
    const { hub, service, rest } = await setup();
    const keys = hub.catalogueKeys().filter((key) => !key.startsWith('policy:'));
    const update = (permissions: string[]) =>
      service.updatePolicy({ policyId: rest.id, name: 'Rest', permissions });
    await expectRefused(hub, update(keys.filter((key) => key !== 'scan:run')));
    await update(hub.catalogueKeys());
    await expectCachedStateCurrent(hub, 'after widening Rest');
  });

  it('allows the revoke once another member holds every permission again', async () => {
    const { hub, service, restOnOwners } = await setup();
    const administrators = await hub.groupId('Administrators');
    await service.assign({
      policyId: await hub.policyId('Realm admin'),
      groupId: administrators,
      reason: 'test',
    });
    await service.revoke(restOnOwners.id);
    expect((await hub.permissionsOf(hub.principalOf('bob'))).has('member:manage')).toBe(false);
    expect((await hub.permissionsOf(hub.principalOf('ana'))).has('member:manage')).toBe(true);
  });

  it('refuses a delegated administrator a change that takes their own policy:admin away', async () => {
    const { hub, dora, web, mobile } = await setup();
    const asDora = await hub.policyService('dora');
    expect(await outcomeOf(asDora.deleteGroup(web.id))).toBe('CONFLICT');
    expect(await outcomeOf(asDora.removeMember({ groupId: web.id, userId: dora.id }))).toBe('CONFLICT');
    // Within AppSec the move keeps her grant.
    await asDora.moveGroup({ groupId: web.id, parentId: mobile.id });
    expect((await hub.permissionsOf(hub.principalOf('dora'))).has('policy:admin')).toBe(true);
    await expectCachedStateCurrent(hub, 'after dora moves Web');
  });
});
