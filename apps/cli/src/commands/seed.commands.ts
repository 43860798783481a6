import { seedDemoRealm } from '@nhi/nhi/demo';
import type { Command } from 'commander';
import { CliError, type CliIo, ExitCode } from '../cli-io.ts';
import { withPlatform } from './with-platform.ts';

export function registerSeedCommands(program: Command, io: CliIo): void {
  program
    .command('seed')
    .description('Fill a realm with data to look at')
    .option('--demo', 'create or refresh the realm `demo` with synthetic identities (fake secrets)')
    .option('--admin <email>', 'user made an admin of the demo realm (default: NHI_ADMIN_EMAIL)')
    .action(async (options: { demo?: boolean; admin?: string }) => {
      // The only kind of seed today; the flag keeps room for others and makes the intent explicit.
      if (!options.demo) throw new CliError('Say what to seed: --demo', ExitCode.usage);
      const result = await withPlatform(io, (runtime) =>
        seedDemoRealm(runtime.root, {
          adminEmail: options.admin ?? runtime.config.NHI_ADMIN_EMAIL,
          logger: runtime.logger,
        }),
      );
      io.stdout.write(
        `Seeded realm ${result.realm.slug} (“${result.realm.name}”): ${result.nhis} identities, ${result.credentials} credentials\n`,
      );
    });
}
