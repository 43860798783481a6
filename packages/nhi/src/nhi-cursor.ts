import { ValidationError } from '@nhi/platform';
import { z } from 'zod';
import { nhiEnvironments, nhiKinds, nhiProviders, nhiStatuses, type sortableColumns } from './nhi.schema.ts';
import type { NhiOrderBy, NhiWhere } from './nhi-list-filters.ts';

export type SortColumn = (typeof sortableColumns)[number];
export type SortDirection = 'asc' | 'desc';
type SortValue = string | Date | null;
type Comparison = 'gt' | 'gte' | 'lt' | 'lte' | 'equals';

/** What a listed row must carry for its position in any sort order to be known. */
export interface SortableRow {
  id: string;
  name: string;
  kind: string;
  provider: string;
  environment: string;
  status: string;
  owner: { email: string } | null;
  lastUsedAt: Date | null;
  lastSeenAt: Date;
  firstSeenAt: Date;
  updatedAt: Date;
  oldestActiveCredentialAt: Date | null;
  nextCredentialExpiresAt: Date | null;
}

type ScalarField = Exclude<keyof SortableRow, 'id' | 'owner'>;

interface SortKey {
  type: 'text' | 'date';
  nullable: boolean;
  /** The column runs against the direction the user asked for (an older date is a greater age). */
  inverted: boolean;
  valueOf(row: SortableRow): SortValue;
  compare(comparison: Comparison, value: string | Date): NhiWhere;
  present: NhiWhere;
  absent: NhiWhere;
  orderBy(direction: SortDirection): NhiOrderBy;
}

function scalarKey(field: ScalarField, type: 'text' | 'date', nullable: boolean, inverted = false): SortKey {
  return {
    type,
    nullable,
    inverted,
    valueOf: (row) => row[field],
    compare: (comparison, value) => ({ [field]: { [comparison]: value } }) as NhiWhere,
    present: { [field]: { not: null } } as NhiWhere,
    absent: { [field]: null } as NhiWhere,
    orderBy: (direction) => ({ [field]: direction }) as NhiOrderBy,
  };
}

/**
 * Owners sort by email. An owner the realm cannot see (no longer a member) reads as no owner,
 * so presence is decided by the relation, not by the id column.
 */
const ownerKey: SortKey = {
  type: 'text',
  nullable: true,
  inverted: false,
  valueOf: (row) => row.owner?.email ?? null,
  compare: (comparison, value) => ({ owner: { is: { email: { [comparison]: value } } } }),
  present: { owner: { isNot: null } },
  absent: { owner: { is: null } },
  orderBy: (direction) => ({ owner: { email: direction } }),
};

/**
 * Enumerations sort in their declared order (the database's enum order), not alphabetically.
 * Prisma compares enums only for equality, so "after v" is "one of the values declared after v".
 */
function enumKey(field: 'kind' | 'provider' | 'environment' | 'status', values: readonly string[]): SortKey {
  const range: Record<Comparison, (index: number) => readonly string[]> = {
    gt: (index) => values.slice(index + 1),
    gte: (index) => values.slice(index),
    lt: (index) => values.slice(0, index),
    lte: (index) => values.slice(0, index + 1),
    equals: (index) => values.slice(index, index + 1),
  };
  return {
    ...scalarKey(field, 'text', false),
    compare: (comparison, value) =>
      ({ [field]: { in: range[comparison](values.indexOf(String(value))) } }) as NhiWhere,
  };
}

const sortKeys: Record<SortColumn, SortKey> = {
  name: scalarKey('name', 'text', false),
  kind: enumKey('kind', nhiKinds),
  provider: enumKey('provider', nhiProviders),
  environment: enumKey('environment', nhiEnvironments),
  status: enumKey('status', nhiStatuses),
  owner: ownerKey,
  lastUsedAt: scalarKey('lastUsedAt', 'date', true),
  lastSeenAt: scalarKey('lastSeenAt', 'date', false),
  firstSeenAt: scalarKey('firstSeenAt', 'date', false),
  updatedAt: scalarKey('updatedAt', 'date', false),
  oldestCredentialAge: scalarKey('oldestActiveCredentialAt', 'date', true, true),
  nextCredentialExpiry: scalarKey('nextCredentialExpiresAt', 'date', true),
};

/** A position in a sorted list: the last row's sort value and id (the id breaks ties). */
export interface ListPosition {
  value: SortValue;
  id: string;
}

const cursorShape = z.object({
  s: z.string(),
  d: z.enum(['asc', 'desc']),
  v: z.string().nullable(),
  i: z.string().min(1).max(100),
});

/** Opaque to callers; only valid for the sort it was made with. */
export function encodeCursor(sort: SortColumn, direction: SortDirection, position: ListPosition): string {
  const { value } = position;
  const v = value instanceof Date ? value.toISOString() : value;
  return Buffer.from(JSON.stringify({ s: sort, d: direction, v, i: position.id })).toString('base64url');
}

export function decodeCursor(cursor: string, sort: SortColumn, direction: SortDirection): ListPosition {
  const invalid = () =>
    new ValidationError('Invalid cursor: start again from the first page', [
      { path: ['cursor'], message: 'Not a cursor of this sort order' },
    ]);
  let decoded: z.output<typeof cursorShape>;
  try {
    decoded = cursorShape.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw invalid();
  }
  if (decoded.s !== sort || decoded.d !== direction) throw invalid();
  if (decoded.v === null || sortKeys[sort].type === 'text') return { value: decoded.v, id: decoded.i };
  const date = new Date(decoded.v);
  if (Number.isNaN(date.getTime())) throw invalid();
  return { value: date, id: decoded.i };
}

/**
 * One stretch of the sorted list. Rows without a sort value come last whatever the direction:
 * they form their own segment, ordered by id alone. Splitting the list this way keeps each
 * segment's order and continuation condition simple enough for an index range scan.
 */
export interface ListSegment {
  where: NhiWhere;
  orderBy: NhiOrderBy[];
}

/** The segments still to read, in order, after `after` (or from the start). */
export function segmentsAfter(
  sort: SortColumn,
  direction: SortDirection,
  after: ListPosition | undefined,
): ListSegment[] {
  const key = sortKeys[sort];
  const dir: SortDirection = key.inverted ? (direction === 'asc' ? 'desc' : 'asc') : direction;
  const [beyond, from] = dir === 'asc' ? (['gt', 'gte'] as const) : (['lt', 'lte'] as const);
  if (after && after.value === null) {
    const rest = { AND: [key.absent, { id: { [beyond]: after.id } }] };
    return key.nullable ? [{ where: rest, orderBy: [{ id: dir }] }] : [];
  }
  const nullSegment: ListSegment = { where: key.absent, orderBy: [{ id: dir }] };

  const valueOrder: NhiOrderBy[] = [key.orderBy(dir), { id: dir }];
  let valueWhere: NhiWhere = key.nullable ? key.present : {};
  if (after && after.value !== null) {
    // The redundant >= bound gives the database a range start; the OR settles ties by id.
    valueWhere = {
      AND: [
        key.compare(from, after.value),
        { OR: [key.compare(beyond, after.value), { id: { [beyond]: after.id } }] },
      ],
    };
  }
  const valueSegment: ListSegment = { where: valueWhere, orderBy: valueOrder };
  return key.nullable ? [valueSegment, nullSegment] : [valueSegment];
}

export function sortValueOf(sort: SortColumn, row: SortableRow): SortValue {
  return sortKeys[sort].valueOf(row);
}
