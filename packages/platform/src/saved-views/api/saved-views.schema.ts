import { z } from 'zod';

/** The pages that keep views; each checks a view's search with its own URL schema. */
export const savedViewPages = ['alerts', 'inventory'] as const;
export type SavedViewPageName = (typeof savedViewPages)[number];

export const maxViewNameLength = 80;
/** A search is a handful of filters; anything longer is not a view of one of these pages. */
export const maxSearchLength = 4000;

const page = z.enum(savedViewPages);
const viewId = z.string().min(1).max(100);
const name = z
  .string()
  .trim()
  .min(1, 'Give the view a name')
  .max(maxViewNameLength, `Keep the name to ${maxViewNameLength} characters`);
/** Checked against the page's URL schema by the service, which knows the pages. */
const search = z.record(z.string().max(100), z.unknown());

export const listSavedViewsInput = z.object({ page });
export type ListSavedViewsInput = z.input<typeof listSavedViewsInput>;

export const createSavedViewInput = z.object({
  page,
  name,
  shared: z.boolean().default(false),
  search,
});
export type CreateSavedViewInput = z.input<typeof createSavedViewInput>;

/** Only what is given changes. */
export const updateSavedViewInput = z.object({
  id: viewId,
  name: name.optional(),
  shared: z.boolean().optional(),
  search: search.optional(),
});
export type UpdateSavedViewInput = z.input<typeof updateSavedViewInput>;

export const savedViewIdInput = z.object({ id: viewId });
export type SavedViewIdInput = z.input<typeof savedViewIdInput>;
