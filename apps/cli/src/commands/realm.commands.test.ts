import { loadConfig, startPlatform } from '@nhi/platform';
import { describeEachDatabase, startTestWorker } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { cliHarness } from '../testing/cli-harness.ts';

describeEachDatabase('nhi realm move', (kind, newDatabase) => {
  async function setup() {
    const { env, run } = await cliHarness(kind, newDatabase);
    const worker = await startTestWorker();
    /** Reads the hub's database after the command closed it. */
    async function onHub<T>(
      read: (prisma: Awaited<ReturnType<typeof startPlatform>>['database']['systemPrisma']) => Promise<T>,
    ) {
      const runtime = await startPlatform({ config: loadConfig(env), firstStart: false });
      try {
        return await read(runtime.database.systemPrisma);
      } finally {
        await runtime.shutdown();
      }
    }
    await run('instance', 'add', 'worker-a', '--url', worker.url);
    await run('realm', 'create', '--slug', 'payments');
    await run('user', 'create', '--email', 'ana@example.com', '--realm', 'payments', '--role', 'editor');
    const realmId = await onHub(async (prisma) => {
      const realm = await prisma.realm.findUniqueOrThrow({ where: { slug: 'payments' } });
      const source = await prisma.source.create({
        data: { realmId: realm.id, type: 'github', name: 'repos' },
      });
      await prisma.scan.create({
        data: {
          realmId: realm.id,
          sourceId: source.id,
          input: 'live',
          state: 'succeeded',
          triggeredByType: 'user',
        },
      });
      return realm.id;
    });
    return { run, worker, onHub, realmId };
  }

  it('moves a realm to a worker and back, printing each step and the rows of each table', async () => {
    const { run, worker, onHub, realmId } = await setup();

    const there = await run('realm', 'move', 'payments', '--to', 'worker-a');

    expect(there).toMatchObject({ code: 0, stderr: '' });
    expect(there.stdout).toMatch(/^Realm payments is read-only while it moves from hub to worker-a\n/);
    expect(there.stdout).toMatch(/\n {2}Scan +1 → 1\n/);
    expect(there.stdout).toMatch(/\nMoved realm payments from hub to worker-a\n$/);
    expect(await worker.db.systemPrisma.scan.count({ where: { realmId } })).toBe(1);
    expect(await worker.db.systemPrisma.realmMembership.count({ where: { realmId } })).toBe(1);
    expect(
      await onHub(async (prisma) => ({
        scans: await prisma.scan.count({ where: { realmId } }),
        placed: (
          await prisma.realm.findUniqueOrThrow({ where: { id: realmId }, include: { instance: true } })
        ).instance?.name,
      })),
    ).toEqual({ scans: 0, placed: 'worker-a' });

    const back = await run('realm', 'move', 'payments', '--to', 'hub');

    expect(back).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/Moved realm payments from worker-a to hub\n$/),
    });
    expect(await onHub((prisma) => prisma.scan.count({ where: { realmId } }))).toBe(1);
    expect(await worker.db.systemPrisma.realm.count({ where: { id: realmId } })).toBe(0);
    // Each command and each look at the hub's database opens the embedded database anew (seconds of
    // CPU apiece on a busy machine): eight of them here.
  }, 180_000);

  it('exits non-zero with the reason when the move is refused', async () => {
    const { run, onHub, realmId } = await setup();
    await onHub((prisma) => prisma.scan.updateMany({ where: { realmId }, data: { state: 'running' } }));

    expect(await run('realm', 'move', 'payments', '--to', 'worker-a', '--wait-seconds', '0')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(
        /1 scan\(s\) of realm payments still running after 0 s; nothing was moved/,
      ),
    });
    expect(await run('realm', 'move', 'payments', '--to', 'hub')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/already served by hub/),
    });
    expect(await run('realm', 'move', 'nowhere', '--to', 'worker-a')).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/Realm nowhere was not found/),
    });
    expect(
      await run('realm', 'move', 'payments', '--to', 'worker-a', '--wait-seconds', 'soon'),
    ).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/--wait-seconds takes a whole number/),
    });
  });
});
