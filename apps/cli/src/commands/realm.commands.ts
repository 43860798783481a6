import { InstanceRegistry, InstanceSync, RealmAdminService } from '@nhi/platform';
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
    .option('--instance <name>', 'the worker instance that serves the realm (the hub itself when omitted)')
    .action(async (options: { slug: string; name?: string; instance?: string }) => {
      const input = { slug: options.slug, name: options.name ?? options.slug };
      const instance = options.instance;
      const { created, synced } = await withPlatform(io, async (runtime) => {
        if (!instance) return { created: await runtime.root.resolve(RealmAdminService).createRealm(input) };
        const placed = await runtime.root.resolve(InstanceRegistry).createRealmOn(input, instance);
        // The worker creates its copy now; when it cannot be reached, the next sync does.
        return { created: placed, synced: await runtime.root.resolve(InstanceSync).syncRealm(placed.id) };
      });
      const placement = instance ? ` on instance ${instance}` : '';
      io.stdout.write(`Created realm ${created.slug} (${created.id})${placement}\n`);
      if (synced?.error) {
        io.stderr.write(
          `Warning: ${synced.error}\nRun \`nhi instance sync ${instance}\` once it is reachable.\n`,
        );
      }
    });
}
