import { InstanceSync, MfaService, RealmAdminService } from '@nhi/platform';
import { type Command, Option } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { withPlatform } from './with-platform.ts';

export function registerUserCommands(program: Command, io: CliIo): void {
  const user = program.command('user').description('Users and their realm memberships');

  user
    .command('create')
    .description('Create a user (or add an existing one) as a member of a realm')
    .requiredOption('--email <email>', 'login email')
    .requiredOption('--realm <slug>', 'realm to join')
    .addOption(
      new Option('--role <role>', 'built-in role')
        .choices(['admin', 'editor', 'viewer'])
        .makeOptionMandatory(),
    )
    .option('--password <password>', 'initial password (a random one is generated and printed when omitted)')
    .action(
      async (options: {
        email: string;
        realm: string;
        role: 'admin' | 'editor' | 'viewer';
        password?: string;
      }) => {
        const { result, synced } = await withPlatform(io, async (runtime) => {
          const created = await runtime.root.resolve(RealmAdminService).createUser({
            email: options.email,
            realmSlug: options.realm,
            role: options.role,
            password: options.password,
          });
          // A realm a worker serves learns of its new member now.
          return {
            result: created,
            synced: await runtime.root.resolve(InstanceSync).syncRealm(created.realm.id),
          };
        });
        if (synced?.error) io.stderr.write(`Warning: ${synced.error}\n`);
        io.stdout.write(`User ${result.user.email} is ${options.role} in realm ${options.realm}\n`);
        if (result.generatedPassword) io.stdout.write(`Password (shown once): ${result.generatedPassword}\n`);
      },
    );

  user
    .command('mfa-reset')
    .description('Remove a user’s second factor (TOTP and recovery codes), e.g. after a lost phone')
    .requiredOption('--email <email>', 'login email')
    .action(async (options: { email: string }) => {
      const reset = await withPlatform(io, (runtime) =>
        runtime.root.resolve(MfaService).resetByOperator(options.email, 'cli'),
      );
      io.stdout.write(
        reset
          ? `Second factor of ${options.email} removed: the password alone logs in until it is set up again\n`
          : `${options.email} has no second factor\n`,
      );
    });
}
