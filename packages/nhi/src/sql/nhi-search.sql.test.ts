import { RealmDb } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { describe, expect, it } from 'vitest';
import { setupInventory } from '../testing/nhi-inventory-test-setup.ts';
import { findSearchMatches } from './nhi-search.sql.ts';

describeEachDatabase('Inventory search', (_kind, newDatabase) => {
  async function setup() {
    const t = await setupInventory(newDatabase, 30);
    const search = (realmId: string, q: string, limit?: number) =>
      new RealmDb(t.db, realmId).read((query) => findSearchMatches(query, q, limit));
    return { ...t, search };
  }

  it('finds identities of the transaction’s realm only', async () => {
    const t = await setup();
    expect(await t.search(t.realm.id, 'other realm')).toEqual([]);
    expect(await t.search(t.otherRealm.id, 'other realm')).toHaveLength(12);
    expect(await t.search(t.otherRealm.id, 'svca')).toEqual([]);
  });

  it('returns nothing to the application role outside a realm transaction', async () => {
    const t = await setup();
    const count = await t.db.withSystemConnection(async (connection) => {
      await connection.query('BEGIN');
      try {
        await connection.query(`SELECT set_config('role', 'nhi_app', true)`);
        const [row] = await connection.query<{ count: number }>(
          `SELECT count(*)::int AS count FROM nhi_search('%')`,
        );
        return row?.count;
      } finally {
        await connection.query('ROLLBACK');
      }
    });
    expect(count).toBe(0);
  });

  it('matches within one column, never across the boundary of two', async () => {
    const t = await setup();
    const first = t.seeded[1];
    if (!first) throw new Error('no seeded identity');
    // name "svcab", externalId "ext-1": "bext" would span both.
    expect(await t.search(t.realm.id, `${first.name.slice(-1)}${first.externalId.slice(0, 3)}`)).toEqual([]);
    expect(await t.search(t.realm.id, first.externalId)).toContain(first.id);
  });

  it('gives up on a search broader than its limit, and the list still shows every match', async () => {
    const t = await setup();
    const matching = t.seeded.filter((row) => row.name.includes('svca') && !row.deletedAt);
    expect(await t.search(t.realm.id, 'svca', matching.length + 5)).toHaveLength(
      t.seeded.filter((row) => row.name.includes('svca')).length,
    );
    expect(await t.search(t.realm.id, 'svca', 3)).toBeUndefined();
    expect((await t.query().list({ q: 'svca', limit: 100 })).total).toBe(matching.length);
  });
});

describe('findSearchMatches', () => {
  it('does not search for blank text', async () => {
    const query = (() => Promise.reject(new Error('no query expected'))) as Parameters<
      typeof findSearchMatches
    >[0];
    expect(await findSearchMatches(query, '   ')).toBeUndefined();
    expect(await findSearchMatches(query, undefined)).toBeUndefined();
  });
});
