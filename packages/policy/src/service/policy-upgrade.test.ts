import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  applyMigrations,
  BuiltInRolePermissionResolver,
  defaultMigrationsDir,
  type Principal,
  systemClock,
} from '@nhi/platform';
import { describeEachDatabase, temporaryDir } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { PolicyDecisions } from './policy-decisions.ts';
import '../api/policy.permissions.ts';

const policyMigration = fs
  .readdirSync(defaultMigrationsDir())
  .filter((name) => name.endsWith('_policy'))
  .sort()[0] as string;

/** The migrations as they were before policies: a copy of the folder without the policy migration and later ones. */
async function migrationsBeforePolicies(): Promise<string> {
  const dir = await temporaryDir();
  for (const entry of fs.readdirSync(defaultMigrationsDir(), { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name >= policyMigration) continue;
    fs.cpSync(path.join(defaultMigrationsDir(), entry.name), path.join(dir, entry.name), { recursive: true });
  }
  return dir;
}

describeEachDatabase('upgrade to policies', (_kind, newDatabase) => {
  it('leaves every existing member with exactly the access their role gave', async () => {
    const db = await newDatabase({ migrated: false });
    await applyMigrations(db, { migrationsDir: await migrationsBeforePolicies() });
    // Written as the schema of that time had it: the client knows columns added since.
    const realms = await Promise.all(
      ['hub', 'ops'].map(async (slug) => {
        const [realm] = await db.systemPrisma.$queryRaw<{ id: string; slug: string }[]>`
          INSERT INTO "Realm" (id, slug, name) VALUES (${randomUUID()}, ${slug}, ${slug}) RETURNING id, slug`;
        if (!realm) throw new Error('realm not created');
        return realm;
      }),
    );
    const members: { principal: Principal; realm: { id: string; slug: string } }[] = [];
    for (const [index, role] of (['admin', 'editor', 'viewer'] as const).entries()) {
      // Written as the schema of that time had it: the client knows columns added since.
      const [user] = await db.systemPrisma.$queryRaw<{ id: string; email: string }[]>`
        INSERT INTO "User" (id, email, "passwordHash", "updatedAt")
        VALUES (${randomUUID()}, ${`${role}@example.com`}, 'x', now()) RETURNING id, email`;
      if (!user) throw new Error('user not created');
      for (const realm of realms) {
        // Roles differ per realm: the same user is admin in one and something else in the other.
        const roleHere = realm.slug === 'hub' ? role : (['viewer', 'admin', 'editor'] as const)[index];
        await db.systemPrisma.realmMembership.create({
          data: { realmId: realm.id, userId: user.id, role: roleHere as 'admin' },
        });
        members.push({
          principal: { kind: 'user', userId: user.id, email: user.email, sessionId: 's' },
          realm,
        });
      }
    }
    const before = new BuiltInRolePermissionResolver(db);
    const expected = await Promise.all(members.map((m) => before.permissionsOf(m.principal, m.realm)));

    await applyMigrations(db);

    const after = new PolicyDecisions(db, systemClock);
    const actual = await Promise.all(members.map((m) => after.permissionsOf(m.principal, m.realm)));
    expect(actual.map((set) => [...set].sort())).toEqual(expected.map((set) => [...set].sort()));
    expect(expected.some((set) => set.has('policy:admin'))).toBe(true);
  });
});
