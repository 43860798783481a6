import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { applyMigrations } from './migrate.ts';
import { checkDrift, createMigration } from './migration-engine.ts';
import { defaultMigrationsDir } from './migration-files.ts';

/** A private copy of prisma/ (schema and migrations) that a test may change. */
function setup() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nhi-prisma-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const projectPrisma = path.dirname(defaultMigrationsDir());
  fs.cpSync(path.join(projectPrisma, 'migrations'), path.join(dir, 'migrations'), { recursive: true });
  fs.copyFileSync(path.join(projectPrisma, 'schema.prisma'), path.join(dir, 'schema.prisma'));
  const migrationsDir = path.join(dir, 'migrations');
  const schemaPath = path.join(dir, 'schema.prisma');
  const changeSchema = (from: string, to: string) => {
    const schema = fs.readFileSync(schemaPath, 'utf8');
    expect(schema).toContain(from);
    fs.writeFileSync(schemaPath, schema.replace(from, to));
  };
  return { migrationsDir, schemaPath, changeSchema };
}

const addNote = [
  '  slug      String   @unique\n',
  '  slug      String   @unique\n  note      String?\n',
] as const;

it('finds no drift between schema.prisma and the project migrations', async () => {
  expect(await checkDrift()).toBe('');
});

it('reports the SQL that is missing when schema.prisma changed without a migration', async () => {
  const { migrationsDir, schemaPath, changeSchema } = setup();
  changeSchema(...addNote);

  const drift = await checkDrift({ migrationsDir, schemaPath });

  expect(drift).toContain('ALTER TABLE "Realm" ADD COLUMN     "note" TEXT;');
});

it('generates a migration for a schema change, after which there is no drift and nothing to create', async () => {
  const { migrationsDir, schemaPath, changeSchema } = setup();
  changeSchema(...addNote);

  const created = await createMigration({
    migrationsDir,
    schemaPath,
    name: 'Realm note',
    now: new Date('2999-01-02T03:04:05Z'),
  });

  expect(created?.name).toBe('29990102030405_realm_note');
  expect(
    fs.readFileSync(path.join(migrationsDir, '29990102030405_realm_note', 'migration.sql'), 'utf8'),
  ).toContain('ADD COLUMN     "note" TEXT');
  expect(await checkDrift({ migrationsDir, schemaPath })).toBe('');
  expect(await createMigration({ migrationsDir, schemaPath, name: 'again' })).toBeNull();
});

describeEachDatabase('a generated migration', (_kind, newDatabase) => {
  it('applies on top of the project migrations', async () => {
    const { migrationsDir, schemaPath, changeSchema } = setup();
    changeSchema(...addNote);
    await createMigration({ migrationsDir, schemaPath, name: 'realm note' });
    const db = await newDatabase();

    const result = await applyMigrations(db, { migrationsDir });
    await db.systemPrisma.$executeRaw`UPDATE "Realm" SET note = 'works'`;

    expect(result.applied).toHaveLength(1);
    expect(result.applied[0]).toMatch(/_realm_note$/);
  });
});
