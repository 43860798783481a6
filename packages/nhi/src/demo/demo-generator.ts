import type { NhiEnvironment, NhiStatus } from '../service/nhi-detail.ts';
import { type DemoDraft, repeatedBlueprints, singletonDrafts } from './demo-blueprints.ts';
import type { DemoCredential, DemoInventoryOptions, DemoNhi } from './demo-inventory.ts';
import { DemoRandom } from './demo-random.ts';
import { credentialKindOfShape, demoSecret } from './demo-secrets.ts';

const dayMs = 86_400_000;
export const defaultDemoSeed = 20_261_122;
export const defaultDemoCount = 320;

const environments: readonly (readonly [NhiEnvironment, number])[] = [
  ['production', 45],
  ['staging', 25],
  ['development', 20],
  ['unknown', 10],
];

const statuses: readonly (readonly [NhiStatus, number])[] = [
  ['active', 85],
  ['disabled', 7],
  ['decommissioned', 4],
  ['missing_from_source', 4],
];

/** Days since a credential was issued or last rotated: fresh, due, overdue (> 90) and ancient (> 365). */
const credentialAges: readonly (readonly [readonly [number, number], number])[] = [
  [[1, 30], 25],
  [[31, 89], 22],
  [[90, 365], 30],
  [[366, 1100], 23],
];

/** For credentials that expire: mostly valid, a good share expiring within 30 days, some expired. */
function agesWithin(lifetimeDays: number): readonly (readonly [readonly [number, number], number])[] {
  return [
    [[1, Math.max(1, lifetimeDays - 31)], 50],
    [[Math.max(1, lifetimeDays - 29), lifetimeDays - 1], 30],
    [[lifetimeDays + 1, lifetimeDays + 120], 20],
  ];
}

/**
 * A realistic synthetic inventory: a few hundred identities across kinds, providers and
 * environments, about a quarter unowned, credentials of every age, some expired or expiring.
 * Pure: the same options give the same inventory.
 */
export function generateDemoInventory(options: DemoInventoryOptions): DemoNhi[] {
  const random = new DemoRandom(options.seed ?? defaultDemoSeed);
  const count = options.count ?? defaultDemoCount;
  const now = options.now.getTime();
  const taken = new Set<string>();
  const nhis: DemoNhi[] = [];

  const add = (draft: DemoDraft, environment: NhiEnvironment): boolean => {
    const keys = [`name:${draft.name}`, `id:${draft.provider}:${draft.externalId}`];
    if (keys.some((key) => taken.has(key))) return false;
    for (const key of keys) taken.add(key);
    nhis.push(finish(random, draft, environment, now, options.ownerEmails));
    return true;
  };

  for (const draft of singletonDrafts(random)) {
    if (nhis.length >= count) break;
    add(draft, draft.environment);
  }
  while (nhis.length < count) {
    const environment = random.weighted(environments);
    const blueprint = random.weighted(repeatedBlueprints);
    // Names repeat across draws (same app, same environment): draw again until a new one comes up.
    for (let attempt = 0; attempt < 25; attempt++) {
      if (add(blueprint(random, environment), environment)) break;
    }
  }
  return nhis;
}

function finish(
  random: DemoRandom,
  draft: DemoDraft,
  environment: NhiEnvironment,
  now: number,
  ownerEmails: readonly string[],
): DemoNhi {
  const status = random.weighted(statuses);
  const credentials = credentialsOf(random, draft, now, status);
  const oldest = credentials.reduce<number>(
    (min, credential) => Math.min(min, credential.providerCreatedAt.getTime()),
    now - random.int(30, 1500) * dayMs,
  );
  const providerCreatedAt = new Date(oldest - random.int(0, 200) * dayMs);
  const lastUses = credentials.flatMap((credential) =>
    credential.lastUsedAt ? [credential.lastUsedAt] : [],
  );
  const lastUsedAt =
    lastUses.length > 0
      ? new Date(Math.max(...lastUses.map((date) => date.getTime())))
      : random.chance(0.6)
        ? new Date(now - random.int(0, 120) * dayMs - random.int(0, dayMs))
        : null;
  const tags = [...draft.tags];
  if (
    environment === 'production' &&
    draft.tags.some((tag) => /^team:(payments|billing|checkout|ledger)$/.test(tag))
  )
    tags.push('pci');
  if (random.chance(0.3)) tags.push(`cost-center:${random.int(100, 140)}`);
  return {
    kind: draft.kind,
    provider: draft.provider,
    externalId: draft.externalId,
    name: draft.name,
    description: draft.description,
    environment,
    status,
    tags,
    permissions: draft.permissions,
    metadata: draft.metadata,
    providerCreatedAt,
    lastUsedAt,
    ownerEmail: ownerOf(random, ownerEmails),
    credentials,
  };
}

/** Draws the same numbers whoever the owners are, so the rest of the inventory does not depend on them. */
function ownerOf(random: DemoRandom, ownerEmails: readonly string[]): string | null {
  const owned = random.chance(0.74);
  const index = Math.floor(random.next() * ownerEmails.length);
  return owned ? (ownerEmails[index] ?? null) : null;
}

function credentialsOf(
  random: DemoRandom,
  draft: DemoDraft,
  now: number,
  status: NhiStatus,
): DemoCredential[] {
  // Newest first while drawing: each older credential was replaced by the one after it.
  let issuedBefore = now;
  const newestFirst = [...draft.secrets].reverse().map((shape, index) => {
    const lifetime = random.pick(draft.lifetimeDays);
    const [minDays, maxDays] = random.weighted(lifetime === null ? credentialAges : agesWithin(lifetime));
    const issuedAt = issuedBefore - random.int(minDays, maxDays) * dayMs - random.int(0, dayMs);
    issuedBefore = issuedAt;
    const replaced = index > 0;
    const neverUsed = random.chance(0.12);
    return {
      kind: credentialKindOfShape[shape],
      secret: demoSecret(random, shape),
      providerCreatedAt: random.chance(0.3)
        ? new Date(issuedAt - random.int(1, 400) * dayMs)
        : new Date(issuedAt),
      lastRotatedAt: new Date(issuedAt),
      expiresAt: lifetime === null ? null : new Date(issuedAt + lifetime * dayMs),
      lastUsedAt: neverUsed ? null : new Date(issuedAt + random.next() * (now - issuedAt)),
      status:
        status === 'decommissioned' || (replaced && random.chance(0.2))
          ? ('revoked' as const)
          : replaced && random.chance(0.75)
            ? ('inactive' as const)
            : ('active' as const),
    };
  });
  return newestFirst.reverse();
}
