import type { ExportNhiInput, ListNhiInput } from '@nhi/nhi/schema';
import {
  nhiEnvironments,
  nhiKinds,
  nhiProviders,
  nhiRiskLevels,
  nhiStatuses,
  type SortKey,
  sortableColumns,
} from './nhi-vocabulary.ts';

export const pageSizes = [25, 50, 100] as const;

/** What a scan did to an identity (the scan page's Added, Changed and Missing). */
export const scanChanges = ['added', 'changed', 'missing'] as const;

/** The inventory's state in the query string, so a filtered view can be bookmarked, shared and reloaded. */
export interface InventorySearch {
  kind?: (typeof nhiKinds)[number][];
  provider?: (typeof nhiProviders)[number][];
  environment?: (typeof nhiEnvironments)[number][];
  status?: (typeof nhiStatuses)[number][];
  /** User ids and/or "unowned". */
  owner?: string[];
  tag?: string[];
  /** Has an active credential older than this many days. */
  olderThan?: number;
  /** Its oldest active credential is this many days old or newer. */
  newerThan?: number;
  /** Scanner source ids: identities any of them reports. */
  source?: string[];
  /** A scan id: identities it added, changed or no longer found; `change` narrows to one of those. */
  scan?: string;
  change?: (typeof scanChanges)[number];
  /** Risk levels of the identities' scores ("none": no score). */
  risk?: (typeof nhiRiskLevels)[number][];
  /** Has an active credential expiring within this many days. */
  expiring?: number;
  q?: string;
  sort?: SortKey;
  dir?: 'asc' | 'desc';
  limit?: (typeof pageSizes)[number];
  cursor?: string;
  /** Zero-based page number, for "51–100 of 312"; cursors alone cannot say where a page starts. */
  page?: number;
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const tagShape = /^[\w.:/=-]{1,64}$/;
const maxDays = 36_500;

function oneOf<T extends string | number>(value: unknown, allowed: readonly T[]): T | undefined {
  return (allowed as readonly unknown[]).includes(value) ? (value as T) : undefined;
}

/** The values that are valid; none at all reads as no filter. */
function listOf<T extends string>(value: unknown, valid: (item: string) => item is T): T[] | undefined {
  const items = (Array.isArray(value) ? value : [value]).filter(
    (item): item is T => typeof item === 'string' && valid(item),
  );
  return items.length > 0 ? [...new Set(items)].slice(0, 50) : undefined;
}

function member<T extends string>(allowed: readonly T[]) {
  return (item: string): item is T => (allowed as readonly string[]).includes(item);
}

function integer(value: unknown, max: number): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number >= 0 && number <= max
    ? number
    : undefined;
}

function text(value: unknown, max: number): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= max ? value : undefined;
}

/**
 * Reads the query string; a value that does not parse is dropped rather than failing the page.
 * Written out rather than with zod: it runs on every page load, and the bundle of every page
 * would carry zod (the list service validates its input again on the server).
 */
export function parseInventorySearch(search: Record<string, unknown>): InventorySearch {
  const parsed: InventorySearch = {
    kind: listOf(search.kind, member(nhiKinds)),
    provider: listOf(search.provider, member(nhiProviders)),
    environment: listOf(search.environment, member(nhiEnvironments)),
    status: listOf(search.status, member(nhiStatuses)),
    owner: listOf(search.owner, (item): item is string => item === 'unowned' || uuid.test(item)),
    tag: listOf(search.tag, (item): item is string => tagShape.test(item)),
    olderThan: integer(search.olderThan, maxDays),
    newerThan: integer(search.newerThan, maxDays),
    risk: listOf(search.risk, member(nhiRiskLevels)),
    source: listOf(search.source, (item): item is string => uuid.test(item)),
    scan: typeof search.scan === 'string' && uuid.test(search.scan) ? search.scan : undefined,
    change: typeof search.scan === 'string' ? oneOf(search.change, scanChanges) : undefined,
    expiring: integer(search.expiring, maxDays),
    q: text(search.q, 200),
    sort: oneOf(search.sort, sortableColumns),
    dir: oneOf(search.dir, ['asc', 'desc'] as const),
    limit: oneOf(integer(search.limit, 1000), pageSizes),
    cursor: text(search.cursor, 2000),
    page: integer(search.page, 1_000_000),
  };
  return Object.fromEntries(
    Object.entries(parsed).filter(([, value]) => value !== undefined),
  ) as InventorySearch;
}

export const defaultSort = 'name';
export const defaultPageSize = 50;

/** The filter part of the URL state: what a list, a count and an export share. */
export function filterOf(search: InventorySearch): Omit<ListNhiInput, 'limit' | 'cursor'> {
  return {
    kind: search.kind,
    provider: search.provider,
    environment: search.environment,
    status: search.status,
    owner: search.owner,
    tag: search.tag,
    credentialOlderThanDays: search.olderThan,
    credentialNewerThanDays: search.newerThan,
    riskLevel: search.risk,
    source: search.source,
    scan: search.scan,
    scanChange: search.scan ? search.change : undefined,
    expiringWithinDays: search.expiring,
    q: search.q?.trim() || undefined,
    sort: search.sort ?? defaultSort,
    direction: search.dir ?? 'asc',
  };
}

export function listInputOf(search: InventorySearch): ListNhiInput {
  return { ...filterOf(search), limit: search.limit ?? defaultPageSize, cursor: search.cursor };
}

export function exportInputOf(search: InventorySearch, format: 'csv' | 'json'): ExportNhiInput {
  return { ...filterOf(search), format };
}

/** Any change of filter, search or sort starts again at the first page. */
export function firstPage(search: InventorySearch): InventorySearch {
  return { ...search, cursor: undefined, page: undefined };
}

export function hasFilters(search: InventorySearch): boolean {
  return Boolean(
    search.kind?.length ||
      search.provider?.length ||
      search.environment?.length ||
      search.status?.length ||
      search.owner?.length ||
      search.tag?.length ||
      search.olderThan !== undefined ||
      search.newerThan !== undefined ||
      search.risk?.length ||
      search.source?.length ||
      search.scan ||
      search.expiring !== undefined ||
      search.q?.trim(),
  );
}

/** Removes every filter and the search, keeps sort and page size. */
export function withoutFilters(search: InventorySearch): InventorySearch {
  return { sort: search.sort, dir: search.dir, limit: search.limit };
}
