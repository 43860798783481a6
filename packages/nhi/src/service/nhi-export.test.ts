import { describeEachDatabase } from '@nhi/platform/testing';
import { parse } from 'csv-parse/sync';
import { expect, it } from 'vitest';
import { setupInventory } from '../testing/nhi-inventory-test-setup.ts';
import { exportColumns } from './nhi-export.ts';

describeEachDatabase('Inventory export', (_kind, newDatabase) => {
  async function setup() {
    const t = await setupInventory(newDatabase, 40);
    const [first, second] = t.seeded;
    if (!first || !second) throw new Error('seed too small');
    await t.db.systemPrisma.nhi.update({
      where: { id: second.id },
      data: {
        name: '=HYPERLINK("http://evil.example")',
        description: 'Line one,\n"quoted" line two',
        permissions: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/*', effect: 'allow' }],
        metadata: { arn: 'arn:aws:iam::123456789012:user/ci', mfa: false },
      },
    });
    await t.db.systemPrisma.credential.createMany({
      data: [
        {
          realmId: t.realm.id,
          nhiId: second.id,
          kind: 'access_key',
          fingerprint: 'a'.repeat(64),
          hint: 'AKIAEXAMPLE',
          providerCreatedAt: t.at(-400),
          expiresAt: t.at(20),
          createdAt: t.at(-400),
        },
        { realmId: t.realm.id, nhiId: second.id, kind: 'token', status: 'revoked', createdAt: t.at(-10) },
      ],
    });
    return { ...t, first, second };
  }

  it('writes every matching identity as CSV, one line each after a header', async () => {
    const t = await setup();
    const expected = t.seeded.filter((row) => !row.deletedAt && row.environment === 'production');

    const exported = await t.query().exportRows({ format: 'csv', environment: ['production'] });

    expect(exported).toMatchObject({
      format: 'csv',
      contentType: 'text/csv; charset=utf-8',
      filename: 'nhi-inventory-hub-20260302T090000Z.csv',
    });
    const [header, ...lines] = parse(exported.body) as string[][];
    expect(header).toEqual(exportColumns);
    expect(lines).toHaveLength(expected.length);
    const records = lines.map((line) => Object.fromEntries(line.map((cell, i) => [header?.[i], cell])));
    expect(records.map((record) => record.id).sort()).toEqual(expected.map((row) => row.id).sort());
    const owned = expected.find((row) => row.ownerUserId === t.ana.id && row.tags.length > 1);
    expect(records.find((record) => record.id === owned?.id)).toMatchObject({
      owner: 'ana@example.com',
      tags: owned?.tags.join(';'),
      externalId: owned?.externalId,
    });
  });

  it('writes lists and objects as JSON in their CSV cell and defuses formulas', async () => {
    const t = await setup();

    const exported = await t.query().exportRows({ format: 'csv', includeDeleted: true });

    const [header, ...lines] = parse(exported.body) as string[][];
    const column = (name: string) => header?.indexOf(name) ?? -1;
    const line = lines.find((cells) => cells[column('id')] === t.second.id) ?? [];
    expect(line[column('name')]).toBe('\'=HYPERLINK("http://evil.example")');
    expect(line[column('description')]).toBe('Line one,\n"quoted" line two');
    expect(JSON.parse(line[column('permissions')] ?? '')).toEqual([
      { action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/*', effect: 'allow' },
    ]);
    expect(JSON.parse(line[column('metadata')] ?? '')).toEqual({
      arn: 'arn:aws:iam::123456789012:user/ci',
      mfa: false,
    });
    expect(JSON.parse(line[column('credentials')] ?? '')).toEqual([
      {
        kind: 'access_key',
        fingerprint: 'a'.repeat(64),
        hint: 'AKIAEXAMPLE',
        status: 'active',
        providerCreatedAt: t.at(-400).toISOString(),
        lastRotatedAt: null,
        expiresAt: t.at(20).toISOString(),
        lastUsedAt: null,
      },
      {
        kind: 'token',
        fingerprint: null,
        hint: null,
        status: 'revoked',
        providerCreatedAt: null,
        lastRotatedAt: null,
        expiresAt: null,
        lastUsedAt: null,
      },
    ]);
    expect(lines).toHaveLength(t.seeded.length);
  });

  it('writes JSON as an array of the same rows, in the list’s sort order', async () => {
    const t = await setup();

    const exported = await t.query().exportRows({ format: 'json', sort: 'name', direction: 'desc' });

    expect(exported).toMatchObject({
      contentType: 'application/json',
      filename: expect.stringMatching(/\.json$/),
    });
    const rows = JSON.parse(exported.body) as Record<string, unknown>[];
    const live = t.seeded.filter((row) => !row.deletedAt);
    expect(rows).toHaveLength(live.length);
    expect(Object.keys(rows[0] ?? {})).toEqual(exportColumns);
    const names = rows.map((row) => String(row.name)).filter((name) => !name.startsWith('='));
    expect(names).toEqual([...names].sort().reverse());
    expect(rows.find((row) => row.id === t.second.id)).toMatchObject({
      name: '=HYPERLINK("http://evil.example")',
      tags: t.second.tags,
      owner: 'ana@example.com',
      permissions: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::bucket/*', effect: 'allow' }],
      activeCredentialCount: t.second.activeCredentialCount,
    });
    expect(rows.find((row) => row.id === t.first.id)?.owner).toBeNull();
  });

  it('never includes another realm’s identities', async () => {
    const t = await setup();

    const mine = JSON.parse((await t.query().exportRows({ format: 'json', includeDeleted: true })).body);
    const theirs = JSON.parse((await t.query(t.otherRealm).exportRows({ format: 'json' })).body);

    expect(mine).toHaveLength(t.seeded.length);
    expect(mine.some((row: { name: string }) => row.name.startsWith('zz other realm'))).toBe(false);
    expect(theirs).toHaveLength(12);
    expect(theirs.every((row: { name: string }) => row.name.startsWith('zz other realm'))).toBe(true);
  });

  it('pages through a large inventory without dropping or repeating a row', async () => {
    const t = await setupInventory(newDatabase, 0);
    const rows = Array.from({ length: 2300 }, (_, i) => ({
      realmId: t.realm.id,
      kind: 'api_key' as const,
      provider: 'other' as const,
      externalId: `bulk-${i}`,
      name: `bulk ${String(i % 700).padStart(4, '0')}`,
      ownerUserId: i % 2 ? t.bob.id : null,
    }));
    await t.db.systemPrisma.nhi.createMany({ data: rows });

    const exported = JSON.parse((await t.query().exportRows({ format: 'json', sort: 'owner' })).body);

    expect(exported).toHaveLength(2300);
    expect(new Set(exported.map((row: { externalId: string }) => row.externalId)).size).toBe(2300);
    expect(exported.slice(0, 1150).every((row: { owner: string }) => row.owner === 'bob@example.com')).toBe(
      true,
    );
  });
});
