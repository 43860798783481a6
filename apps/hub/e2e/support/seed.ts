import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { NhiQueryService } from '@nhi/nhi';
import { seedDemoRealm } from '@nhi/nhi/demo';
import { loadConfig, openRequestScope, RealmAdminService, startPlatform, systemClock } from '@nhi/platform';
import { PolicyService, registerPolicy } from '@nhi/policy';
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

/** The filter the inventory e2e applies in the browser, as the list service takes it. */
export const demoFilter = { provider: ['aws'] as ['aws'], q: 'prod' };

/**
 * The demo realm, seeded as `nhi seed --demo` does, plus what the list service answers for the
 * whole realm and for `demoFilter`: the numbers the page must show.
 */
export async function seedDemo(dataDir: string): Promise<{ total: number; filteredTotal: number }> {
  const runtime = await startPlatform({
    config: loadConfig({ NHI_DATA_DIR: dataDir, NHI_ADMIN_PASSWORD: adminPassword, LOG_LEVEL: 'warn' }),
  });
  try {
    const { realm } = await seedDemoRealm(runtime.root, { adminEmail });
    const scope = await openRequestScope(runtime.root, {
      context: {
        requestId: 'e2e-seed',
        realm,
        principal: { kind: 'system', name: 'e2e' },
        clock: systemClock,
      },
      credential: 'bearer',
    });
    const list = scope.container.resolve(NhiQueryService);
    const all = await list.list({ limit: 1 });
    const filtered = await list.list({ ...demoFilter, limit: 1 });
    return { total: all.total, filteredTotal: filtered.total };
  } finally {
    await runtime.shutdown();
  }
}

export const memberEmail = 'member@nhi.local';
export const memberPassword = 'e2e-member-password';

/** First start, a viewer in the hub realm, and a top-level group Security for the admin to work under. */
export async function seedPolicyRealm(dataDir: string): Promise<void> {
  const runtime = await startPlatform({
    config: loadConfig({ NHI_DATA_DIR: dataDir, NHI_ADMIN_PASSWORD: adminPassword, LOG_LEVEL: 'warn' }),
    modules: [registerPolicy],
  });
  try {
    const realmAdmin = runtime.root.resolve(RealmAdminService);
    const { realm } = await realmAdmin.createUser({
      email: memberEmail,
      realmSlug: 'hub',
      role: 'viewer',
      password: memberPassword,
    });
    const scope = await openRequestScope(runtime.root, {
      context: {
        requestId: 'e2e-seed',
        realm,
        principal: { kind: 'system', name: 'e2e' },
        clock: systemClock,
      },
      credential: 'bearer',
    });
    await scope.container.resolve(PolicyService).createGroup({ name: 'Security' });
  } finally {
    await runtime.shutdown();
  }
}
