import type { RealmTx } from '@nhi/platform';
import type { z } from 'zod';
import type { listNhiInput } from './nhi.schema.ts';

type NhiFindManyArgs = NonNullable<Parameters<RealmTx['nhi']['findMany']>[0]>;
export type NhiWhere = NonNullable<NhiFindManyArgs['where']>;
export type NhiOrderBy = Extract<NonNullable<NhiFindManyArgs['orderBy']>, unknown[]>[number];

export type ListNhiFilter = Omit<z.output<typeof listNhiInput>, 'sort' | 'direction' | 'limit' | 'cursor'>;

const dayMs = 86_400_000;

/** LIKE treats % and _ as wildcards and \ as their escape: searched text matches only itself. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/**
 * The where clause of an inventory filter. Lists of values match any of them; tags match
 * identities carrying every listed tag, so each tag chip narrows the list further.
 * `searchMatches`, the ids the search index found for `q` (see findSearchMatches), replaces the
 * row-by-row text match when given.
 */
export function nhiListWhere(filter: ListNhiFilter, now: Date, searchMatches?: readonly string[]): NhiWhere {
  const and: NhiWhere[] = [];
  if (!filter.includeDeleted) and.push({ deletedAt: null });
  if (filter.kind?.length) and.push({ kind: { in: filter.kind } });
  if (filter.provider?.length) and.push({ provider: { in: filter.provider } });
  if (filter.environment?.length) and.push({ environment: { in: filter.environment } });
  if (filter.status?.length) and.push({ status: { in: filter.status } });
  if (filter.owner?.length) and.push(ownerWhere(filter.owner));
  if (filter.tag?.length) and.push({ tags: { hasEvery: filter.tag } });
  if (filter.credentialOlderThanDays !== undefined) {
    const before = new Date(now.getTime() - filter.credentialOlderThanDays * dayMs);
    and.push({ oldestActiveCredentialAt: { lt: before } });
  }
  if (filter.expiringWithinDays !== undefined) {
    // No lower bound: an identity whose credential already expired needs attention even more.
    const until = new Date(now.getTime() + filter.expiringWithinDays * dayMs);
    and.push({ nextCredentialExpiresAt: { lte: until } });
  }
  const q = filter.q?.trim();
  if (q && searchMatches) {
    and.push({ id: { in: [...searchMatches] } });
  } else if (q) {
    const contains = { contains: escapeLike(q), mode: 'insensitive' as const };
    and.push({ OR: [{ name: contains }, { externalId: contains }, { description: contains }] });
  }
  return and.length === 1 ? (and[0] as NhiWhere) : { AND: and };
}

/** Unowned: neither a person nor a group answers for it. */
const unownedWhere: NhiWhere = { ownerUserId: null, ownerGroupId: null };

function ownerWhere(owners: readonly string[]): NhiWhere {
  const userIds = owners.filter((owner) => owner !== 'unowned');
  const unowned = userIds.length < owners.length;
  if (!unowned) return { ownerUserId: { in: userIds } };
  if (userIds.length === 0) return unownedWhere;
  return { OR: [unownedWhere, { ownerUserId: { in: userIds } }] };
}
