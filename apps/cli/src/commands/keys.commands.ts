import { SigningKeys } from '@nhi/platform';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { withPlatform } from './with-platform.ts';

export function registerKeyCommands(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('Keys that sign session tokens');

  keys
    .command('rotate')
    .description(
      'Sign new sessions with a fresh key; sessions signed with the old key stay valid until they expire',
    )
    .action(async () => {
      const { kid } = await withPlatform(io, (runtime) => runtime.root.resolve(SigningKeys).rotate());
      io.stdout.write(`New signing key ${kid}. Restart running hub processes to sign with it at once.\n`);
    });
}
