import { definePermissions } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import {
  type FixtureAction,
  type FixtureCase,
  type FixtureExpectation,
  type FixtureTree,
  loadFixtureCases,
} from '../testing/policy-fixture.ts';
import { outcomeOf, type PolicyHub, setupPolicyHub } from '../testing/policy-test-setup.ts';
import type { Grant } from './policy-engine.ts';

const cases = loadFixtureCases();

async function setup(hub: PolicyHub, fixture: FixtureCase) {
  definePermissions(
    fixture.permissions.map((key) => ({ key, description: 'Declared by a fixture', grantedTo: [] })),
  );
  for (const [name, role] of Object.entries(fixture.members)) await hub.member(name, role);
  const service = await hub.policyService();
  async function createTree(tree: FixtureTree, parentId: string | null) {
    for (const [name, children] of Object.entries(tree)) {
      const { id } = await service.createGroup({ name, parentId });
      await createTree(children ?? {}, id);
    }
  }
  await createTree(fixture.groups, null);
  for (const [group, names] of Object.entries(fixture.memberships)) {
    for (const name of names)
      await service.addMember({ groupId: await hub.groupId(group), userId: hub.userOf(name).id });
  }
  for (const [name, permissions] of Object.entries(fixture.policies))
    await service.createPolicy({ name, permissions });
  for (const assignment of fixture.assignments) await apply(hub, { do: 'assign', ...assignment });
}

async function apply(hub: PolicyHub, action: FixtureAction, as?: string): Promise<void> {
  const service = await hub.policyService(as);
  const minutes = (n: number) => new Date(hub.clock.now().getTime() + n * 60_000);
  switch (action.do) {
    case 'createGroup':
      await service.createGroup({
        name: action.name,
        parentId: action.under ? await hub.groupId(action.under) : null,
      });
      return;
    case 'nest': {
      let parentId = action.under ? await hub.groupId(action.under) : null;
      for (let level = 1; level <= action.levels; level += 1)
        parentId = (await service.createGroup({ name: `${action.prefix}${level}`, parentId })).id;
      return;
    }
    case 'move':
      await service.moveGroup({
        groupId: await hub.groupId(action.group),
        parentId: action.to ? await hub.groupId(action.to) : null,
      });
      return;
    case 'deleteGroup':
      await service.deleteGroup(await hub.groupId(action.group));
      return;
    case 'addMember':
    case 'removeMember': {
      const input = { groupId: await hub.groupId(action.group), userId: hub.userOf(action.user).id };
      await (action.do === 'addMember' ? service.addMember(input) : service.removeMember(input));
      return;
    }
    case 'createPolicy':
      await service.createPolicy({ name: action.name, permissions: action.permissions });
      return;
    case 'editPolicy':
      await service.updatePolicy({
        policyId: await hub.policyId(action.policy),
        name: action.policy,
        permissions: action.permissions,
      });
      return;
    case 'deletePolicy':
      await service.deletePolicy(await hub.policyId(action.policy));
      return;
    case 'assign':
      await service.assign({
        policyId: await hub.policyId(action.policy),
        groupId: await hub.groupId(action.group),
        reason: 'fixture',
        expiresAt: action.expiresInMinutes === undefined ? null : minutes(action.expiresInMinutes),
      });
      return;
    case 'revoke': {
      const groupId = await hub.groupId(action.group);
      const policyId = await hub.policyId(action.policy);
      const detail = await (await hub.queries()).group(groupId);
      const assignment = detail.assignments.find((a) => !a.inherited && a.policyId === policyId);
      if (!assignment) throw new Error(`No assignment of ${action.policy} on ${action.group}`);
      await service.revoke(assignment.id);
      return;
    }
    case 'setRole':
      await hub.realmAdmin.setRole({
        email: hub.userOf(action.user).email,
        realmSlug: 'hub',
        role: action.role,
      });
      return;
    case 'advanceMinutes':
      hub.clock.advanceSeconds(action.minutes * 60);
      return;
  }
}

function describeGrant(grant: Grant): string {
  return `${grant.policyName} @ ${grant.path.join(' > ')}`;
}

async function check(hub: PolicyHub, fixture: FixtureCase, expected: FixtureExpectation) {
  const queries = await hub.queries();
  const nameOf = new Map([...hub.users].map(([name, user]) => [user.id, name]));
  for (const [user, permissions] of Object.entries(expected.can)) {
    const held = await hub.permissionsOf(hub.principalOf(user));
    for (const [permission, allowed] of Object.entries(permissions))
      expect(held.has(permission), `can(${user}, ${permission})`).toBe(allowed);
  }
  for (const [permission, users] of Object.entries(expected.whoCan)) {
    const page = await queries.whoCan({ permission, limit: 500 });
    expect(page.items.map((entry) => nameOf.get(entry.userId)).sort(), `whoCan(${permission})`).toEqual(
      [...users].sort(),
    );
  }
  for (const [user, permissions] of Object.entries(expected.whatCan)) {
    const page = await queries.whatCan({ userId: hub.userOf(user).id, limit: 500 });
    expect(
      page.items.map((entry) => entry.permission),
      `whatCan(${user})`,
    ).toEqual([...permissions].sort());
  }
  for (const [user, permissions] of Object.entries(expected.explain)) {
    for (const [permission, grants] of Object.entries(permissions)) {
      const explanation = await queries.explain({ userId: hub.userOf(user).id, permission });
      expect(explanation.allowed).toBe(grants.length > 0);
      expect(explanation.grants.map(describeGrant).sort(), `explain(${user}, ${permission})`).toEqual(
        [...grants].sort(),
      );
    }
  }
  await expectListsAgreeWithCan(hub, Object.keys(fixture.members));
}

/** whoCan and whatCan, paged in small pages, name exactly the pairs `can` allows. */
async function expectListsAgreeWithCan(hub: PolicyHub, users: string[]) {
  const queries = await hub.queries();
  for (const permission of hub.catalogueKeys()) {
    const holders = new Set<string>();
    let cursor: string | null = null;
    do {
      const page = await queries.whoCan({ permission, cursor, limit: 2 });
      for (const entry of page.items) holders.add(entry.userId);
      cursor = page.nextCursor;
    } while (cursor);
    for (const name of users) {
      const user = hub.userOf(name);
      const can = (await hub.permissionsOf(hub.principalOf(name))).has(permission);
      expect(holders.has(user.id), `whoCan(${permission}) vs can(${name})`).toBe(can);
    }
  }
  for (const name of users) {
    const user = hub.userOf(name);
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await queries.whatCan({ userId: user.id, cursor, limit: 3 });
      listed.push(...page.items.map((entry) => entry.permission));
      cursor = page.nextCursor;
    } while (cursor);
    const held = [...(await hub.permissionsOf(hub.principalOf(name)))].sort();
    expect(listed, `whatCan(${name}) vs can`).toEqual(held);
  }
}

describeEachDatabase('policy fixtures', (_kind, newDatabase) => {
  it('holds at least twenty cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  for (const { file, fixture } of cases) {
    it(`${file}: ${fixture.name}`, async () => {
      const hub = await setupPolicyHub(newDatabase);
      await setup(hub, fixture);
      for (const [index, step] of fixture.steps.entries()) {
        if ('expect' in step) {
          await check(hub, fixture, step.expect);
          continue;
        }
        const { as, error, ...action } = step;
        const outcome = await outcomeOf(apply(hub, action as FixtureAction, as));
        expect(outcome, `step ${index + 1} (${action.do}${as ? ` as ${as}` : ''})`).toBe(error ?? 'OK');
      }
    });
  }
});
