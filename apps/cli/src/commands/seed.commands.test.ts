import { demoRealmSlug } from '@nhi/nhi/demo';
import { loadConfig, startPlatform } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { cliHarness } from '../testing/cli-harness.ts';

describeEachDatabase('nhi seed', (kind, newDatabase) => {
  async function setup() {
    const { env, run } = await cliHarness(kind, newDatabase);
    /** What the database holds for the demo realm, read after the command closed it. */
    async function demoRealm() {
      const runtime = await startPlatform({ config: loadConfig(env), firstStart: false });
      try {
        const prisma = runtime.database.systemPrisma;
        const realm = await prisma.realm.findUnique({
          where: { slug: demoRealmSlug },
          select: { id: true, name: true },
        });
        if (!realm) return null;
        const nhis = await prisma.nhi.findMany({ where: { realmId: realm.id }, select: { id: true } });
        const admin = await prisma.realmMembership.findFirst({
          where: { realmId: realm.id, user: { email: 'admin@nhi.local' } },
          select: { role: true },
        });
        return { name: realm.name, ids: nhis.map((nhi) => nhi.id), adminRole: admin?.role };
      } finally {
        await runtime.shutdown();
      }
    }
    return { run, demoRealm };
  }

  it('creates the demo realm with the admin in it, and a second run refreshes its identities', async () => {
    const { run, demoRealm } = await setup();

    const first = await run('seed', '--demo');
    const seeded = await demoRealm();
    const second = await run('seed', '--demo');
    const refreshed = await demoRealm();

    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^Seeded realm demo \(“Demo \(synthetic data\)”\): \d+ identities, \d+ credentials\n$/,
    );
    expect(seeded).toMatchObject({ name: 'Demo (synthetic data)', adminRole: 'admin' });
    expect(seeded?.ids.length).toBeGreaterThanOrEqual(200);
    expect(second.code).toBe(0);
    expect(refreshed?.ids).toHaveLength(seeded?.ids.length ?? 0);
    expect(refreshed?.ids.some((id) => seeded?.ids.includes(id))).toBe(false);
  });

  it('asks what to seed when --demo is missing, and seeds nothing', async () => {
    const { run, demoRealm } = await setup();

    const result = await run('seed');

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--demo');
    expect(await demoRealm()).toBeNull();
  });
});
