import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { createLogger } from '../logging/logger.ts';
import { describeEachDatabase } from '../testing/describe-each-database.ts';
import { ManualClock, startHub, temporaryDir } from './auth-test-setup.ts';
import { ensureFirstStart, initialPasswordFileName } from './first-start.ts';

const logger = createLogger({ level: 'silent' });

describeEachDatabase('first start', (_kind, newDatabase) => {
  async function setup(env: Record<string, string> = {}) {
    const db = await newDatabase();
    const dataDir = path.join(await temporaryDir(), 'data');
    const hub = startHub(db, new ManualClock(), env, dataDir);
    const printed: string[] = [];
    const firstStart = () =>
      ensureFirstStart(db, hub.config, logger, { print: (text) => printed.push(text) });
    return { db, dataDir, hub, printed, firstStart };
  }

  it('creates the hub realm and an admin with a generated password, shown once and kept in a private file', async () => {
    const { db, dataDir, hub, printed, firstStart } = await setup();

    const result = await firstStart();

    const file = path.join(dataDir, initialPasswordFileName);
    expect(result).toMatchObject({ created: true, realm: { slug: 'hub', name: 'Hub' }, passwordFile: file });
    const password = (await fs.readFile(file, 'utf8')).trim();
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain(password);
    expect(printed[0]).toContain('admin@nhi.local');
    const login = await hub.auth.login({ email: 'admin@nhi.local', password, ip: '127.0.0.1' });
    expect(login.realm.slug).toBe('hub');
    expect(await hub.auth.realmsOf(login.user.id)).toEqual([
      expect.objectContaining({ slug: 'hub', role: 'admin' }),
    ]);
    const audit = await db.systemPrisma.auditLog.findMany({
      select: { action: true, actorType: true, after: true },
    });
    // What the first start wrote, and the admin's login after it.
    expect(audit.map((row) => row.action).sort()).toEqual([
      'auth.login',
      'member.add',
      'realm.create',
      'user.create',
    ]);
    expect(
      audit.filter((row) => row.action !== 'auth.login').every((row) => row.actorType === 'system'),
    ).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(password);
  });

  it('does nothing on later starts', async () => {
    const { db, dataDir, printed, firstStart } = await setup();
    await firstStart();
    const file = path.join(dataDir, initialPasswordFileName);
    const password = await fs.readFile(file, 'utf8');

    expect(await firstStart()).toEqual({ created: false });

    expect(printed).toHaveLength(1);
    expect(await fs.readFile(file, 'utf8')).toBe(password);
    expect(await db.systemPrisma.user.count()).toBe(1);
    expect(await db.systemPrisma.realm.count()).toBe(1);
  });

  it('uses NHI_ADMIN_EMAIL and NHI_ADMIN_PASSWORD when set, and then writes and prints nothing', async () => {
    const { dataDir, hub, printed, firstStart } = await setup({
      NHI_ADMIN_EMAIL: 'Root@Example.com',
      NHI_ADMIN_PASSWORD: 'a configured password',
    });

    expect(await firstStart()).toMatchObject({ created: true, admin: { email: 'root@example.com' } });

    expect(printed).toEqual([]);
    await expect(fs.access(path.join(dataDir, initialPasswordFileName))).rejects.toThrow();
    await expect(
      hub.auth.login({ email: 'root@example.com', password: 'a configured password', ip: '127.0.0.1' }),
    ).resolves.toMatchObject({ realm: { slug: 'hub' } });
  });

  it('leaves a database that already has users alone', async () => {
    const { db, hub, printed, firstStart } = await setup();
    await hub.realmAdmin.createRealm({ slug: 'ops', name: 'Ops' });
    await hub.realmAdmin.createUser({ email: 'someone@example.com', realmSlug: 'ops', role: 'admin' });

    expect(await firstStart()).toEqual({ created: false });

    expect(printed).toEqual([]);
    expect(await db.systemPrisma.realm.findUnique({ where: { slug: 'hub' } })).toBeNull();
  });
});
