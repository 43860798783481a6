import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DependencyContainer } from 'tsyringe';
import { onTestFinished } from 'vitest';
import { type Config, loadConfig } from '../config/config.ts';
import type { Clock } from '../context/request-context.ts';
import type { PlatformDatabase } from '../database/platform-database.ts';
import { PLATFORM_DATABASE } from '../database/tokens.ts';
import { createRootContainer } from '../di/container.ts';
import { CLOCK, CONFIG, LOGGER } from '../di/tokens.ts';
import { registerFingerprints } from '../fingerprints/register-fingerprints.ts';
import { createLogger, type Logger } from '../logging/logger.ts';
import { AuthService } from './auth.service.ts';
import type { BuiltInRole } from './permissions.ts';
import { RealmAdminService } from './realm-admin.service.ts';
import { registerAuth } from './register-auth.ts';
import { SessionTokens } from './session-tokens.ts';
import { SigningKeys } from './signing-keys.ts';

/** A clock that moves only when told to: expiry and renewal are tested without sleeping. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start = new Date('2026-03-02T09:00:00.000Z')) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  advanceSeconds(seconds: number): void {
    this.current += seconds * 1000;
  }
}

export const testPassword = 'correct horse battery staple';

/** One hub process: a root container with auth registered, over the given database. */
export function startHub(
  db: PlatformDatabase,
  clock: Clock,
  env: Record<string, string>,
  dataDir: string,
  logger: Logger = createLogger({ level: 'silent' }),
) {
  const config: Config = loadConfig({ NHI_DATA_DIR: dataDir, ...env });
  const root: DependencyContainer = createRootContainer();
  root.register(CONFIG, { useValue: config });
  root.register(LOGGER, { useValue: logger });
  root.register(CLOCK, { useValue: clock });
  root.register(PLATFORM_DATABASE, { useValue: db });
  registerAuth(root);
  registerFingerprints(root);
  return {
    root,
    config,
    auth: root.resolve(AuthService),
    sessionTokens: root.resolve(SessionTokens),
    signingKeys: root.resolve(SigningKeys),
    realmAdmin: root.resolve(RealmAdminService),
  };
}

export async function temporaryDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nhi-auth-test-'));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A database, a clock and one hub process, plus shortcuts to populate realms. */
export async function setupHub(
  newDatabase: () => Promise<PlatformDatabase>,
  env: Record<string, string> = {},
  options: { logger?: Logger } = {},
) {
  const db = await newDatabase();
  const clock = new ManualClock();
  const dataDir = await temporaryDir();
  const hub = startHub(db, clock, env, dataDir, options.logger);

  async function realm(slug: string, name = slug) {
    return hub.realmAdmin.createRealm({ slug, name });
  }

  async function member(email: string, realmSlug: string, role: BuiltInRole = 'viewer') {
    const created = await hub.realmAdmin.createUser({ email, realmSlug, role, password: testPassword });
    return created.user;
  }

  async function loggedIn(email: string, ip = '203.0.113.7') {
    return hub.auth.login({ email, password: testPassword, ip });
  }

  return { ...hub, db, clock, dataDir, realm, member, loggedIn };
}
