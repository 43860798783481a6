import type { InjectionToken } from 'tsyringe';
import { ValidationError } from '../../errors/domain-errors.ts';
import { maxSearchLength, type SavedViewPageName } from '../api/saved-views.schema.ts';

/** What a page tells saved views about itself. */
export interface SavedViewPage {
  /** Who may read the page may keep views of it. */
  readPermission: string;
  /**
   * The page's own URL schema: reads a search and keeps what it understands. The page drops
   * unknown or malformed values rather than fail; a view is held to it strictly instead.
   */
  parseSearch(search: Record<string, unknown>): object;
  /** Paging parameters: a view opens at the first page, so they are left out of it. */
  pagingKeys: readonly string[];
}

export type SavedViewPages = Record<SavedViewPageName, SavedViewPage>;

/** The pages, registered by the app that serves them (their URL schemas live with their UI). */
export const SAVED_VIEW_PAGES: InjectionToken<SavedViewPages> = Symbol('SavedViewPages');

/** Undefined entries dropped, as the URL and the stored JSON have them. */
function definedEntries(value: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

/**
 * The search as the page reads it, without paging. A parameter the page would drop or read
 * differently is refused by name, so a stored view always opens the page exactly as saved.
 */
export function viewSearchOf(
  pageName: SavedViewPageName,
  page: SavedViewPage,
  search: Record<string, unknown>,
): Record<string, unknown> {
  const given = definedEntries(search);
  if (JSON.stringify(given).length > maxSearchLength) {
    throw new ValidationError('Invalid view', [
      { path: ['search'], message: `The search is longer than ${maxSearchLength} characters` },
    ]);
  }
  const parsed = definedEntries(page.parseSearch(given));
  const refused = Object.keys(given).filter(
    (key) => JSON.stringify(parsed[key]) !== JSON.stringify(given[key]),
  );
  if (refused.length > 0) {
    throw new ValidationError(
      `The ${pageName} page does not understand these search parameters: ${refused.join(', ')}`,
      refused.map((key) => ({
        path: ['search', key],
        message: `Unknown or invalid parameter of the ${pageName} page`,
      })),
    );
  }
  for (const key of page.pagingKeys) delete parsed[key];
  return parsed;
}
