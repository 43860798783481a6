import { RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { newNhi, setupInventory } from '../testing/nhi-test-setup.ts';
import { OwnerSuggestionService } from './owner-suggestion.service.ts';

describeEachDatabase('ownership suggestions', (_kind, newDatabase) => {
  async function setup() {
    const t = await setupInventory(newDatabase);
    const groupIn = (realm: { id: string }, name: string) =>
      new RealmDb(t.db, realm.id).transaction((tx) =>
        tx.policyGroup.create({ data: { name }, select: { id: true, name: true } }),
      );
    const payments = await groupIn(t.hubRealm, 'Payments');
    const platform = await groupIn(t.hubRealm, 'platform team');
    await groupIn(t.otherRealm, 'payments');
    const nhis = await t.nhiServiceOf();
    const suggestionsOf = async (user = t.ana, realm = t.hubRealm) =>
      (await t.scopeOf(user, realm)).resolve(OwnerSuggestionService);
    const suggestions = await suggestionsOf();
    /** An unowned identity whose source tagged it as AWS does. */
    const awsTagged = (tags: Record<string, string>, overrides = {}) =>
      nhis.create(newNhi({ metadata: { authorization: { tags } }, ...overrides }));
    /** A ServiceAccount whose namespace carries labels. */
    const inNamespace = (namespaceLabels: Record<string, string>) =>
      nhis.create(
        newNhi({
          provider: 'kubernetes',
          externalId: `cluster/ns-${Math.random()}/robot`,
          metadata: { kubernetes: { namespace: 'payments', namespaceLabels } },
        }),
      );
    const pendingReasons = async () =>
      (await suggestions.list({ pageSize: 200 })).items.map((item) => `${item.nhi.name}: ${item.reason}`);
    return {
      ...t,
      payments,
      platform,
      nhis,
      suggestions,
      suggestionsOf,
      awsTagged,
      inNamespace,
      pendingReasons,
    };
  }

  it('suggests the group a tag or namespace label names, case and separators aside', async () => {
    const t = await setup();
    const tagged = await t.awsTagged({ Team: 'payments', Environment: 'prod' });
    const labelled = await t.inNamespace({ 'example.com/squad': 'Platform-Team' });
    await t.awsTagged({ team: 'nobody-by-that-name' });

    expect(await t.suggestions.refresh()).toEqual({ created: 2, removed: 0 });
    const page = await t.suggestions.list();

    expect(page.total).toBe(2);
    const listed = page.items.map((item) => [item.nhi.id, item.group?.name, item.reason]);
    expect(listed.sort((a, b) => String(a[2]).localeCompare(String(b[2])))).toEqual([
      [tagged.id, 'Payments', 'AWS tag Team=payments'],
      [labelled.id, 'platform team', 'namespace label example.com/squad=Platform-Team'],
    ]);
    expect(page.groups).toEqual([
      { id: t.payments.id, name: 'Payments', count: 1 },
      { id: t.platform.id, name: 'platform team', count: 1 },
    ]);
    // A second pass finds nothing new.
    expect(await t.suggestions.refresh()).toEqual({ created: 0, removed: 0 });
  });

  it('suggests a member when the value is their email, and nobody for an email outside the realm', async () => {
    const t = await setup();
    const byEve = await t.awsTagged({ owner: 'Eve@Example.com' });
    await t.awsTagged({ owner: 'oli@example.com' });

    await t.suggestions.refresh();

    const [item, ...rest] = (await t.suggestions.list()).items;
    expect(rest).toEqual([]);
    expect(item).toMatchObject({ nhi: { id: byEve.id }, user: { id: t.eve.id }, group: null });
  });

  it('leaves identities with an owner alone, and drops a suggestion once a person sets an owner', async () => {
    const t = await setup();
    await t.awsTagged({ team: 'payments' }, { ownerUserId: t.vic.id });
    const later = await t.awsTagged({ team: 'payments' });
    await t.suggestions.refresh();
    const [pending] = (await t.suggestions.list()).items;
    expect(pending?.nhi.id).toBe(later.id);

    await t.nhis.update({ id: later.id, expectedVersion: 1, changes: { ownerGroupId: t.platform.id } });

    await expect(
      t.suggestions.accept({ id: pending?.id as string, expectedVersion: 2 }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await t.suggestions.refresh()).toEqual({ created: 0, removed: 1 });
    expect((await t.nhis.get(later.id)).ownerGroup?.name).toBe('platform team');
  });

  it('accepts through the inventory’s update: owner set, a version and audit row by the member', async () => {
    const t = await setup();
    const tagged = await t.awsTagged({ team: 'payments', owner: 'platform team' });
    await t.suggestions.refresh();
    const first = (await t.suggestions.list()).items.find((item) => item.reason === 'AWS tag team=payments');

    const accepted = await t.suggestions.accept({ id: first?.id as string, expectedVersion: 1 });

    expect(accepted).toMatchObject({ group: { id: t.payments.id } });
    const detail = await t.nhis.get(tagged.id);
    expect(detail).toMatchObject({ version: 2, ownerGroup: { id: t.payments.id } });
    const [version] = await t.nhis.history(tagged.id);
    expect(version).toMatchObject({ version: 2, actor: { type: 'user', id: t.ana.id } });
    expect(version?.changes).toMatchObject({ ownerGroupId: { before: null, after: t.payments.id } });
    const actions = (await t.nhis.audit(tagged.id)).map((entry) => entry.action);
    expect(actions).toEqual(expect.arrayContaining(['nhi.owner_suggestion.accept']));
    // The other suggestion of the now-owned identity is gone, not rejected.
    expect((await t.suggestions.list()).total).toBe(0);
    const stored = await t.db.systemPrisma.ownerSuggestion.findMany({ where: { nhiId: tagged.id } });
    expect(stored.map((row) => [row.state, row.decidedById])).toEqual([['accepted', t.ana.id]]);
  });

  it('refuses a stale version and changes nothing', async () => {
    const t = await setup();
    const tagged = await t.awsTagged({ team: 'payments' });
    await t.suggestions.refresh();
    const [pending] = (await t.suggestions.list()).items;
    await t.nhis.update({ id: tagged.id, expectedVersion: 1, changes: { description: 'edited meanwhile' } });

    await expect(
      t.suggestions.accept({ id: pending?.id as string, expectedVersion: 1 }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect((await t.nhis.get(tagged.id)).ownerGroup).toBeNull();
    expect((await t.suggestions.list()).items.map((item) => item.id)).toEqual([pending?.id]);
  });

  it('does not raise a rejected suggestion again while the source says the same', async () => {
    const t = await setup();
    const tagged = await t.awsTagged({ team: 'payments' });
    await t.suggestions.refresh();
    const [pending] = (await t.suggestions.list()).items;

    const rejected = await t.suggestions.reject(pending?.id as string);

    expect(rejected.id).toBe(pending?.id);
    expect(await t.suggestions.refresh()).toEqual({ created: 0, removed: 0 });
    expect(await t.pendingReasons()).toEqual([]);
    await expect(t.suggestions.reject(pending?.id as string)).rejects.toMatchObject({ code: 'CONFLICT' });
    // A different value is a different suggestion.
    await t.nhis.update({
      id: tagged.id,
      expectedVersion: 1,
      changes: { metadata: { authorization: { tags: { team: 'platform-team' } } } },
    });
    await t.suggestions.refresh();
    expect(await t.pendingReasons()).toEqual([`${tagged.name}: AWS tag team=platform-team`]);
  });

  it('accepts all of a group’s suggestions, or none when one no longer applies', async () => {
    const t = await setup();
    const first = await t.awsTagged({ team: 'payments' });
    const second = await t.inNamespace({ team: 'payments' });
    await t.suggestions.refresh();
    await t.nhis.update({ id: second.id, expectedVersion: 1, changes: { ownerUserId: t.vic.id } });

    await expect(t.suggestions.acceptForGroup({ groupId: t.payments.id })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    expect((await t.nhis.get(first.id)).ownerGroup).toBeNull();

    await t.nhis.update({ id: second.id, expectedVersion: 2, changes: { ownerUserId: null } });
    expect(await t.suggestions.acceptForGroup({ groupId: t.payments.id })).toEqual({ accepted: 2 });
    for (const id of [first.id, second.id]) expect((await t.nhis.get(id)).ownerGroup?.id).toBe(t.payments.id);
  });

  it('answers NOT_FOUND for suggestions, identities and groups of another realm', async () => {
    const t = await setup();
    const tagged = await t.awsTagged({ team: 'payments' });
    await t.suggestions.refresh();
    const [pending] = (await t.suggestions.list()).items;
    const intruder = await t.suggestionsOf(t.ana, t.otherRealm);

    await expect(intruder.accept({ id: pending?.id as string, expectedVersion: 1 })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(intruder.reject(pending?.id as string)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(intruder.ofNhi(tagged.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(intruder.acceptForGroup({ groupId: t.payments.id })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(await intruder.list()).toMatchObject({ items: [], total: 0 });
    expect((await t.suggestions.ofNhi(tagged.id)).map((item) => item.id)).toEqual([pending?.id]);
    expect((await t.nhis.get(tagged.id)).version).toBe(1);
  });
});
