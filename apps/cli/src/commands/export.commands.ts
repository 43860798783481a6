import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { AlertExportService, alertExportFormats } from '@nhi/alert';
import { openRequestScope, type PlatformRuntime, systemClock } from '@nhi/platform';
import { LeakExportService } from '@nhi/scanner';
import { type Command, Option } from 'commander';
import { version } from '../../package.json';
import { CliError, type CliIo } from '../cli-io.ts';
import { withPlatform } from './with-platform.ts';

interface ExportOptions {
  format: string;
  out?: string;
  realm: string;
}

/** The realm's request scope, as the system: a command exports every alert or leak of the realm. */
async function realmScope(runtime: PlatformRuntime, slug: string) {
  const realm = await runtime.database.systemPrisma.realm.findUnique({
    where: { slug },
    select: { id: true, slug: true },
  });
  if (!realm) throw new CliError(`No realm ${slug}`);
  const context = {
    requestId: randomUUID(),
    realm,
    principal: { kind: 'system', name: 'cli' } as const,
    clock: systemClock,
  };
  return (await openRequestScope(runtime.root, { context, credential: 'bearer' })).container;
}

/** Writes the chunks to the file (waiting when the disk falls behind) or to stdout. */
async function writeAll(io: CliIo, chunks: AsyncIterable<string>, out: string | undefined): Promise<void> {
  if (!out) {
    for await (const chunk of chunks) io.stdout.write(chunk);
    return;
  }
  const file = createWriteStream(out);
  const failed = once(file, 'error').then(([error]) => Promise.reject(error));
  failed.catch(() => {});
  for await (const chunk of chunks) if (!file.write(chunk)) await Promise.race([once(file, 'drain'), failed]);
  file.end();
  await Promise.race([once(file, 'finish'), failed]);
  io.stderr.write(`Wrote ${out}\n`);
}

const outOption = () => new Option('--out <file>', 'file to write (default: stdout)');
const realmOption = () => new Option('--realm <slug>', 'realm to export').default('hub');

export function registerExportCommands(program: Command, io: CliIo): void {
  const exports = program
    .command('export')
    .description('Export alerts or leaks, streamed, for a SIEM or a code scanning tool');

  exports
    .command('alerts')
    .description('Alerts as OCSF Detection Finding events (JSON lines) or CSV')
    .addOption(
      new Option('--format <format>', 'output format').choices([...alertExportFormats]).makeOptionMandatory(),
    )
    .addOption(outOption())
    .addOption(realmOption())
    .option('--state <state...>', 'only these states: open, acknowledged, resolved, suppressed')
    .option('--severity <severity...>', 'only these severities: low, medium, high, critical')
    .option('--rule <rule...>', 'only these rules, e.g. nhi7.no_expiry')
    .action(async (options: ExportOptions & { state?: string[]; severity?: string[]; rule?: string[] }) => {
      const input = {
        format: options.format as never,
        states: options.state as never,
        severities: options.severity as never,
        ruleIds: options.rule,
      };
      await withPlatform(io, async (runtime) => {
        const exporter = (await realmScope(runtime, options.realm)).resolve(AlertExportService);
        await writeAll(io, exporter.export(input, { version }), options.out);
      });
    });

  exports
    .command('leaks')
    .description('Leaked secrets as a SARIF 2.1.0 log (masked matches and fingerprints, never the secret)')
    .addOption(new Option('--format <format>', 'output format').choices(['sarif']).default('sarif'))
    .addOption(
      new Option('--status <status>', 'which leaks').choices(['open', 'resolved', 'all']).default('all'),
    )
    .addOption(outOption())
    .addOption(realmOption())
    .action(async (options: ExportOptions & { status: string }) => {
      const input = { format: 'sarif' as const, status: options.status as never };
      await withPlatform(io, async (runtime) => {
        const exporter = (await realmScope(runtime, options.realm)).resolve(LeakExportService);
        const informationUri = runtime.config.NHI_PUBLIC_URL;
        await writeAll(io, exporter.export(input, { version, informationUri }), options.out);
      });
    });
}
