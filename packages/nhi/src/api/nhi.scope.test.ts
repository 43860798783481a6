import { type Coverage, procedurePermissions, RealmDb } from '@nhi/platform';
import { describeEachDatabase, registerScopedMembers, trpcOverHttp } from '@nhi/platform/testing';
import { parse } from 'csv-parse/sync';
import { expect, it } from 'vitest';
import { findSearchMatches } from '../sql/nhi-search.sql.ts';
import { newNhi, setupInventory } from '../testing/nhi-test-setup.ts';
import { nhiRouter } from './nhi.procedures.ts';

// A member whose nhi:read, nhi:write and nhi:delete are scoped to one owner team (ADR 0040) reaches
// that team's identities only: another team's and unowned ones are NOT_FOUND, lists and exports
// count the team's alone.

/** The permissions a scoped grant gives; the others (import, ownership) act on the whole realm. */
const scopedPermissions = ['nhi:read', 'nhi:write', 'nhi:delete'];

describeEachDatabase('nhi.* for a member scoped to one owner team', (_kind, newDatabase) => {
  async function setup() {
    const t = await setupInventory(newDatabase);
    const sam = await t.member('sam@example.com', 'hub', 'viewer');
    const realmDb = new RealmDb(t.db, t.hubRealm.id);
    const teams = await realmDb.transaction(async (tx) => ({
      a: await tx.policyGroup.create({ data: { name: 'team-a' }, select: { id: true, name: true } }),
      b: await tx.policyGroup.create({ data: { name: 'team-b' }, select: { id: true, name: true } }),
    }));
    registerScopedMembers(t.root, [
      { userId: sam.id, permissions: scopedPermissions, groupIds: [teams.a.id] },
    ]);
    const tokens = { ana: await t.bearerOf(t.ana), sam: await t.bearerOf(sam) };

    const admin = await t.nhiServiceOf(t.ana);
    const identity = async (name: string, ownerGroupId: string | null) => {
      const nhi = await admin.create(newNhi({ name, ownerGroupId }));
      const credential = await admin.addCredential({ nhiId: nhi.id, kind: 'token' });
      return { id: nhi.id, name, credentialId: credential.id };
    };
    const ofA = [
      await identity('shared-a1', teams.a.id),
      await identity('shared-a2', teams.a.id),
      await identity('solo-a3', teams.a.id),
    ] as const;
    const ofB = await identity('shared-b1', teams.b.id);
    const unowned = await identity('shared-u1', null);
    // Suggestions are made for unowned identities; rows for owned ones show whose the filter keeps.
    await t.db.systemPrisma.ownerSuggestion.createMany({
      data: [ofA[0], ofB, unowned].map((nhi) => ({
        realmId: t.hubRealm.id,
        nhiId: nhi.id,
        groupId: teams.a.id,
        reason: `team tag of ${nhi.name}`,
      })),
    });

    /** Calls nhi.<path> as the holder of the token, over /api/trpc. */
    const call = trpcOverHttp(t.root, 'nhi', nhiRouter);

    async function ok(bearer: string, path: string, input: unknown) {
      const response = await call(bearer, path, input);
      expect(response.status, `nhi.${path}: ${JSON.stringify(response.body)}`).toBe(200);
      return response.body.result.data;
    }

    /** What an administrator sees of an identity: the record, its versions and its audit trail. */
    async function stateOf(id: string) {
      return {
        detail: await admin.get(id),
        history: await admin.history(id),
        audit: await admin.audit(id),
      };
    }

    return { ...t, sam, teams, tokens, ofA, ofB, unowned, call, ok, stateOf, realmDb };
  }

  /** Every procedure that names one identity (or a credential of one), with its input. */
  function probesOf(nhi: { id: string; credentialId: string }): Record<string, unknown> {
    const { id, credentialId } = nhi;
    return {
      get: { id },
      history: { id },
      audit: { id },
      'suggestion.ofNhi': { id },
      update: { id, expectedVersion: 1, changes: { name: 'taken over' } },
      delete: { id },
      restore: { id },
      'credential.add': { nhiId: id, kind: 'token' },
      'credential.rotate': { credentialId },
      'credential.revoke': { credentialId },
      bulkUpdate: { ids: [id], environment: 'production' },
    };
  }
  /** The procedures that name no identity: each is checked for what it shows or creates below. */
  const realmWide = ['list', 'context', 'export', 'create', 'suggestion.list'];

  it('probes every procedure the scoped permissions guard', () => {
    const guarded = procedurePermissions(nhiRouter)
      .filter((p) => p.permission !== undefined && scopedPermissions.includes(p.permission))
      .map((p) => p.path);
    const probed = [...Object.keys(probesOf({ id: '', credentialId: '' })), ...realmWide];

    expect(probed.sort()).toEqual(guarded.sort());
  });

  it('answers NOT_FOUND for an identity of another team or of none, and changes nothing', async () => {
    const t = await setup();
    // Unowned identities are the central team's: no team's scope reaches them.
    for (const target of [t.ofB, t.unowned]) {
      const before = await t.stateOf(target.id);

      for (const [path, input] of Object.entries(probesOf(target))) {
        const response = await t.call(t.tokens.sam, path, input);
        const label = `nhi.${path} on ${target.name}`;
        expect(response.status, `${label}: ${JSON.stringify(response.body)}`).toBe(404);
        expect(response.body.error.data.code, label).toBe('NOT_FOUND');
      }

      expect(await t.stateOf(target.id), target.name).toEqual(before);
    }
  });

  it('reaches every procedure on an identity of its own team', async () => {
    const t = await setup();
    const [a1] = t.ofA;
    const { id, credentialId } = a1;

    for (const path of ['get', 'history', 'audit', 'suggestion.ofNhi'])
      await t.ok(t.tokens.sam, path, { id });
    await t.ok(t.tokens.sam, 'update', { id, expectedVersion: 1, changes: { name: 'renamed' } });
    await t.ok(t.tokens.sam, 'bulkUpdate', { ids: [id], environment: 'production' });
    await t.ok(t.tokens.sam, 'credential.add', { nhiId: id, kind: 'token' });
    await t.ok(t.tokens.sam, 'credential.rotate', { credentialId });
    await t.ok(t.tokens.sam, 'credential.revoke', { credentialId });
    await t.ok(t.tokens.sam, 'delete', { id });
    const restored = await t.ok(t.tokens.sam, 'restore', { id });

    expect(restored).toMatchObject({
      name: 'renamed',
      environment: 'production',
      deletedAt: null,
      version: 5,
    });
    expect(restored.credentials).toHaveLength(2);
  });

  it('lists and counts the team’s identities only, whatever the filter', async () => {
    const t = await setup();
    const idsOf = (names: string[]) =>
      t.ofA
        .filter((nhi) => names.includes(nhi.name))
        .map((nhi) => nhi.id)
        .sort();
    const cases = [
      { filter: {}, expected: idsOf(['shared-a1', 'shared-a2', 'solo-a3']) },
      { filter: { q: 'shared' }, expected: idsOf(['shared-a1', 'shared-a2']) },
      {
        filter: { includeDeleted: true, sort: 'name', direction: 'desc' },
        expected: idsOf(['shared-a1', 'shared-a2', 'solo-a3']),
      },
      { filter: { owner: ['unowned'] }, expected: [] },
      { filter: { q: 'shared-b1' }, expected: [] },
    ];

    for (const { filter, expected } of cases) {
      const page = await t.ok(t.tokens.sam, 'list', filter);
      const paged = await t.ok(t.tokens.sam, 'list', { ...filter, limit: 1 });
      const asJson = await t.ok(t.tokens.sam, 'export', { ...filter, format: 'json' });
      const asCsv = await t.ok(t.tokens.sam, 'export', { ...filter, format: 'csv' });
      const [header, ...lines] = parse(asCsv.body) as string[][];
      const csvIds = lines.map((line) => line[header?.indexOf('id') ?? -1]);
      const label = JSON.stringify(filter);

      expect(page.items.map((item: { id: string }) => item.id).sort(), label).toEqual(expected);
      expect(page.total, label).toBe(expected.length);
      expect(paged.total, label).toBe(expected.length);
      expect(
        JSON.parse(asJson.body)
          .map((row: { id: string }) => row.id)
          .sort(),
        label,
      ).toEqual(expected);
      expect(csvIds.sort(), label).toEqual(expected);
    }
    // The administrator still lists the whole realm.
    expect((await t.ok(t.tokens.ana, 'list', {})).total).toBe(5);
  });

  it('offers its own team as owner and shows the suggestions of its identities only', async () => {
    const t = await setup();
    const [a1] = t.ofA;

    const context = await t.ok(t.tokens.sam, 'context', {});
    const suggestions = await t.ok(t.tokens.sam, 'suggestion.list', {});
    const all = await t.ok(t.tokens.ana, 'suggestion.list', {});

    expect(context.groups).toEqual([t.teams.a]);
    expect(context.can).toMatchObject({ write: true, delete: true, import: false, decideOwners: false });
    expect(suggestions.items.map((item: { nhi: { id: string } }) => item.nhi.id)).toEqual([a1.id]);
    expect(suggestions).toMatchObject({ total: 1, groups: [{ id: t.teams.a.id, count: 1 }] });
    expect(all).toMatchObject({ total: 3, groups: [{ id: t.teams.a.id, count: 3 }] });
  });

  it('creates identities owned by its own team only', async () => {
    const t = await setup();

    const created = await t.ok(t.tokens.sam, 'create', newNhi({ ownerGroupId: t.teams.a.id }));
    const refused = {
      'no owner team': await t.call(t.tokens.sam, 'create', newNhi()),
      'another team': await t.call(t.tokens.sam, 'create', newNhi({ ownerGroupId: t.teams.b.id })),
    };

    expect(created.ownerGroup).toEqual(t.teams.a);
    for (const [why, response] of Object.entries(refused)) {
      expect(response.status, why).toBe(403);
      expect(response.body.error.data.code, why).toBe('FORBIDDEN');
    }
    expect(refused['no owner team'].body.error.message).toMatch(/choose one of them as the owner team/);
    expect(refused['another team'].body.error.message).toMatch(/not one of your teams/);
    expect(await t.db.systemPrisma.nhi.count({ where: { realmId: t.hubRealm.id } })).toBe(6);
  });

  it('refuses to move its identity to another team or to none', async () => {
    const t = await setup();
    const [a1] = t.ofA;
    const before = await t.stateOf(a1.id);

    for (const ownerGroupId of [t.teams.b.id, null]) {
      const moved = await t.call(t.tokens.sam, 'update', {
        id: a1.id,
        expectedVersion: 1,
        changes: { ownerGroupId },
      });

      expect(moved.status, String(ownerGroupId)).toBe(403);
      expect(moved.body.error.data.code).toBe('FORBIDDEN');
    }
    expect(await t.stateOf(a1.id)).toEqual(before);
  });

  it('fails a bulk edit naming one identity of another team as a whole, changing none', async () => {
    const t = await setup();
    const ids = [...t.ofA.map((nhi) => nhi.id), t.ofB.id];
    const before = await Promise.all(ids.map((id) => t.stateOf(id)));

    const response = await t.call(t.tokens.sam, 'bulkUpdate', {
      ids,
      environment: 'production',
      addTags: ['x'],
    });

    expect(response.status).toBe(404);
    expect(response.body.error.data.code).toBe('NOT_FOUND');
    expect(response.body.error.message).not.toContain(t.ofA[0].id);
    expect(await Promise.all(ids.map((id) => t.stateOf(id)))).toEqual(before);
  });

  it('asks the search index for the covered identities only', async () => {
    const t = await setup();
    const teamA: Coverage = { kind: 'groups', groupIds: [t.teams.a.id], scopeGroupIds: [t.teams.a.id] };
    const search = (coverage?: Coverage) =>
      t.realmDb.read((query) =>
        findSearchMatches(query, 'shared', 2, coverage && { realmId: t.hubRealm.id, coverage }),
      );

    // Four identities match in the realm, over the limit of two; two of them are team A's.
    expect(await search()).toBeUndefined();
    expect(await search({ kind: 'all' })).toBeUndefined();
    expect((await search(teamA))?.sort()).toEqual(
      t.ofA
        .slice(0, 2)
        .map((nhi) => nhi.id)
        .sort(),
    );
    expect(await search({ kind: 'none' })).toEqual([]);
  });
});
