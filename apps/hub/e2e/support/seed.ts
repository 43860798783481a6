import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, RealmAdminService, startPlatform } from '@nhi/platform';
import { onTestFinished } from 'vitest';

export const adminEmail = 'admin@nhi.local';
export const adminPassword = 'e2e-admin-password';

export async function temporaryDataDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nhi-hub-e2e-'));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Prepares a data directory as an operator would before starting the hub: first start
 * (hub realm and admin), a second realm, and the admin as a viewer there. Done through the
 * platform's services and closed again, since PGlite serves one process at a time.
 */
export async function seedTwoRealms(dataDir: string): Promise<void> {
  const runtime = await startPlatform({
    config: loadConfig({ NHI_DATA_DIR: dataDir, NHI_ADMIN_PASSWORD: adminPassword, LOG_LEVEL: 'warn' }),
  });
  try {
    const realmAdmin = runtime.root.resolve(RealmAdminService);
    await realmAdmin.createRealm({ slug: 'ops', name: 'Operations' });
    await realmAdmin.createUser({ email: adminEmail, realmSlug: 'ops', role: 'viewer' });
  } finally {
    await runtime.shutdown();
  }
}
