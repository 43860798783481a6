import {
  InstanceRegistry,
  InstanceSync,
  RealmAdminService,
  type RealmMoveReport,
  RealmMover,
} from '@nhi/platform';
import type { Command } from 'commander';
import { CliError, type CliIo } from '../cli-io.ts';
import { withPlatform } from './with-platform.ts';

function describeMove(report: RealmMoveReport): string {
  const width = Math.max(...report.tables.map((t) => t.table.length));
  const lines = report.tables.map((t) => `  ${t.table.padEnd(width)}  ${t.source} → ${t.target}\n`);
  return `${lines.join('')}Moved realm ${report.realm} from ${report.from} to ${report.to}\n`;
}

function waitSecondsOf(value: string): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 86_400)
    throw new CliError('--wait-seconds takes a whole number of seconds, 0 to 86400');
  return seconds;
}

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

  realm
    .command('move')
    .description(
      'Move a realm to a worker instance, or back to the hub: copies its rows, then switches where it is served. ' +
        'The realm is read-only meanwhile.',
    )
    .argument('<slug>', 'the realm to move')
    .requiredOption('--to <instance>', 'the instance that serves the realm from now on, or `hub`')
    .option('--wait-seconds <seconds>', 'how long to wait for running scans of the realm to end', '120')
    .action(async (slug: string, options: { to: string; waitSeconds: string }) => {
      const waitSeconds = waitSecondsOf(options.waitSeconds);
      const report = await withPlatform(io, (runtime) =>
        runtime.root.resolve(RealmMover).move(slug, options.to, {
          waitSeconds,
          onStep: (step) => io.stdout.write(`${step}\n`),
        }),
      );
      io.stdout.write(describeMove(report));
      for (const warning of report.warnings) io.stderr.write(`Warning: ${warning}\n`);
    });
}
