import { randomUUID } from 'node:crypto';
import {
  type Logger,
  openRequestScope,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  type Principal,
  RealmAdminService,
  type RealmSummary,
  SecretFingerprints,
  systemClock,
} from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';
import { NhiImportService } from '../service/nhi-import.service.ts';
import { generateDemoInventory } from './demo-generator.ts';
import type { DemoNhi } from './demo-inventory.ts';

export const demoRealmSlug = 'demo';
export const demoRealmName = 'Demo (synthetic data)';
/** Written once the inventory is complete: a start that finds it does not seed again. */
export const demoSeededAction = 'demo.seeded';

/** People the demo identities belong to. Their passwords are generated and never shown. */
export const demoOwnerEmails = [
  'priya.raman@acme.example',
  'marcus.oyelaran@acme.example',
  'lena.fischer@acme.example',
  'tomas.novak@acme.example',
  'aiko.tanaka@acme.example',
  'sam.okafor@acme.example',
] as const;

const seederName = 'demo-seed';
const seeder: Principal = { kind: 'system', name: seederName };

export interface DemoSeedOptions {
  /** Made an admin of the demo realm, when such a user exists. */
  adminEmail: string;
  /** Leave a demo realm that was seeded completely before untouched (the hub's first start). */
  onlyIfNew?: boolean;
  now?: Date;
  logger?: Pick<Logger, 'info' | 'warn'>;
}

export interface DemoSeedResult {
  seeded: boolean;
  realm: RealmSummary;
  nhis: number;
  credentials: number;
}

/**
 * Creates, or refreshes, the realm `demo` with a synthetic inventory. Identities and credentials
 * go through the inventory's own importer like any file (versions, audit rows; fingerprints of the
 * generated secrets, never the secrets); a refresh replaces only the demo realm's identities.
 */
export async function seedDemoRealm(
  root: DependencyContainer,
  options: DemoSeedOptions,
): Promise<DemoSeedResult> {
  const db = root.resolve<PlatformDatabase>(PLATFORM_DATABASE);
  const realm = await ensureDemoRealm(root, db);
  if (options.onlyIfNew && (await wasSeeded(db, realm.id))) {
    return { seeded: false, realm, nhis: 0, credentials: 0 };
  }
  const ownerEmails = await ensureMembers(root, db, options);
  // A refresh, or a first seed that stopped half-way: start from an empty demo inventory.
  await db.systemPrisma.nhi.deleteMany({ where: { realmId: realm.id } });

  const scope = await openRequestScope(root, {
    context: { requestId: randomUUID(), realm, principal: seeder, clock: systemClock },
    credential: 'bearer',
  });
  const inventory = generateDemoInventory({ now: options.now ?? new Date(), ownerEmails });
  const rows = await importRowsOf(inventory, root.resolve(SecretFingerprints));
  // The importer writes everything in one transaction, versions and audit rows included.
  const outcome = await scope.container
    .resolve(NhiImportService)
    .import({ format: 'json', content: JSON.stringify(rows), skipInvalid: false });
  if (!outcome.imported) {
    const [first] = outcome.errors;
    throw new Error(`The demo inventory did not import: line ${first?.line}: ${first?.reason}`);
  }
  const credentials = inventory.reduce((sum, demo) => sum + demo.credentials.length, 0);
  await db.systemPrisma.auditLog.create({
    data: {
      realmId: realm.id,
      actorType: 'system',
      actorId: seederName,
      action: demoSeededAction,
      entityType: 'Realm',
      entityId: realm.id,
      after: { nhis: inventory.length, credentials },
      requestId: scope.context.requestId,
    },
    select: { id: true },
  });
  options.logger?.info({ realm: realm.slug, nhis: inventory.length, credentials }, 'seeded the demo realm');
  return { seeded: true, realm, nhis: inventory.length, credentials };
}

/**
 * The inventory in the export's JSON shape. Each generated secret becomes what any secret becomes
 * in the hub, its fingerprint and hint (SecretFingerprints), and goes no further.
 */
async function importRowsOf(inventory: DemoNhi[], fingerprints: SecretFingerprints) {
  return Promise.all(
    inventory.map(async ({ credentials, ownerEmail, ...fields }) => ({
      ...fields,
      owner: ownerEmail,
      providerCreatedAt: fields.providerCreatedAt.toISOString(),
      lastUsedAt: fields.lastUsedAt?.toISOString() ?? null,
      credentials: await Promise.all(
        credentials.map(async ({ secret, ...credential }) => ({
          kind: credential.kind,
          fingerprint: await fingerprints.fingerprint(secret),
          hint: fingerprints.hintOf(secret),
          status: credential.status,
          providerCreatedAt: credential.providerCreatedAt.toISOString(),
          lastRotatedAt: credential.lastRotatedAt.toISOString(),
          expiresAt: credential.expiresAt?.toISOString() ?? null,
          lastUsedAt: credential.lastUsedAt?.toISOString() ?? null,
        })),
      ),
    })),
  );
}

async function ensureDemoRealm(root: DependencyContainer, db: PlatformDatabase): Promise<RealmSummary> {
  const existing = await db.systemPrisma.realm.findUnique({
    where: { slug: demoRealmSlug },
    select: { id: true, slug: true, name: true },
  });
  if (existing) return existing;
  return root.resolve(RealmAdminService).createRealm({ slug: demoRealmSlug, name: demoRealmName });
}

async function wasSeeded(db: PlatformDatabase, realmId: string): Promise<boolean> {
  const marker = await db.systemPrisma.auditLog.findFirst({
    where: { realmId, action: demoSeededAction },
    select: { id: true },
  });
  return marker !== null;
}

/** The demo owners and the admin as members of the demo realm: the emails identities may be owned by. */
async function ensureMembers(
  root: DependencyContainer,
  db: PlatformDatabase,
  options: DemoSeedOptions,
): Promise<string[]> {
  const realmAdmin = root.resolve(RealmAdminService);
  const members: string[] = [];
  const admin = await db.systemPrisma.user.findUnique({
    where: { email: options.adminEmail.toLowerCase() },
    select: { email: true },
  });
  if (admin) {
    await ensureMembership(db, realmAdmin, admin.email, 'admin');
    members.push(admin.email);
  } else {
    options.logger?.warn({ email: options.adminEmail }, 'no such user: the demo realm has no admin');
  }
  for (const email of demoOwnerEmails) {
    await ensureMembership(db, realmAdmin, email, 'editor');
    members.push(email);
  }
  return members;
}

async function ensureMembership(
  db: PlatformDatabase,
  realmAdmin: RealmAdminService,
  email: string,
  role: 'admin' | 'editor',
): Promise<void> {
  const member = await db.systemPrisma.realmMembership.findFirst({
    where: { realm: { slug: demoRealmSlug }, user: { email } },
    select: { userId: true },
  });
  if (!member) await realmAdmin.createUser({ email, realmSlug: demoRealmSlug, role });
}
