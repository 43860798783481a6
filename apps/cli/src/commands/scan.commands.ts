import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { openRequestScope, type PlatformRuntime, systemClock } from '@nhi/platform';
import {
  registerScannerJobs,
  ScannerService,
  type ScanView,
  type SourceType,
  scheduledInputOf,
} from '@nhi/scanner';
import type { Command } from 'commander';
import { CliError, type CliIo, ExitCode } from '../cli-io.ts';
import { withPlatform } from './with-platform.ts';

/** The file formats `nhi scan <type> --file` reads, and the source type each belongs to. */
export const scanFileTypes = {
  'aws-credential-report': { sourceType: 'aws_iam', input: 'aws.credential_report' },
  'aws-authorization-details': { sourceType: 'aws_iam', input: 'aws.authorization_details' },
  k8s: { sourceType: 'kubernetes', input: 'k8s.manifests' },
  github: { sourceType: 'github', input: 'github.export' },
  gcp: { sourceType: 'gcp', input: 'gcp.export' },
  entra: { sourceType: 'entra', input: 'entra.export' },
  gitlab: { sourceType: 'gitlab', input: 'gitlab.export' },
  secrets: { sourceType: 'secrets', input: 'secrets.files' },
  gitleaks: { sourceType: 'secrets', input: 'gitleaks.report' },
  trufflehog: { sourceType: 'secrets', input: 'trufflehog.report' },
  'detect-secrets': { sourceType: 'secrets', input: 'detect_secrets.baseline' },
} as const satisfies Record<string, { sourceType: SourceType; input: string }>;

type ScanFileType = keyof typeof scanFileTypes;

interface ScanOptions {
  file?: string;
  realm: string;
  source?: string;
  partial?: boolean;
}

export function registerScanCommands(program: Command, io: CliIo): void {
  program
    .command('scan')
    .description(
      `Run a scan in this process and print its summary: import a file (types: ${Object.keys(scanFileTypes).join(', ')}), or run a configured source`,
    )
    .argument('[type]', 'format of --file')
    .option('--file <path>', 'exported file to import')
    .option('--realm <slug>', 'realm to scan into', 'hub')
    .option('--source <name>', 'source to scan with (created for a file import when missing)')
    .option('--partial', 'the file is not a complete export: identities it omits are not marked missing')
    .action(async (type: string | undefined, options: ScanOptions) => {
      if (type && !(type in scanFileTypes))
        throw new CliError(
          `Unknown type ${type}; one of ${Object.keys(scanFileTypes).join(', ')}`,
          ExitCode.usage,
        );
      if (type && !options.file) throw new CliError(`Give the file to import: --file <path>`, ExitCode.usage);
      if (!type && !options.source)
        throw new CliError('Say what to scan: <type> --file <path>, or --source <name>', ExitCode.usage);
      const upload = options.file ? await readUpload(options.file) : undefined;
      const scan = await withPlatform(
        io,
        async (runtime) => {
          await registerScannerJobs(runtime.root);
          const scanner = await scannerIn(runtime, options.realm);
          const spec = type ? scanFileTypes[type as ScanFileType] : undefined;
          const source = await sourceFor(scanner, options.source, spec?.sourceType);
          const input = spec?.input ?? scheduledInputOf[source.type];
          if (!input) throw new CliError(`A ${source.type} source can only import files: give <type> --file`);
          const started = await scanner.startScan({
            sourceId: source.id,
            input: input as never,
            upload,
            complete: !options.partial,
          });
          return watch(io, scanner, started.id);
        },
        { jobs: { pollingIntervalSeconds: 0.5 } },
      );
      io.stdout.write(`${summary(scan)}\n`);
      for (const warning of scan.warnings) io.stderr.write(`warning: ${warning.item}: ${warning.message}\n`);
      if (scan.warningCount > scan.warnings.length)
        io.stderr.write(`warning: ${scan.warningCount - scan.warnings.length} more warnings not shown\n`);
      if (scan.state !== 'succeeded')
        throw new CliError(`Scan ${scan.state}${scan.error ? `: ${scan.error}` : ''}`);
    });
}

async function readUpload(file: string) {
  const content = await fs.readFile(file).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(`Cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  return { name: path.basename(file), contentBase64: content.toString('base64') };
}

async function scannerIn(runtime: PlatformRuntime, slug: string): Promise<ScannerService> {
  // Finding the realm by slug is system work: no realm is chosen yet.
  const realm = await runtime.database.systemPrisma.realm.findUnique({
    where: { slug },
    select: { id: true, slug: true },
  });
  if (!realm) throw new CliError(`No realm ${slug}`);
  const scope = await openRequestScope(runtime.root, {
    context: {
      requestId: randomUUID(),
      realm,
      principal: { kind: 'system', name: 'cli' },
      clock: systemClock,
    },
    credential: 'bearer',
  });
  return scope.container.resolve(ScannerService);
}

async function sourceFor(scanner: ScannerService, name: string | undefined, type: SourceType | undefined) {
  const sources = await scanner.listSources();
  const wanted = name ?? `${type} (CLI imports)`;
  const found = sources.find((source) => source.name === wanted);
  if (found) {
    if (type && found.type !== type)
      throw new CliError(`Source ${wanted} is a ${found.type} source, not ${type}`);
    return found;
  }
  if (!type) throw new CliError(`No source named ${wanted}`);
  return scanner.createSource({ type, name: wanted });
}

/** Follows the scan until it ends, drawing its progress on stderr (a bar on a terminal, lines otherwise). */
async function watch(io: CliIo, scanner: ScannerService, scanId: string): Promise<ScanView> {
  const tty = Boolean((io.stderr as { isTTY?: boolean }).isTTY);
  let lastLine = '';
  let lastPhase: string | null | undefined;
  for (;;) {
    const scan = await scanner.getScan(scanId);
    const line = progressLine(scan);
    // A log file gets one line per phase; a terminal gets a bar redrawn in place.
    if (tty) io.stderr.write(`\r${line.padEnd(lastLine.length)}`);
    else if (scan.phase !== lastPhase && scan.phase) io.stderr.write(`${line}\n`);
    lastLine = line;
    lastPhase = scan.phase;
    if (['succeeded', 'failed', 'cancelled'].includes(scan.state)) {
      io.stderr.write(tty ? '\n' : `${line}\n`);
      return scan;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export function progressLine(scan: ScanView): string {
  const total = scan.itemsTotal ?? 0;
  const done = total > 0 ? Math.min(1, scan.itemsProcessed / total) : scan.state === 'succeeded' ? 1 : 0;
  const width = 30;
  const filled = Math.round(done * width);
  const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
  return `[${bar}] ${String(Math.round(done * 100)).padStart(3)}% ${scan.phase ?? scan.state} ${scan.itemsProcessed}/${total}`;
}

export function summary(scan: ScanView): string {
  const { counts } = scan;
  return `Scan ${scan.id} ${scan.state}: ${counts.new} new, ${counts.updated} updated, ${counts.unchanged} unchanged, ${counts.missing} missing, ${counts.leaks} leaks, ${scan.warningCount} warnings`;
}
