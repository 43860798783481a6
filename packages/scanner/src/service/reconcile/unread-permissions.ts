import { canonicalJson, type JsonValue, type SourcedNhi } from '@nhi/nhi';
import type { RealmTx } from '@nhi/platform';
import { identityKeyOf, storedPermissions } from '../../sql/identities.sql.ts';

/**
 * Whether a resource is one the input could not read this time. A name ending in `/` stands for
 * every resource it begins (`folders/`: the folders that went unfound).
 */
export function unreadResourceIn(unread: readonly string[]): (resource: unknown) => boolean {
  return (resource) =>
    typeof resource === 'string' &&
    unread.some((name) => (name.endsWith('/') ? resource.startsWith(name) : resource === name));
}

const resourceOf = (entry: JsonValue): unknown =>
  entry !== null && typeof entry === 'object' && !Array.isArray(entry) ? entry.resource : undefined;

/**
 * The permissions read now, with the stored entries an unread resource gave (a refused folder's
 * bindings are unknown, not gone). Each kept entry goes back before the entry that followed it when
 * stored, which is where a read of its resource would put it: a second refused scan gives the same
 * list, and so does the scan that reads the resource again with the same bindings.
 */
export function withKeptPermissions(
  read: readonly JsonValue[],
  stored: readonly JsonValue[],
  unread: (resource: unknown) => boolean,
): JsonValue[] {
  const readKeys = new Set(read.map((entry) => canonicalJson(entry)));
  const storedKeys = stored.map((entry) => canonicalJson(entry));
  const kept = stored.flatMap((entry, index) =>
    unread(resourceOf(entry)) && !readKeys.has(storedKeys[index] as string) ? [index] : [],
  );
  if (kept.length === 0) return [...read];
  const merged = [...read];
  const mergedKeys = read.map((entry) => canonicalJson(entry));
  // Last first: the entries after a kept one are then all in place to be found.
  for (const index of kept.reverse()) {
    let at = merged.length;
    for (let next = index + 1; next < stored.length; next++) {
      const position = mergedKeys.indexOf(storedKeys[next] as string);
      if (position >= 0) {
        at = position;
        break;
      }
    }
    merged.splice(at, 0, stored[index] as JsonValue);
    mergedKeys.splice(at, 0, storedKeys[index] as string);
  }
  return merged;
}

/**
 * The items with the permission entries of resources the input could not read added back from the
 * stored identities. An item's permission list is rebuilt from what was read, so without this a
 * refused folder's grants would drop out of the inventory while the facts they gave are kept.
 */
export async function withUnreadPermissions<Item extends SourcedNhi>(
  tx: RealmTx,
  realmId: string,
  unreadResources: readonly string[] | undefined,
  items: Item[],
): Promise<Item[]> {
  if (!unreadResources || unreadResources.length === 0) return items;
  const reporting = items.filter((item) => Array.isArray(item.permissions));
  if (reporting.length === 0) return items;
  const stored = await storedPermissions(tx, realmId, reporting);
  const byKey = new Map(
    stored.flatMap((row) =>
      Array.isArray(row.permissions) ? [[identityKeyOf(row), row.permissions as JsonValue[]] as const] : [],
    ),
  );
  if (byKey.size === 0) return items;
  const unread = unreadResourceIn(unreadResources);
  return items.map((item) => {
    const before = byKey.get(identityKeyOf(item));
    if (!before || !Array.isArray(item.permissions)) return item;
    const permissions = withKeptPermissions(item.permissions, before, unread);
    return permissions.length === item.permissions.length ? item : { ...item, permissions };
  });
}
