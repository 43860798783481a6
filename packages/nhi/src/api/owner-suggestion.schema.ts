import { z } from 'zod';

/** The shapes of the ownership suggestions (ADR 0041), shared by the procedures and the hub's pages. */

export const listOwnerSuggestionsInput = z.object({
  /** Only the suggestions of this group. */
  groupId: z.string().uuid().optional(),
  page: z.number().int().min(1).max(10_000).default(1),
  pageSize: z.number().int().min(1).max(200).default(50),
});

/** The version is the identity's as the caller saw it: a change since is a conflict, as for an edit. */
export const acceptOwnerSuggestionInput = z.object({
  id: z.string().uuid(),
  expectedVersion: z.number().int().min(1),
});

export const ownerSuggestionIdInput = z.object({ id: z.string().uuid() });

export const acceptGroupSuggestionsInput = z.object({ groupId: z.string().uuid() });

export type ListOwnerSuggestionsInput = z.input<typeof listOwnerSuggestionsInput>;
export type AcceptOwnerSuggestionInput = z.input<typeof acceptOwnerSuggestionInput>;
