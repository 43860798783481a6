import { type InstanceListing, InstanceRegistry } from '@nhi/platform';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { withPlatform } from './with-platform.ts';

function describeInstance(instance: InstanceListing): string {
  const heartbeat = instance.lastHeartbeatAt ? instance.lastHeartbeatAt.toISOString() : 'never';
  const realms = `${instance.realmCount} realm${instance.realmCount === 1 ? '' : 's'}`;
  return `${instance.name}\t${instance.baseUrl}\t${instance.status}\t${realms}\theartbeat ${heartbeat}\n`;
}

export function registerInstanceCommands(program: Command, io: CliIo): void {
  const instance = program.command('instance').description('Worker instances that serve realms');

  instance
    .command('add')
    .description('Register a worker instance')
    .argument('<name>', 'lowercase identifier, e.g. worker-eu-1')
    .requiredOption(
      '--url <baseUrl>',
      'where the hub reaches the instance, e.g. https://worker-eu-1.internal',
    )
    .action(async (name: string, options: { url: string }) => {
      const added = await withPlatform(io, (runtime) =>
        runtime.root.resolve(InstanceRegistry).add({ name, baseUrl: options.url }),
      );
      io.stdout.write(`Added instance ${added.name} (${added.baseUrl})\n`);
    });

  instance
    .command('list')
    .description('List worker instances with their status and how many realms they serve')
    .action(async () => {
      const listed = await withPlatform(io, (runtime) => runtime.root.resolve(InstanceRegistry).list());
      if (listed.length === 0) {
        io.stdout.write('No instances: the hub serves every realm itself.\n');
        return;
      }
      io.stdout.write(listed.map(describeInstance).join(''));
    });

  instance
    .command('remove')
    .description('Unregister a worker instance; refused while realms are placed on it')
    .argument('<name>', 'the instance to remove')
    .action(async (name: string) => {
      await withPlatform(io, (runtime) => runtime.root.resolve(InstanceRegistry).remove(name));
      io.stdout.write(`Removed instance ${name}\n`);
    });
}
