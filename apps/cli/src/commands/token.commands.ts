import { randomUUID } from 'node:crypto';
import { ApiTokenService, openRequestScope, RealmAdminService, systemClock } from '@nhi/platform';
import type { Command } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { parseExpiry } from '../parse-expiry.ts';
import { withPlatform } from './with-platform.ts';

export function registerTokenCommands(program: Command, io: CliIo): void {
  const token = program.command('token').description('API tokens for /api/trpc');

  token
    .command('create')
    .description('Create an API token for a user in a realm; the token is printed once')
    .requiredOption('--email <email>', 'the user the token acts as')
    .requiredOption('--realm <slug>', 'the realm the token is bound to')
    .requiredOption('--name <name>', 'what the token is for')
    .option('--expires <when>', 'duration (30d, 12h, 4w) or ISO date; no expiry when omitted')
    .option('--permissions <list>', 'comma-separated subset of the user’s permissions (all when omitted)')
    .action(
      async (options: {
        email: string;
        realm: string;
        name: string;
        expires?: string;
        permissions?: string;
      }) => {
        const expiresAt = options.expires ? parseExpiry(options.expires, new Date()) : undefined;
        const permissions = options.permissions
          ?.split(',')
          .map((p) => p.trim())
          .filter(Boolean);
        const created = await withPlatform(io, async (runtime) => {
          const member = await runtime.root
            .resolve(RealmAdminService)
            .findMember(options.email, options.realm);
          // The CLI is system code acting for the user, inside the user's realm.
          const scope = await openRequestScope(runtime.root, {
            context: {
              requestId: randomUUID(),
              realm: { id: member.realm.id, slug: member.realm.slug },
              principal: { kind: 'system', name: 'cli' },
              clock: systemClock,
            },
            credential: 'bearer',
          });
          return scope.container
            .resolve(ApiTokenService)
            .create({ userId: member.userId, name: options.name, expiresAt, permissions });
        });
        io.stdout.write(`${created.token}\n`);
      },
    );
}
