import { loadConfig, MfaService, startPlatform, totpCodeAt } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { cliHarness } from '../testing/cli-harness.ts';

describeEachDatabase('nhi user mfa-reset', (kind, newDatabase) => {
  it('removes the second factor of a user who lost it, and says when there is none', async () => {
    const { env, run } = await cliHarness(kind, newDatabase);
    await run('realm', 'create', '--slug', 'payments');
    const password = 'a password of the test';
    const args = ['--email', 'ops@example.com', '--realm', 'payments', '--role', 'editor'];
    expect((await run('user', 'create', ...args, '--password', password)).code).toBe(0);

    // The embedded database serves one process at a time: the set-up is done before the CLI runs.
    const runtime = await startPlatform({ config: loadConfig(env), firstStart: false });
    try {
      const mfa = runtime.root.resolve(MfaService);
      const prisma = runtime.database.systemPrisma;
      const user = await prisma.user.findUniqueOrThrow({ where: { email: 'ops@example.com' } });
      const realm = await prisma.realm.findUniqueOrThrow({ where: { slug: 'payments' } });
      const { secret } = await mfa.beginEnrolment(user.id, password);
      await mfa.confirmEnrolment(
        {
          principal: { kind: 'user', userId: user.id, email: user.email, sessionId: 's' },
          realmId: realm.id,
        },
        await totpCodeAt(secret, new Date()),
      );
    } finally {
      await runtime.shutdown();
    }

    const reset = await run('user', 'mfa-reset', '--email', 'ops@example.com');
    expect(reset).toMatchObject({ code: 0 });
    expect(reset.stdout).toContain('Second factor of ops@example.com removed');
    expect((await run('user', 'mfa-reset', '--email', 'ops@example.com')).stdout).toBe(
      'ops@example.com has no second factor\n',
    );
    expect((await run('user', 'mfa-reset', '--email', 'nobody@example.com')).code).not.toBe(0);
  });
});
