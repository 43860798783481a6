import { type Coverage, coversOwner, definePermissions, RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import {
  type FixtureAction,
  type FixtureCase,
  type FixtureExpectation,
  type FixtureTree,
  loadFixtureCases,
} from '../testing/policy-fixture.ts';
import { expectCachedStateCurrent } from '../testing/policy-state-snapshot.ts';
import { outcomeOf, type PolicyHub, setupPolicyHub } from '../testing/policy-test-setup.ts';
import type { Grant } from './policy-engine.ts';

const cases = loadFixtureCases();

/** The fixture's identities by name: id and owner team. */
type Identities = Map<string, { id: string; ownerGroupId: string | null }>;

async function createIdentities(hub: PolicyHub, fixture: FixtureCase): Promise<Identities> {
  const identities: Identities = new Map();
  const db = new RealmDb(hub.db, hub.realm.id);
  for (const [name, owner] of Object.entries(fixture.nhis)) {
    const ownerGroupId = owner === null ? null : await hub.groupId(owner);
    const row = await db.transaction((tx) =>
      tx.nhi.create({
        data: {
          kind: 'service_account',
          provider: 'aws',
          externalId: `arn:aws:iam::123456789012:user/${name}`,
          name,
          ownerGroupId,
        },
        select: { id: true },
      }),
    );
    identities.set(name, { id: row.id, ownerGroupId });
  }
  return identities;
}

async function setup(hub: PolicyHub, fixture: FixtureCase) {
  definePermissions(
    // As a domain that filters by coverage declares them: scoped grants give them.
    fixture.permissions.map((key) => ({
      key,
      description: 'Declared by a fixture',
      grantedTo: [],
      scopable: true,
    })),
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
        scopeGroupId: action.scope === undefined ? null : await hub.groupId(action.scope),
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

/** "Policy @ Assigned > ... > Member group", then " for Scope" when the grant is scoped. */
function describeGrant(grant: Grant): string {
  const scope = grant.scopePath ? ` for ${grant.scopePath[grant.scopePath.length - 1]}` : '';
  return `${grant.policyName} @ ${grant.path.join(' > ')}${scope}`;
}

async function describeCoverage(hub: PolicyHub, coverage: Coverage): Promise<'all' | 'none' | string[]> {
  if (coverage.kind !== 'groups') return coverage.kind;
  const names = new Map((await (await hub.queries()).tree()).map((group) => [group.id, group.name]));
  return coverage.groupIds.map((id) => names.get(id) ?? id).sort();
}

function identityOf(identities: Identities, name: string) {
  const identity = identities.get(name);
  if (!identity) throw new Error(`Unknown fixture identity ${name}`);
  return identity;
}

/** What a request opened for the user sees: the coverage its guards and statements would use. */
async function coverageOf(hub: PolicyHub, user: string, permission: string): Promise<Coverage> {
  return (await hub.scopeOf(user)).permissions.coverage(permission);
}

async function checkScopes(
  hub: PolicyHub,
  fixture: FixtureCase,
  expected: FixtureExpectation,
  identities: Identities,
) {
  const queries = await hub.queries();
  const nameOf = new Map([...hub.users].map(([name, user]) => [user.id, name]));
  for (const [user, permissions] of Object.entries(expected.coverage)) {
    for (const [permission, groups] of Object.entries(permissions)) {
      const described = await describeCoverage(hub, await coverageOf(hub, user, permission));
      expect(described, `coverage(${user}, ${permission})`).toEqual(
        Array.isArray(groups) ? [...groups].sort() : groups,
      );
    }
  }
  for (const [user, permissions] of Object.entries(expected.canOn)) {
    for (const [permission, nhis] of Object.entries(permissions)) {
      const coverage = await coverageOf(hub, user, permission);
      for (const [nhi, allowed] of Object.entries(nhis))
        expect(
          coversOwner(coverage, identityOf(identities, nhi).ownerGroupId),
          `canOn(${user}, ${permission}, ${nhi})`,
        ).toBe(allowed);
    }
  }
  for (const [permission, nhis] of Object.entries(expected.whoCanOn)) {
    for (const [nhi, users] of Object.entries(nhis)) {
      const page = await queries.whoCan({ permission, limit: 500, nhiId: identityOf(identities, nhi).id });
      expect(
        page.items.map((entry) => nameOf.get(entry.userId)).sort(),
        `whoCanOn(${permission}, ${nhi})`,
      ).toEqual([...users].sort());
    }
  }
  for (const [user, permissions] of Object.entries(expected.explainOn)) {
    for (const [permission, nhis] of Object.entries(permissions)) {
      for (const [nhi, answer] of Object.entries(nhis)) {
        const nhiId = identityOf(identities, nhi).id;
        const explanation = await queries.explain({ userId: hub.userOf(user).id, permission, nhiId });
        const label = `explainOn(${user}, ${permission}, ${nhi})`;
        expect(explanation.identity?.verdict, label).toBe(answer.verdict);
        expect(explanation.allowed, label).toBe(answer.verdict === 'covered');
        if (answer.grants)
          expect(explanation.grants.map(describeGrant).sort(), label).toEqual([...answer.grants].sort());
      }
    }
  }
  await expectScopedListsAgree(hub, fixture, identities);
}

/**
 * On every identity, for the fixture's own permissions: who-can names exactly the users whose
 * request coverage reaches it, and explain allows exactly them.
 */
async function expectScopedListsAgree(hub: PolicyHub, fixture: FixtureCase, identities: Identities) {
  const queries = await hub.queries();
  const permissions = [...new Set(Object.values(fixture.policies).flat())];
  for (const permission of permissions) {
    for (const [nhi, identity] of identities) {
      const page = await queries.whoCan({ permission, limit: 500, nhiId: identity.id });
      const holders = new Set(page.items.map((entry) => entry.userId));
      for (const name of Object.keys(fixture.members)) {
        const user = hub.userOf(name);
        const covered = coversOwner(await coverageOf(hub, name, permission), identity.ownerGroupId);
        const label = `${permission} on ${nhi} for ${name}`;
        expect(holders.has(user.id), `whoCanOn vs coverage: ${label}`).toBe(covered);
        const explained = await queries.explain({ userId: user.id, permission, nhiId: identity.id });
        expect(explained.allowed, `explainOn vs coverage: ${label}`).toBe(covered);
      }
    }
  }
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
      await expectCachedStateCurrent(hub, 'after setup');
      const identities = await createIdentities(hub, fixture);
      for (const [index, step] of fixture.steps.entries()) {
        if ('expect' in step) {
          await check(hub, fixture, step.expect);
          if (identities.size > 0) await checkScopes(hub, fixture, step.expect, identities);
          continue;
        }
        const { as, error, ...action } = step;
        const label = `step ${index + 1} (${action.do}${as ? ` as ${as}` : ''})`;
        const outcome = await outcomeOf(apply(hub, action as FixtureAction, as));
        expect(outcome, label).toBe(error ?? 'OK');
        // A change derives the realm's state from its own writes: it must be what reading gives.
        await expectCachedStateCurrent(hub, label);
      }
    });
  }
});
