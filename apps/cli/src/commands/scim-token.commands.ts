import { ScimTokens } from '@nhi/platform';
import { type Command, Option } from 'commander';
import type { CliIo } from '../cli-io.ts';
import { withPlatform } from './with-platform.ts';

const operator = { kind: 'system', name: 'cli' } as const;

export function registerScimTokenCommands(program: Command, io: CliIo): void {
  const scimToken = program
    .command('scim-token')
    .description('SCIM provisioning tokens of a realm, for its identity provider (/scim/v2)');

  scimToken
    .command('create')
    .description('Create a SCIM token for a realm; the token is printed once')
    .requiredOption('--realm <slug>', 'the realm the identity provider provisions')
    .requiredOption('--name <name>', 'what the token is for, e.g. "Entra ID"')
    .addOption(
      new Option('--role <role>', 'role of provisioned users in the realm')
        .choices(['admin', 'editor', 'viewer'])
        .default('viewer'),
    )
    .action(async (options: { realm: string; name: string; role: 'admin' | 'editor' | 'viewer' }) => {
      const created = await withPlatform(io, async (runtime) => {
        const tokens = runtime.root.resolve(ScimTokens);
        const realm = await tokens.realmBySlug(options.realm);
        return tokens.create({ realmId: realm.id, name: options.name, defaultRole: options.role }, operator);
      });
      io.stdout.write(`${created.token}\n`);
    });

  scimToken
    .command('list')
    .description('List the SCIM tokens of a realm (never the tokens themselves)')
    .requiredOption('--realm <slug>', 'the realm')
    .action(async (options: { realm: string }) => {
      const tokens = await withPlatform(io, async (runtime) => {
        const service = runtime.root.resolve(ScimTokens);
        return service.list((await service.realmBySlug(options.realm)).id);
      });
      for (const token of tokens) {
        const state = token.revokedAt ? `revoked ${token.revokedAt.toISOString()}` : 'active';
        io.stdout.write(`${token.id}  ${token.prefix}…  ${token.name}  ${token.defaultRole}  ${state}\n`);
      }
    });

  scimToken
    .command('revoke')
    .description('Revoke a SCIM token: the identity provider’s next call is refused')
    .requiredOption('--realm <slug>', 'the realm')
    .requiredOption('--id <id>', 'the token’s id (scim-token list)')
    .action(async (options: { realm: string; id: string }) => {
      await withPlatform(io, async (runtime) => {
        const tokens = runtime.root.resolve(ScimTokens);
        const realm = await tokens.realmBySlug(options.realm);
        await tokens.revoke({ realmId: realm.id, tokenId: options.id }, operator);
      });
      io.stdout.write(`Revoked SCIM token ${options.id}\n`);
    });
}
