import { z } from 'zod';
import { searchMinLength } from './global-search-view.ts';

/** The palette's text, trimmed; two characters at least, a long name at most. */
export const globalSearchInput = z.object({
  q: z.string().trim().min(searchMinLength).max(200),
});
export type GlobalSearchInput = z.input<typeof globalSearchInput>;
