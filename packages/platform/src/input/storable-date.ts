import { z } from 'zod';

/**
 * The instants every store and format of the product agrees on: years 1 to 9999. JavaScript's
 * toISOString writes those with four digits; outside them it writes "+010000-…" or "-000001-…",
 * which PostgreSQL refuses, reads back as null, or (year 0, which it does not have) rejects as
 * out of range. See ADR 0023.
 */
export const earliestStorableDate = new Date('0001-01-01T00:00:00.000Z');
export const latestStorableDate = new Date('9999-12-31T23:59:59.999Z');

export const storableDateMessage = 'Dates run from 0001-01-01 to 9999-12-31 (UTC)';

export function isStorableDate(date: Date): boolean {
  const time = date.getTime();
  return time >= earliestStorableDate.getTime() && time <= latestStorableDate.getTime();
}

/** A date as inputs take it (a Date, an ISO 8601 text, epoch milliseconds), within the storable range. */
export function storableDate() {
  return z.coerce
    .date()
    .min(earliestStorableDate, storableDateMessage)
    .max(latestStorableDate, storableDateMessage);
}

/** An ISO 8601 date-time text with an offset, within the storable range. */
export function storableIsoDateTime() {
  return z.iso
    .datetime({ offset: true })
    .refine((text) => isStorableDate(new Date(text)), storableDateMessage);
}
