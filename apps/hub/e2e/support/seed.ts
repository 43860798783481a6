import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AlertService } from '@nhi/alert';
import { NhiQueryService } from '@nhi/nhi';
import { seedDemoRealm } from '@nhi/nhi/demo';
import {
  loadConfig,
  openRequestScope,
  type PlatformRuntime,
  REALM_DB,
  RealmAdminService,
  type RealmRef,
  type RequestScope,
  type StartOptions,
  startPlatform,
  systemClock,
} from '@nhi/platform';
import { PolicyService, registerPolicy } from '@nhi/policy';
import { inject, onTestFinished } from 'vitest';
import { adminEmail, adminPassword } from './seed-constants.ts';

export { adminEmail, adminPassword } from './seed-constants.ts';

/** An empty data directory, removed after the test: for tests of the first start itself. */
export async function emptyDataDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'nhi-hub-e2e-'));
  onTestFinished(() => fs.rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A data directory the hub has started on once (migrated, the first admin created with
 * adminPassword), removed after the test: a copy of the one the global setup made.
 */
export async function temporaryDataDir(): Promise<string> {
  const dir = await emptyDataDir();
  await fs.cp(inject('startedDataDir'), dir, { recursive: true });
  return dir;
}

type Seed<T> = (dataDir: string) => Promise<T>;
const seededTemplates = new Map<Seed<unknown>, Promise<{ dir: string; value: unknown }>>();

/**
 * A data directory as `seed` leaves a started one, and what `seed` returned: seeded once per
 * test file, then copied for each test, so every test still starts from the same state of its own.
 */
export async function seededDataDir<T>(seed: Seed<T>): Promise<{ dataDir: string; value: T }> {
  let template = seededTemplates.get(seed);
  if (!template) {
    template = (async () => {
      const dir = await fs.mkdtemp(path.join(inject('seededDataDirs'), `${seed.name}-`));
      await fs.cp(inject('startedDataDir'), dir, { recursive: true });
      return { dir, value: await seed(dir) };
    })();
    seededTemplates.set(seed, template);
  }
  const { dir, value } = await template;
  const dataDir = await emptyDataDir();
  await fs.cp(dir, dataDir, { recursive: true });
  return { dataDir, value: value as T };
}

/**
 * The platform on `dataDir` as the hub opens it (first start included), handed to `work` and shut
 * down after: PGlite serves one process at a time, and the hub starts once seeding is done.
 */
export async function withSeedingRuntime<T>(
  dataDir: string,
  work: (runtime: PlatformRuntime) => Promise<T>,
  options: Pick<StartOptions, 'modules'> = {},
): Promise<T> {
  const runtime = await startPlatform({
    config: loadConfig({ NHI_DATA_DIR: dataDir, NHI_ADMIN_PASSWORD: adminPassword, LOG_LEVEL: 'warn' }),
    ...options,
  });
  try {
    return await work(runtime);
  } finally {
    await runtime.shutdown();
  }
}

/** A system principal's scope in `realm`, for seeding through the domain services. */
export function seedingScope(runtime: PlatformRuntime, realm: RealmRef): Promise<RequestScope> {
  return openRequestScope(runtime.root, {
    context: { requestId: 'e2e-seed', realm, principal: { kind: 'system', name: 'e2e' }, clock: systemClock },
    credential: 'bearer',
  });
}

/**
 * One unowned identity at work in the scope's realm, with a fresh key no other rule minds: its
 * evaluation opens exactly one alert (`nhi1.unowned`), whose id is returned.
 */
export async function seedUnownedAlert(scope: RequestScope, name: string): Promise<string> {
  const realmDb = scope.container.resolve(REALM_DB);
  const day = 86_400_000;
  await realmDb.transaction(async (tx) => {
    const nhi = await tx.nhi.create({
      data: {
        kind: 'service_account',
        provider: 'aws',
        externalId: `arn:aws:iam::123456789012:user/${name}`,
        name,
        environment: 'production',
      },
      select: { id: true },
    });
    await tx.credential.create({
      data: {
        nhiId: nhi.id,
        kind: 'access_key',
        status: 'active',
        hint: 'AKIA…WXYZ',
        lastUsedAt: new Date(Date.now() - day),
        lastRotatedAt: new Date(Date.now() - 10 * day),
        createdAt: new Date(Date.now() - 10 * day),
        expiresAt: new Date(Date.now() + 365 * day),
      },
      select: { id: true },
    });
  });
  await scope.container.resolve(AlertService).evaluateNow();
  const alert = await realmDb.transaction((tx) =>
    tx.alert.findFirstOrThrow({ where: { ruleId: 'nhi1.unowned' }, select: { id: true } }),
  );
  return alert.id;
}

/**
 * Prepares a data directory as an operator would before starting the hub: first start
 * (hub realm and admin), a second realm, and the admin as a viewer there. Done through the
 * platform's services and closed again, since PGlite serves one process at a time.
 */
export async function seedTwoRealms(dataDir: string): Promise<void> {
  await withSeedingRuntime(dataDir, async (runtime) => {
    const realmAdmin = runtime.root.resolve(RealmAdminService);
    await realmAdmin.createRealm({ slug: 'ops', name: 'Operations' });
    await realmAdmin.createUser({ email: adminEmail, realmSlug: 'ops', role: 'viewer' });
  });
}

/** The filter the inventory e2e applies in the browser, as the list service takes it. */
export const demoFilter = { provider: ['aws'] as ['aws'], q: 'prod' };

/**
 * The demo realm, seeded as `nhi seed --demo` does, plus what the list service answers for the
 * whole realm and for `demoFilter`: the numbers the page must show.
 */
export async function seedDemo(dataDir: string): Promise<{ total: number; filteredTotal: number }> {
  return withSeedingRuntime(dataDir, async (runtime) => {
    const { realm } = await seedDemoRealm(runtime.root, { adminEmail });
    const list = (await seedingScope(runtime, realm)).container.resolve(NhiQueryService);
    const all = await list.list({ limit: 1 });
    const filtered = await list.list({ ...demoFilter, limit: 1 });
    return { total: all.total, filteredTotal: filtered.total };
  });
}

export const memberEmail = 'member@nhi.local';
export const memberPassword = 'e2e-member-password';

/** First start, a viewer in the hub realm, and a top-level group Security for the admin to work under. */
export async function seedPolicyRealm(dataDir: string): Promise<void> {
  await withSeedingRuntime(
    dataDir,
    async (runtime) => {
      const { realm } = await runtime.root.resolve(RealmAdminService).createUser({
        email: memberEmail,
        realmSlug: 'hub',
        role: 'viewer',
        password: memberPassword,
      });
      await (await seedingScope(runtime, realm)).container
        .resolve(PolicyService)
        .createGroup({ name: 'Security' });
    },
    { modules: [registerPolicy] },
  );
}
