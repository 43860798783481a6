import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { CliError, type CliIo, ExitCode } from './cli-io.ts';
import { registerBackupCommands } from './commands/backup.commands.ts';
import { registerDbCommands } from './commands/db.commands.ts';
import { registerExportCommands } from './commands/export.commands.ts';
import { registerInstanceCommands } from './commands/instance.commands.ts';
import { registerKeyCommands } from './commands/keys.commands.ts';
import { registerRealmCommands } from './commands/realm.commands.ts';
import { registerScanCommands } from './commands/scan.commands.ts';
import { registerScimTokenCommands } from './commands/scim-token.commands.ts';
import { registerSeedCommands } from './commands/seed.commands.ts';
import { registerTokenCommands } from './commands/token.commands.ts';
import { registerUserCommands } from './commands/user.commands.ts';
import { describeFailure } from './describe-failure.ts';

export function buildProgram(io: CliIo): Command {
  const program = new Command('nhi')
    .description('NHI Hub command-line interface')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError();
  registerDbCommands(program, io);
  registerRealmCommands(program, io);
  registerUserCommands(program, io);
  registerTokenCommands(program, io);
  registerScimTokenCommands(program, io);
  registerKeyCommands(program, io);
  registerInstanceCommands(program, io);
  registerSeedCommands(program, io);
  registerScanCommands(program, io);
  registerExportCommands(program, io);
  registerBackupCommands(program, io);
  return program;
}

/** Runs one command and returns the process exit code: 0 ok, 1 failure, 2 usage error. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return ExitCode.ok;
      if (error.code === 'commander.help' || error.code === 'commander.executeSubCommandAsync')
        return ExitCode.ok;
      return ExitCode.usage;
    }
    if (error instanceof CliError) {
      io.stderr.write(`error: ${error.message}\n`);
      return error.exitCode;
    }
    const failure = describeFailure(error);
    io.stderr.write(`error: ${failure.message}\n`);
    return failure.exitCode;
  }
}

export { InvalidArgumentError, Option };
