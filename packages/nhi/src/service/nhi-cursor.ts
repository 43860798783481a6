import { ValidationError } from '@nhi/platform';
import { findUnsafeText, isStorableDate } from '@nhi/platform/input';
import { z } from 'zod';
import {
  nhiEnvironments,
  nhiKinds,
  nhiProviders,
  nhiStatuses,
  type sortableColumns,
} from '../api/nhi.schema.ts';

export type SortColumn = (typeof sortableColumns)[number];
export type SortDirection = 'asc' | 'desc';

/** A position in a sorted list: the last row's sort value and id (the id breaks ties). */
export interface ListPosition {
  value: string | Date | null;
  id: string;
}

/** The sort orders over an enumeration: a cursor's value must be one of its values. */
const enumSorts: Partial<Record<SortColumn, readonly string[]>> = {
  kind: nhiKinds,
  provider: nhiProviders,
  environment: nhiEnvironments,
  status: nhiStatuses,
};

/** Names and owners (by email) sort as text; every other sort order is over a timestamp. */
const isDateSort = (sort: SortColumn) => sort !== 'name' && sort !== 'owner' && !(sort in enumSorts);

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
  // A cursor is caller input like any other: it must not carry text or dates the database refuses.
  if (decoded.s !== sort || decoded.d !== direction || findUnsafeText(decoded)) throw invalid();
  const values = enumSorts[sort];
  if (values && decoded.v !== null && !values.includes(decoded.v)) throw invalid();
  if (decoded.v === null || !isDateSort(sort)) return { value: decoded.v, id: decoded.i };
  const date = new Date(decoded.v);
  if (Number.isNaN(date.getTime()) || !isStorableDate(date)) throw invalid();
  return { value: date, id: decoded.i };
}
