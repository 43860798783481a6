import { hashApiToken, loadConfig, ScimTokens, startPlatform } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { cliHarness } from '../testing/cli-harness.ts';

describeEachDatabase('nhi scim-token', (kind, newDatabase) => {
  it('creates a token printed once and stored hashed, lists it, and revokes it', async () => {
    const { env, run } = await cliHarness(kind, newDatabase);
    await run('realm', 'create', '--slug', 'payments');

    const created = await run(
      'scim-token',
      'create',
      '--realm',
      'payments',
      '--name',
      'Entra ID',
      '--role',
      'editor',
    );
    const token = created.stdout.trim();
    expect(created.code).toBe(0);
    expect(token).toMatch(/^nhiscim_[0-9A-Za-z]{43}$/);

    const listed = await run('scim-token', 'list', '--realm', 'payments');
    expect(listed.stdout).toContain('Entra ID  editor  active');
    expect(listed.stdout).not.toContain(token);
    const id = listed.stdout.split(' ')[0] as string;
    expect((await run('scim-token', 'revoke', '--realm', 'payments', '--id', id)).code).toBe(0);

    const runtime = await startPlatform({ config: loadConfig(env), firstStart: false });
    try {
      const stored = await runtime.database.systemPrisma.scimToken.findUniqueOrThrow({ where: { id } });
      expect(stored).toMatchObject({ tokenHash: hashApiToken(token), defaultRole: 'editor' });
      expect(stored.revokedAt).not.toBeNull();
      await expect(runtime.root.resolve(ScimTokens).authenticate(`Bearer ${token}`)).rejects.toMatchObject({
        status: 401,
      });
    } finally {
      await runtime.shutdown();
    }
    expect((await run('scim-token', 'create', '--realm', 'nowhere', '--name', 'x')).code).not.toBe(0);
  });
});
