import { RealmAdminService } from '@nhi/platform';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { withPlatform } from './with-platform.ts';

export function registerRealmCommands(program: Command, io: CliIo): void {
  const realm = program.command('realm').description('Realms (tenants)');

  realm
    .command('create')
    .description('Create a realm')
    .requiredOption('--slug <slug>', 'lowercase identifier, e.g. payments')
    .option('--name <name>', 'display name (defaults to the slug)')
    .action(async (options: { slug: string; name?: string }) => {
      const created = await withPlatform(io, (runtime) =>
        runtime.root
          .resolve(RealmAdminService)
          .createRealm({ slug: options.slug, name: options.name ?? options.slug }),
      );
      io.stdout.write(`Created realm ${created.slug} (${created.id})\n`);
    });
}
