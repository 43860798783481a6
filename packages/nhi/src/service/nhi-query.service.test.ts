import { ValidationError } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import {
  type ListNhiInput,
  nhiEnvironments,
  nhiKinds,
  nhiProviders,
  nhiStatuses,
  sortableColumns,
} from '../api/nhi.schema.ts';
import { type SeededNhi, setupInventory } from '../testing/nhi-inventory-test-setup.ts';
import type { SortColumn, SortDirection } from './nhi-cursor.ts';
import type { NhiListItem, NhiQueryService } from './nhi-query.service.ts';

const dayMs = 86_400_000;

/** Every row of a listing, following the cursor page by page. */
async function listAll(service: NhiQueryService, input: ListNhiInput) {
  const items: NhiListItem[] = [];
  const totals = new Set<number>();
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await service.list({ ...input, cursor });
    items.push(...page.items);
    totals.add(page.total);
    if (!page.nextCursor) return { items, totals: [...totals], pages: pages + 1 };
    cursor = page.nextCursor;
  }
  throw new Error('The listing never ended');
}

const enumOrder: Partial<Record<SortColumn, readonly string[]>> = {
  kind: nhiKinds,
  provider: nhiProviders,
  environment: nhiEnvironments,
  status: nhiStatuses,
};

/** The order the list promises, computed from the seeded rows: nulls last, ties by id. */
function expectedOrder(
  rows: SeededNhi[],
  sort: SortColumn,
  direction: SortDirection,
  emails: Map<string, string>,
): string[] {
  const sortValue = (row: SeededNhi): string | number | null => {
    switch (sort) {
      case 'owner':
        return row.ownerUserId ? (emails.get(row.ownerUserId) ?? null) : null;
      case 'oldestCredentialAge':
        // An older credential is a greater age.
        return row.oldestActiveCredentialAt ? -row.oldestActiveCredentialAt.getTime() : null;
      case 'nextCredentialExpiry':
        return row.nextCredentialExpiresAt?.getTime() ?? null;
      case 'lastUsedAt':
      case 'lastSeenAt':
      case 'firstSeenAt':
      case 'updatedAt':
        return row[sort]?.getTime() ?? null;
      default: {
        const order = enumOrder[sort];
        return order ? order.indexOf(row[sort]) : row[sort];
      }
    }
  };
  const sign = direction === 'asc' ? 1 : -1;
  // Ties follow the stored column's direction: for credential age that is the date's, reversed.
  const idSign = sort === 'oldestCredentialAge' ? -sign : sign;
  const compare = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);
  return [...rows]
    .sort((a, b) => {
      const va = sortValue(a);
      const vb = sortValue(b);
      if (va === null && vb === null) return idSign * compare(a.id, b.id);
      if (va === null) return 1;
      if (vb === null) return -1;
      return sign * compare(va, vb) || idSign * compare(a.id, b.id);
    })
    .map((row) => row.id);
}

