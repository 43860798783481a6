/**
 * What the quick search (Cmd/Ctrl-K) answers, as plain data: the palette imports these types only.
 * `id` is what a hit leads to: an identity, alert or source id, or a page's path.
 */
export const searchHitKinds = ['page', 'identity', 'alert', 'source'] as const;
export type SearchHitKind = (typeof searchHitKinds)[number];

export interface SearchHit {
  kind: SearchHitKind;
  id: string;
  label: string;
  /** The second line: what tells the hit from a namesake. */
  detail: string;
}

export interface SearchResults {
  /** The text searched, trimmed: the palette drops an answer to anything but its latest text. */
  q: string;
  /** At most `searchHitsPerKind` of each kind the caller may read, grouped by kind in `searchHitKinds` order. */
  hits: SearchHit[];
}

export const searchHitsPerKind = 5;
/** Shorter text matches most of a realm and says little: the palette waits for the second character. */
export const searchMinLength = 2;
