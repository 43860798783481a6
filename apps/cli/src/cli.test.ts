import { AuthService, loadConfig, startPlatform } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { type CliHarnessOptions, cliHarness } from './testing/cli-harness.ts';

describeEachDatabase('nhi CLI', (kind, newDatabase) => {
  const setup = (options: CliHarnessOptions = {}) => cliHarness(kind, newDatabase, options);

  it('migrates a new database once and then reports it up to date', async () => {
    const { run } = await setup({ fresh: true });
    const first = await run('db', 'migrate');
    expect(first.code).toBe(0);
    const second = await run('db', 'migrate');
    expect(second).toMatchObject({ code: 0, stdout: 'Database is up to date.\n' });
  });

  it('creates a realm, a member and a token that authenticates in that realm', async () => {
    const { run, env } = await setup();
    expect((await run('realm', 'create', '--slug', 'payments', '--name', 'Payments')).code).toBe(0);
    const user = await run(
      'user',
      'create',
      '--email',
      'ops@example.com',
      '--realm',
      'payments',
      '--role',
      'editor',
    );
    expect(user.code).toBe(0);
    expect(user.stdout).toMatch(/Password \(shown once\): \S{16,}/);
    const token = await run(
      'token',
      'create',
      '--email',
      'ops@example.com',
      '--realm',
      'payments',
      '--name',
      'ci',
      '--expires',
      '30d',
    );
    expect(token.code).toBe(0);
    const issued = token.stdout.trim();
    expect(issued).toMatch(/^nhi_/);

    const runtime = await startPlatform({
      config: loadConfig(env),
      migrate: false,
      firstStart: false,
      logger: undefined,
    });
    try {
      const caller = await runtime.root.resolve(AuthService).authenticate({ bearerToken: issued });
      expect(caller.realm.slug).toBe('payments');
      expect(caller.principal).toMatchObject({ kind: 'token', email: 'ops@example.com' });
    } finally {
      await runtime.shutdown();
    }
  });

  it('prints only the token on stdout, even when the command set up a new database', async () => {
    const { run } = await setup({ generatedAdminPassword: true });
    const result = await run(
      'token',
      'create',
      '--email',
      'admin@nhi.local',
      '--realm',
      'hub',
      '--name',
      'script',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^nhi_\w+\n$/);
    if (kind === 'pglite') expect(result.stderr).toMatch(/first administrator was created/);
  });

  it('rotates the session signing key to a new one each time', async () => {
    const { run } = await setup();
    const first = await run('keys', 'rotate');
    const second = await run('keys', 'rotate');
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const kidOf = (output: string) => output.match(/New signing key (\S+)\./)?.[1];
    expect(kidOf(first.stdout)).toBeDefined();
    expect(kidOf(second.stdout)).not.toBe(kidOf(first.stdout));
  });

  it('refuses to mark a migration rolled back that did not fail', async () => {
    const { run } = await setup();
    await run('db', 'migrate');
    const result = await run('db', 'migrate:resolve', '--rolled-back', '20261122144239_init');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/20261122144239_init/);
  });

  it('explains mistakes with a message and a non-zero exit code', async () => {
    const { run } = await setup();
    expect(await run('realm', 'create', '--slug', 'hub')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/hub/),
    });
    const unknownRealm = await run(
      'user',
      'create',
      '--email',
      'a@example.com',
      '--realm',
      'nowhere',
      '--role',
      'viewer',
    );
    expect(unknownRealm.code).toBe(1);
    expect(unknownRealm.stderr).toMatch(/nowhere/);
    const badRole = await run(
      'user',
      'create',
      '--email',
      'a@example.com',
      '--realm',
      'hub',
      '--role',
      'owner',
    );
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toMatch(/owner/);
    const badExpiry = await run(
      'token',
      'create',
      '--email',
      'admin@nhi.local',
      '--realm',
      'hub',
      '--name',
      'x',
      '--expires',
      'soon',
    );
    expect(badExpiry).toMatchObject({ code: 2, stderr: expect.stringMatching(/--expires/) });
    expect((await run('frobnicate')).code).toBe(2);
  });
});