describeEachDatabase('Inventory list', (_kind, newDatabase) => {
  it('narrows by each filter to exactly the matching identities of the realm', async () => {
    const t = await setupInventory(newDatabase);
    const now = t.clock.now().getTime();
    const live = t.seeded.filter((row) => !row.deletedAt);
    const cases: { filter: ListNhiInput; matches: (row: SeededNhi) => boolean }[] = [
      { filter: {}, matches: () => true },
      { filter: { kind: ['bot', 'api_key'] }, matches: (r) => r.kind === 'bot' || r.kind === 'api_key' },
      { filter: { provider: ['github'] }, matches: (r) => r.provider === 'github' },
      { filter: { environment: ['production'] }, matches: (r) => r.environment === 'production' },
      {
        filter: { status: ['disabled', 'active'] },
        matches: (r) => ['disabled', 'active'].includes(r.status),
      },
      { filter: { owner: ['unowned'] }, matches: (r) => r.ownerUserId === null },
      { filter: { owner: [t.bob.id] }, matches: (r) => r.ownerUserId === t.bob.id },
      {
        filter: { owner: ['unowned', t.ana.id] },
        matches: (r) => r.ownerUserId === null || r.ownerUserId === t.ana.id,
      },
      { filter: { tag: ['ci'] }, matches: (r) => r.tags.includes('ci') },
      {
        filter: { tag: ['ci', 'pii'] },
        matches: (r) => r.tags.includes('ci') && r.tags.includes('pii'),
      },
      {
        filter: { credentialOlderThanDays: 90 },
        matches: (r) =>
          !!r.oldestActiveCredentialAt && r.oldestActiveCredentialAt.getTime() < now - 90 * dayMs,
      },
      {
        filter: { credentialOlderThanDays: 30, credentialNewerThanDays: 180 },
        matches: (r) =>
          !!r.oldestActiveCredentialAt &&
          r.oldestActiveCredentialAt.getTime() < now - 30 * dayMs &&
          r.oldestActiveCredentialAt.getTime() >= now - 180 * dayMs,
      },
      {
        filter: { expiringWithinDays: 30 },
        matches: (r) =>
          !!r.nextCredentialExpiresAt && r.nextCredentialExpiresAt.getTime() <= now + 30 * dayMs,
      },
      { filter: { q: 'SVCB' }, matches: (r) => r.name.includes('svcb') },
      { filter: { q: 'number 1' }, matches: (r) => !!r.description?.includes('number 1') },
      { filter: { q: 'ext-4' }, matches: (r) => r.externalId.startsWith('ext-4') },
      {
        filter: { environment: ['production', 'staging'], owner: ['unowned'], provider: ['aws', 'gcp'] },
        matches: (r) =>
          ['production', 'staging'].includes(r.environment) &&
          r.ownerUserId === null &&
          ['aws', 'gcp'].includes(r.provider),
      },
    ];
    const service = t.query();

    for (const { filter, matches } of cases) {
      const expected = live.filter(matches).map((row) => row.id);
      const listed = await listAll(service, { ...filter, limit: 10 });

      expect({ filter, ids: listed.items.map((item) => item.id).sort() }).toEqual({
        filter,
        ids: [...expected].sort(),
      });
      expect({ filter, totals: listed.totals }).toEqual({ filter, totals: [expected.length] });
    }
    // The cases must actually narrow, or they prove nothing.
    expect(live.filter(cases[16]?.matches ?? (() => true)).length).toBeGreaterThan(0);
    expect(live.filter(cases[16]?.matches ?? (() => true)).length).toBeLessThan(live.length / 4);
  });

  it('narrows by the risk level the alert rules gave, "none" being no score at all', async () => {
    const t = await setupInventory(newDatabase, 12);
    const live = t.seeded.filter((row) => !row.deletedAt);
    const levels = ['critical', 'high', 'low'] as const;
    const scored = levels.map((level, i) => ({ id: (live[i] as (typeof live)[number]).id, level }));
    for (const { id, level } of scored) {
      await t.db.systemPrisma.nhiRiskScore.create({
        data: { realmId: t.realm.id, nhiId: id, score: 50, level, computedAt: t.clock.now() },
      });
    }
    const ids = async (riskLevel: ListNhiInput['riskLevel']) =>
      (await listAll(t.query(), { riskLevel, limit: 5 })).items.map((item) => item.id).sort();
    const levelOf = (id: string) => scored.find((row) => row.id === id)?.level ?? 'none';

    expect(await ids(['critical', 'high'])).toEqual(
      live
        .filter((r) => ['critical', 'high'].includes(levelOf(r.id)))
        .map((r) => r.id)
        .sort(),
    );
    expect(await ids(['none'])).toEqual(
      live
        .filter((r) => levelOf(r.id) === 'none')
        .map((r) => r.id)
        .sort(),
    );
    expect(await ids(['none', 'low'])).toEqual(
      live
        .filter((r) => ['none', 'low'].includes(levelOf(r.id)))
        .map((r) => r.id)
        .sort(),
    );
  });

  it('shows deleted identities only when asked', async () => {
    const t = await setupInventory(newDatabase);
    const deleted = t.seeded.filter((row) => row.deletedAt);
    expect(deleted.length).toBeGreaterThan(0);

    const without = await listAll(t.query(), { limit: 500 });
    const withDeleted = await listAll(t.query(), { includeDeleted: true, limit: 500 });

    expect(without.items.some((item) => item.deletedAt)).toBe(false);
    expect(withDeleted.totals).toEqual([t.seeded.length]);
    expect(
      withDeleted.items
        .filter((item) => item.deletedAt)
        .map((item) => item.id)
        .sort(),
    ).toEqual(deleted.map((row) => row.id).sort());
  });

  it('sorts by every column both ways, nulls last and ties by id, visiting each row once across pages', async () => {
    const t = await setupInventory(newDatabase);
    const live = t.seeded.filter((row) => !row.deletedAt);
    const emails = new Map([
      [t.ana.id, t.ana.email],
      [t.bob.id, t.bob.email],
    ]);
    const service = t.query();

    for (const sort of sortableColumns) {
      for (const direction of ['asc', 'desc'] as const) {
        const listed = await listAll(service, { sort, direction, limit: 7 });

        expect({ sort, direction, ids: listed.items.map((item) => item.id) }).toEqual({
          sort,
          direction,
          ids: expectedOrder(live, sort, direction, emails),
        });
        expect(listed.totals).toEqual([live.length]);
        expect(listed.pages).toBe(Math.ceil(live.length / 7));
      }
    }
  });

  it('returns the list item shape with the owner as id and email', async () => {
    const t = await setupInventory(newDatabase, 3);
    const page = await t.query().list({ sort: 'name' });
    const owned = t.seeded[1];

    expect(page.items.find((item) => item.id === owned?.id)).toEqual({
      id: owned?.id,
      kind: owned?.kind,
      provider: owned?.provider,
      externalId: owned?.externalId,
      name: owned?.name,
      environment: owned?.environment,
      status: owned?.status,
      tags: owned?.tags,
      owner: { id: t.ana.id, email: 'ana@example.com' },
      lastUsedAt: owned?.lastUsedAt,
      lastSeenAt: owned?.lastSeenAt,
      firstSeenAt: owned?.firstSeenAt,
      updatedAt: owned?.updatedAt,
      version: 1,
      activeCredentialCount: owned?.activeCredentialCount,
      oldestActiveCredentialAt: owned?.oldestActiveCredentialAt,
      nextCredentialExpiresAt: owned?.nextCredentialExpiresAt,
      deletedAt: null,
    });
    expect(page.items.find((item) => item.id === t.seeded[0]?.id)?.owner).toBeNull();
    expect(page).toMatchObject({ nextCursor: null, total: 3 });
  });

  it('searches for % and _ as plain characters', async () => {
    const t = await setupInventory(newDatabase, 0);
    const base = { realmId: t.realm.id, kind: 'bot' as const, provider: 'other' as const };
    await t.db.systemPrisma.nhi.createMany({
      data: [
        { ...base, externalId: 'a', name: '100% coverage' },
        { ...base, externalId: 'b', name: '100 percent' },
        { ...base, externalId: 'c', name: 'snake_case' },
        { ...base, externalId: 'd', name: 'snakeXcase' },
        { ...base, externalId: 'e', name: 'back\\slash' },
        { ...base, externalId: 'f', name: 'backslash' },
      ],
    });
    const names = async (q: string) => (await t.query().list({ q })).items.map((item) => item.name).sort();

    expect(await names('0%')).toEqual(['100% coverage']);
    expect(await names('e_c')).toEqual(['snake_case']);
    expect(await names('k\\s')).toEqual(['back\\slash']);
    expect(await names('%')).toEqual(['100% coverage']);
    expect(await names('_')).toEqual(['snake_case']);
    expect(await names('SNAKE')).toEqual(['snakeXcase', 'snake_case'].sort());
  });

  it('never shows another realm’s identities', async () => {
    const t = await setupInventory(newDatabase);
    const other = await listAll(t.query(t.otherRealm), { limit: 500 });
    expect(other.items).toHaveLength(12);
    expect(other.items.every((item) => item.name.startsWith('zz other realm'))).toBe(true);

    const mine = await listAll(t.query(), { includeDeleted: true, limit: 500 });
    expect(mine.items.some((item) => item.name.startsWith('zz'))).toBe(false);
    expect((await t.query().list({ q: 'other realm' })).total).toBe(0);
    expect((await t.query().list({ owner: [t.outsider.id] })).total).toBe(0);
  });

  it('refuses a cursor it did not issue for this sort order', async () => {
    const t = await setupInventory(newDatabase, 20);
    const first = await t.query().list({ sort: 'name', limit: 5 });
    expect(first.nextCursor).toEqual(expect.any(String));

    await expect(t.query().list({ sort: 'kind', limit: 5, cursor: first.nextCursor ?? '' })).rejects.toThrow(
      ValidationError,
    );
    await expect(t.query().list({ cursor: 'not-a-cursor' })).rejects.toThrow(ValidationError);
    await expect(t.query().list({ limit: 0 })).rejects.toThrow(ValidationError);
    // A hand-made cursor naming a kind that does not exist is refused, not sent to the database.
    const forged = Buffer.from(JSON.stringify({ s: 'kind', d: 'asc', v: 'wizard', i: 'x' })).toString(
      'base64url',
    );
    await expect(t.query().list({ sort: 'kind', cursor: forged })).rejects.toThrow(ValidationError);
  });
});
