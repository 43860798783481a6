import path from 'node:path';
import { applyMigrations, createMigration, markMigrationRolledBack } from '@nhi/platform';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { withDatabase } from './with-database.ts';

export function registerDbCommands(program: Command, io: CliIo): void {
  const db = program.command('db').description('Database schema and migrations');

  db.command('migrate')
    .description('Apply pending migrations to the configured database (DATABASE_URL, or the embedded one)')
    .action(async () => {
      const { applied } = await withDatabase(io, (database, logger) => applyMigrations(database, { logger }));
      io.stdout.write(
        applied.length === 0
          ? 'Database is up to date.\n'
          : `Applied ${applied.length} migration(s):\n${applied.map((m) => `  ${m}\n`).join('')}`,
      );
    });

  db.command('migrate:resolve')
    .description(
      'Mark a failed migration as rolled back, after repairing the database by hand, so migrate can retry it',
    )
    .requiredOption('--rolled-back <name>', 'the failed migration, e.g. 20261122144239_init')
    .action(async (options: { rolledBack: string }) => {
      await withDatabase(io, (database) => markMigrationRolledBack(database, options.rolledBack));
      io.stdout.write(`Marked ${options.rolledBack} as rolled back; run db migrate to apply it again.\n`);
    });

  db.command('migration:create')
    .description('Generate a migration from changes to prisma/schema.prisma (needs no database server)')
    .requiredOption('--name <name>', 'short snake_case name, e.g. add_nhi_owner')
    .action(async (options: { name: string }) => {
      const created = await createMigration({ name: options.name });
      if (!created) {
        io.stdout.write('No schema changes: no migration created.\n');
        return;
      }
      io.stdout.write(`Created ${path.relative(process.cwd(), created.path)}\n`);
      if (/"realmId"/.test(created.sql)) {
        io.stdout.write(
          'New realm tables need row-level security: append SELECT nhi_enable_realm_isolation(\'"Table"\'); for each.\n',
        );
      }
    });
}
