import { useRouterState } from '@tanstack/react-router';

declare module '@tanstack/react-router' {
  interface HistoryState {
    /** Cursors of the inventory pages before this one (null: the first page), newest last. */
    inventoryCursorTrail?: (string | null)[];
  }
}

/**
 * Kept in the browser history entry of each page, so "previous" and the back button agree and a
 * shared URL (which carries only its own cursor) still works.
 */
export function useCursorTrail(): (string | null)[] {
  return useRouterState({ select: (state) => state.location.state.inventoryCursorTrail ?? [] });
}
