import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import {
  defaultMigrationsDir,
  MIGRATION_LOCK_CONTENT,
  MIGRATION_LOCK_FILE,
  readMigrationFiles,
} from './migration-files.ts';
import { pgliteExtensions } from './pglite-extensions.ts';
import { emptyPgliteSnapshot } from './pglite-snapshots.ts';
import { loadSchemaEngine } from './schema-engine-wasm.ts';

export interface MigrationEngineOptions {
  /** Default: the project's prisma/migrations (see defaultMigrationsDir). */
  migrationsDir?: string;
  /** Default: schema.prisma next to the migrations directory. */
  schemaPath?: string;
}

const NO_FILTERS = { externalTables: [], externalEnums: [] };

function resolvePaths(options: MigrationEngineOptions) {
  const migrationsDir = options.migrationsDir ?? defaultMigrationsDir();
  const schemaPath = options.schemaPath ?? path.join(path.dirname(migrationsDir), 'schema.prisma');
  return { migrationsDir, schemaPath };
}

function migrationList(migrationsDir: string): MigrationList {
  const lockfile = path.join(migrationsDir, MIGRATION_LOCK_FILE);
  return {
    baseDir: migrationsDir,
    lockfile: {
      path: MIGRATION_LOCK_FILE,
      content: fs.existsSync(lockfile) ? fs.readFileSync(lockfile, 'utf8') : null,
    },
    migrationDirectories: readMigrationFiles(migrationsDir).map((migration) => ({
      path: migration.name,
      migrationFile: { path: 'migration.sql', content: { tag: 'ok' as const, value: migration.sql } },
    })),
    shadowDbInitScript: '',
  };
}

/**
 * PGlite in memory as the engine's database and shadow database: no server needed. The stock
 * adapter does not await a migration script (a failing migration would pass unnoticed) and starts
 * every shadow database with a slow initdb; both are fixed here.
 */
async function openPgliteAdapter(): Promise<SqlDriverAdapter> {
  const pglite = new PGlite({ loadDataDir: await emptyPgliteSnapshot(), extensions: pgliteExtensions });
  await pglite.waitReady;
  const adapter = await new PrismaPGlite(pglite).connect();
  const onError = (adapter as unknown as { onError(error: unknown): never }).onError.bind(adapter);
  adapter.executeScript = async (script: string) => {
    try {
      await pglite.exec(script);
    } catch (error) {
      onError(error);
    }
  };
  adapter.dispose = () => pglite.close();
  return adapter;
}

function inMemoryAdapterFactory(): SqlMigrationAwareDriverAdapterFactory & { disposeAll(): Promise<void> } {
  const opened: SqlDriverAdapter[] = [];
  const open = async () => {
    const adapter = await openPgliteAdapter();
    opened.push(adapter);
    return adapter;
  };
  return {
    provider: 'postgres',
    adapterName: 'pglite-in-memory',
    connect: open,
    connectToShadowDb: open,
    async disposeAll() {
      await Promise.allSettled(opened.map((adapter) => adapter.dispose()));
    },
  };
}

/** The SQL that would bring a database built from the migrations to what schema.prisma describes. */
async function diffMigrationsToSchema(options: MigrationEngineOptions): Promise<string> {
  const { migrationsDir, schemaPath } = resolvePaths(options);
  const schema = { path: schemaPath, content: fs.readFileSync(schemaPath, 'utf8') };
  const SchemaEngine = await loadSchemaEngine();
  const factory = inMemoryAdapterFactory();
  const engine = await SchemaEngine.new(
    { datamodels: [[schema.path, schema.content]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  try {
    const result = await engine.diff({
      from: { tag: 'migrations', ...migrationList(migrationsDir) },
      to: { tag: 'schemaDatamodel', files: [schema] },
      script: true,
      exitCode: true,
      filters: NO_FILTERS,
    });
    // exitCode 2 means "there is a difference"; 0 an empty one, whose script is only a comment.
    return result.exitCode === 2 ? (result.stdout ?? '').trim() : '';
  } finally {
    engine.free();
    await factory.disposeAll();
  }
}

/** The SQL difference between the migrations and schema.prisma; empty when they agree. */
export function checkDrift(options: MigrationEngineOptions = {}): Promise<string> {
  return diffMigrationsToSchema(options);
}

function timestamp(date: Date): string {
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${date.getUTCFullYear()}${pad(date.getUTCMonth() + 1)}${pad(date.getUTCDate())}${pad(date.getUTCHours())}${pad(date.getUTCMinutes())}${pad(date.getUTCSeconds())}`;
}

export interface CreatedMigration {
  name: string;
  path: string;
  sql: string;
}

/**
 * Writes `<timestamp>_<name>/migration.sql` with the changes schema.prisma has over the existing
 * migrations, as `prisma migrate dev --create-only` would. Returns null when there are none.
 */
export async function createMigration(
  options: MigrationEngineOptions & { name: string; now?: Date },
): Promise<CreatedMigration | null> {
  const slug = options.name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (!slug) throw new Error('A migration needs a name made of letters or digits');
  const { migrationsDir } = resolvePaths(options);
  const sql = await diffMigrationsToSchema(options);
  if (!sql) return null;
  fs.mkdirSync(migrationsDir, { recursive: true });
  const lockfile = path.join(migrationsDir, MIGRATION_LOCK_FILE);
  if (!fs.existsSync(lockfile)) fs.writeFileSync(lockfile, MIGRATION_LOCK_CONTENT);
  const name = `${timestamp(options.now ?? new Date())}_${slug}`;
  const dir = path.join(migrationsDir, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'migration.sql'), `${sql}\n`);
  return { name, path: dir, sql };
}
