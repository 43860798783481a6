import { InstanceRegistry, loadConfig, startPlatform } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { cliHarness } from '../testing/cli-harness.ts';

describeEachDatabase('nhi instance', (kind, newDatabase) => {
  async function setup() {
    const { env, run } = await cliHarness(kind, newDatabase);
    /** Where the realm is served, read after the command closed the database. */
    async function placementOf(slug: string) {
      const runtime = await startPlatform({ config: loadConfig(env), firstStart: false });
      try {
        const realm = await runtime.database.systemPrisma.realm.findUniqueOrThrow({
          where: { slug },
          select: { id: true },
        });
        return (await runtime.root.resolve(InstanceRegistry).placementOf(realm.id))?.name ?? null;
      } finally {
        await runtime.shutdown();
      }
    }
    return { run, placementOf };
  }

  it('adds, lists and removes instances', async () => {
    const { run } = await setup();

    expect(await run('instance', 'list')).toMatchObject({
      code: 0,
      stdout: 'No instances: the hub serves every realm itself.\n',
    });
    expect(await run('instance', 'add', 'worker-a', '--url', 'https://a.example.com/')).toMatchObject({
      code: 0,
      stdout: 'Added instance worker-a (https://a.example.com)\n',
    });
    expect(await run('instance', 'list')).toMatchObject({
      code: 0,
      stdout: 'worker-a\thttps://a.example.com\tactive\t0 realms\theartbeat never\n',
    });
    expect(await run('instance', 'remove', 'worker-a')).toMatchObject({
      code: 0,
      stdout: 'Removed instance worker-a\n',
    });
    expect((await run('instance', 'list')).stdout).toMatch(/^No instances/);
  });

  it('creates a realm on an instance and refuses to remove the instance while it serves the realm', async () => {
    const { run, placementOf } = await setup();
    await run('instance', 'add', 'worker-a', '--url', 'https://a.example.com');

    const created = await run('realm', 'create', '--slug', 'payments', '--instance', 'worker-a');
    const local = await run('realm', 'create', '--slug', 'ops');

    expect(created).toMatchObject({ code: 0, stdout: expect.stringMatching(/on instance worker-a\n$/) });
    expect(local).toMatchObject({ code: 0, stdout: expect.not.stringMatching(/instance/) });
    expect(await placementOf('payments')).toBe('worker-a');
    expect(await placementOf('ops')).toBeNull();
    expect((await run('instance', 'list')).stdout).toContain('\t1 realm\t');
    expect(await run('instance', 'remove', 'worker-a')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/worker-a.*1 realm/),
    });
  });

  it('explains mistakes with a message and a non-zero exit code', async () => {
    const { run } = await setup();
    await run('instance', 'add', 'worker-a', '--url', 'https://a.example.com');

    expect(await run('instance', 'add', 'worker-a', '--url', 'https://b.example.com')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/worker-a/),
    });
    expect(await run('instance', 'add', 'Worker B', '--url', 'https://b.example.com')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/name/),
    });
    expect(await run('instance', 'add', 'worker-b', '--url', 'not a url')).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/baseUrl/),
    });
    expect((await run('instance', 'add', 'worker-b')).code).toBe(2);
    expect(await run('instance', 'remove', 'nowhere')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/nowhere/),
    });
    expect(await run('realm', 'create', '--slug', 'payments', '--instance', 'nowhere')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/nowhere/),
    });
  });
});
