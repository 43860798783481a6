import {
  type InstanceCheck,
  type InstanceListing,
  InstanceMonitor,
  InstanceRegistry,
  InstanceSync,
  LOGGER,
  type PlatformRuntime,
  type SyncedRealm,
} from '@nhi/platform';
import type { Command } from 'commander';
import { CliError, type CliIo } from '../cli-io.ts';
import { withPlatform } from './with-platform.ts';

function describeInstance(instance: InstanceListing): string {
  const heartbeat = instance.lastHeartbeatAt ? instance.lastHeartbeatAt.toISOString() : 'never';
  const realms = `${instance.realmCount} realm${instance.realmCount === 1 ? '' : 's'}`;
  const version = `version ${instance.version ?? 'unknown'}`;
  return `${instance.name}\t${instance.baseUrl}\t${instance.status}\t${realms}\theartbeat ${heartbeat}\t${version}\n`;
}

function describeCheck(check: InstanceCheck): string {
  const answer = check.up ? `up, version ${check.version ?? 'unknown'}` : `down (${check.problem})`;
  return `${check.name}\t${check.baseUrl}\t${answer}\tstatus ${check.status}\n`;
}

/** The command prints each answer itself: the monitor's up/down log lines would say it again on stderr. */
function quietMonitor(runtime: PlatformRuntime): InstanceMonitor {
  const scope = runtime.root.createChildContainer();
  scope.register(LOGGER, { useValue: runtime.logger.child({}, { level: 'silent' }) });
  return scope.resolve(InstanceMonitor);
}

function describeSync(synced: SyncedRealm): string {
  if (synced.error) return `${synced.realm}\tfailed\t${synced.error}\n`;
  const members = synced.result?.members ?? 0;
  return `${synced.realm}\t${synced.result?.created ? 'created' : 'updated'}\t${members} member${members === 1 ? '' : 's'}\n`;
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
    .command('check')
    .description(
      "Ask every instance, or the one named, for its readiness now and record the answer as the hub's heartbeat does",
    )
    .argument('[name]', 'the instance to check; all of them when left out')
    .action(async (name: string | undefined) => {
      const checks = await withPlatform(io, (runtime) => quietMonitor(runtime).check(name));
      if (checks.length === 0) {
        io.stdout.write('No instances: the hub serves every realm itself.\n');
        return;
      }
      io.stdout.write(checks.map(describeCheck).join(''));
      const down = checks.filter((check) => !check.up).length;
      // A script or a cron job learns of an unreachable instance from the exit code.
      if (down > 0) throw new CliError(`${down} of ${checks.length} instance(s) did not answer ready`);
    });

  instance
    .command('sync')
    .description("Send the instance its realms' members again (users, roles, disabled), as every change does")
    .argument('<name>', 'the instance to synchronise')
    .action(async (name: string) => {
      const synced = await withPlatform(io, async (runtime) => {
        await runtime.root.resolve(InstanceRegistry).get(name);
        return runtime.root.resolve(InstanceSync).syncInstance(name);
      });
      if (synced.length === 0) {
        io.stdout.write(`Instance ${name} serves no realm yet.\n`);
        return;
      }
      io.stdout.write(synced.map(describeSync).join(''));
      const failed = synced.filter((realm) => realm.error).length;
      if (failed > 0) throw new CliError(`${failed} of ${synced.length} realm(s) not synchronised`);
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
