import {
  createRequestContainer,
  type PlatformDatabase,
  type Principal,
  REALM_DB,
  type RealmRef,
  realmDbProvider,
} from '@nhi/platform';
import { setupHub } from '@nhi/platform/testing';
import {
  nhiEnvironments as environments,
  nhiKinds as kinds,
  type nhiEnvironments,
  type nhiStatuses,
  nhiProviders as providers,
  nhiStatuses as statuses,
} from '../api/nhi.schema.ts';
import { NhiImportService } from '../service/nhi-import.service.ts';
import { NhiQueryService } from '../service/nhi-query.service.ts';

const dayMs = 86_400_000;

/** One seeded identity: what the database holds, to compute expected results independently. */
export interface SeededNhi {
  id: string;
  realmId: string;
  kind: (typeof kinds)[number];
  provider: (typeof providers)[number];
  externalId: string;
  name: string;
  description: string | null;
  ownerUserId: string | null;
  environment: (typeof nhiEnvironments)[number];
  status: (typeof nhiStatuses)[number];
  tags: string[];
  firstSeenAt: Date;
  lastSeenAt: Date;
  lastUsedAt: Date | null;
  updatedAt: Date;
  oldestActiveCredentialAt: Date | null;
  nextCredentialExpiresAt: Date | null;
  activeCredentialCount: number;
  deletedAt: Date | null;
}

const tagPool = ['team:payments', 'ci', 'pii', 'legacy'];

/** Fixed-length lowercase names, so every database collation orders them the same way. */
function nameFor(index: number): string {
  // Every fifth name repeats an earlier one: the list must settle ties by id.
  const n = index % 5 === 4 ? index - 1 : index;
  return `svc${String.fromCharCode(97 + Math.floor(n / 26))}${String.fromCharCode(97 + (n % 26))}`;
}

/**
 * A realm with two members and a varied inventory: every kind, provider, environment and status,
 * owned and unowned, tagged and not, with and without credential ages and expiries, ties in names,
 * and a few deleted identities.
 */
export async function setupInventory(newDatabase: () => Promise<PlatformDatabase>, count = 64) {
  const hub = await setupHub(newDatabase);
  const realm = await hub.realm('hub', 'Hub');
  const otherRealm = await hub.realm('other', 'Other');
  const ana = await hub.member('ana@example.com', 'hub', 'admin');
  const bob = await hub.member('bob@example.com', 'hub', 'editor');
  const outsider = await hub.member('olga@example.com', 'other', 'admin');
  const now = hub.clock.now().getTime();
  const at = (days: number) => new Date(now + days * dayMs);

  const seeded: SeededNhi[] = [];
  for (let i = 0; i < count; i++) {
    seeded.push({
      id: crypto.randomUUID(),
      realmId: realm.id,
      kind: kinds[i % kinds.length] ?? 'other',
      provider: providers[(i * 3) % providers.length] ?? 'other',
      externalId: `ext-${i}`,
      name: nameFor(i),
      description: i % 4 === 0 ? null : `Identity number ${i}`,
      ownerUserId: i % 3 === 0 ? null : i % 3 === 1 ? ana.id : bob.id,
      environment: environments[(i * 5) % environments.length] ?? 'unknown',
      status: statuses[(i * 7) % statuses.length] ?? 'active',
      tags: tagPool.filter((_, t) => (i >> t) & 1),
      firstSeenAt: at(-400 + ((i * 37) % 97)),
      lastSeenAt: at(-((i * 11) % 13)),
      lastUsedAt: i % 6 === 0 ? null : at(-((i * 13) % 200)),
      updatedAt: at(-((i * 17) % 50)),
      oldestActiveCredentialAt: i % 5 === 0 ? null : at(-((i * 29) % 500)),
      nextCredentialExpiresAt: i % 4 === 1 ? null : at(((i * 19) % 120) - 20),
      activeCredentialCount: i % 5 === 0 ? 0 : 1 + (i % 3),
      deletedAt: i % 16 === 15 ? at(-1) : null,
    });
  }
  await hub.db.systemPrisma.nhi.createMany({ data: seeded });
  // Another realm whose identities match every filter: none of them may ever show.
  await hub.db.systemPrisma.nhi.createMany({
    data: seeded.slice(0, 12).map((row, i) => ({
      ...row,
      id: crypto.randomUUID(),
      realmId: otherRealm.id,
      ownerUserId: i % 2 ? outsider.id : null,
      name: `zz other realm ${i}`,
    })),
  });

  function scoped(principal: Principal, inRealm: RealmRef = realm) {
    const container = createRequestContainer(hub.root, {
      requestId: 'req-inventory',
      realm: inRealm,
      principal,
      clock: hub.clock,
    });
    container.register(REALM_DB, realmDbProvider);
    return container;
  }
  const asAna: Principal = { kind: 'user', userId: ana.id, email: ana.email, sessionId: '' };
  const query = (inRealm: RealmRef = realm) => scoped(asAna, inRealm).resolve(NhiQueryService);
  const importer = (inRealm: RealmRef = realm) => scoped(asAna, inRealm).resolve(NhiImportService);

  return { ...hub, realm, otherRealm, ana, bob, outsider, seeded, at, query, importer, scoped, asAna };
}
