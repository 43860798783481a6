import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  AuthService,
  type BuiltInRole,
  CLOCK,
  type Clock,
  CONFIG,
  createLogger,
  createRootContainer,
  LOGGER,
  loadConfig,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  RealmAdminService,
  registerAuth,
  registerFingerprints,
} from '@nhi/platform';
import { onTestFinished } from 'vitest';

export const testPassword = 'correct horse battery staple';

/** Moves only when told to, so expiry is tested without waiting. */
export class ManualClock implements Clock {
  private current = new Date('2026-03-02T09:00:00.000Z').getTime();

  now(): Date {
    return new Date(this.current);
  }

  advanceSeconds(seconds: number): void {
    this.current += seconds * 1000;
  }
}

/**
 * A hub's root container over a fresh test database, as the runtime builds it, plus
 * shortcuts to create realms and members and to log them in.
 */
export async function setupHub(
  newDatabase: () => Promise<PlatformDatabase>,
  env: Record<string, string> = {},
) {
  const db = await newDatabase();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'nhi-hub-test-'));
  onTestFinished(() => fs.rm(dataDir, { recursive: true, force: true }));
  const clock = new ManualClock();
  const config = loadConfig({ NHI_DATA_DIR: dataDir, ...env });
  const root = createRootContainer();
  root.register(CONFIG, { useValue: config });
  root.register(LOGGER, { useValue: createLogger({ level: 'silent' }) });
  root.register(CLOCK, { useValue: clock });
  root.register(PLATFORM_DATABASE, { useValue: db });
  registerAuth(root);
  registerFingerprints(root);
  const realmAdmin = root.resolve(RealmAdminService);
  const auth = root.resolve(AuthService);

  return {
    root,
    config,
    clock,
    db,
    realm: (slug: string, name = slug) => realmAdmin.createRealm({ slug, name }),
    member: async (email: string, realmSlug: string, role: BuiltInRole) =>
      (await realmAdmin.createUser({ email, realmSlug, role, password: testPassword })).user,
    logIn: (email: string) => auth.login({ email, password: testPassword, ip: '203.0.113.9' }),
  };
}
