import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { demoRealmSlug } from '@nhi/nhi/demo';
import { loadConfig, type PlatformRuntime, startPlatform } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it, onTestFinished } from 'vitest';
import { seedDemoOnFirstStart } from './demo-data.server.ts';

describeEachDatabase('demo data on start', (kind, newDatabase) => {
  async function setup() {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nhi-hub-demo-'));
    onTestFinished(() => fs.rm(dataDir, { recursive: true, force: true }));
    const databaseUrl = kind === 'postgres' ? (await newDatabase()).url : undefined;
    /** One hub start: the platform opens, the demo step runs, the platform closes. */
    async function start(env: Record<string, string>, inspect?: (runtime: PlatformRuntime) => Promise<void>) {
      const runtime = await startPlatform({
        config: loadConfig({
          NHI_DATA_DIR: dataDir,
          NHI_ADMIN_PASSWORD: 'correct horse battery staple',
          LOG_LEVEL: 'silent',
          ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
          ...env,
        }),
      });
      try {
        await seedDemoOnFirstStart(runtime);
        await inspect?.(runtime);
      } finally {
        await runtime.shutdown();
      }
    }
    const demoNhis = (runtime: PlatformRuntime) =>
      runtime.database.systemPrisma.nhi.findMany({
        where: { realm: { slug: demoRealmSlug } },
        select: { id: true, name: true },
        orderBy: { id: 'asc' },
      });
    return { start, demoNhis };
  }

  it('seeds nothing unless NHI_DEMO_DATA is true', async () => {
    const { start } = await setup();

    await start({}, async (runtime) => {
      expect(await runtime.database.systemPrisma.realm.count({ where: { slug: demoRealmSlug } })).toBe(0);
    });
  });

  it('seeds the demo realm on the first start with NHI_DEMO_DATA and leaves it as it is on the next', async () => {
    const { start, demoNhis } = await setup();
    let seeded: { id: string; name: string }[] = [];

    await start({ NHI_DEMO_DATA: 'true' }, async (runtime) => {
      seeded = await demoNhis(runtime);
      const [first] = seeded;
      await runtime.database.systemPrisma.nhi.update({
        where: { id: first?.id },
        data: { name: 'renamed after the first start' },
        select: { id: true },
      });
    });
    await start({ NHI_DEMO_DATA: 'true' }, async (runtime) => {
      const after = await demoNhis(runtime);
      expect(after.map((nhi) => nhi.id)).toEqual(seeded.map((nhi) => nhi.id));
      expect(after[0]?.name).toBe('renamed after the first start');
    });
    expect(seeded.length).toBeGreaterThanOrEqual(200);
  });
});
