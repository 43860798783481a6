import { defineDomain } from '../runtime/domain.ts';
import { savedViewPermissions } from './api/saved-views.permissions.ts';
import { savedViewsRouter } from './api/saved-views.procedures.ts';
import { SAVED_VIEW_PAGES, type SavedViewPages } from './service/saved-view-pages.ts';

/**
 * Saved views, served under `views`: cross-page, so the platform keeps them; the pages they
 * belong to come from the app, whose URL schemas check every stored search.
 */
export function savedViewsDomain(pages: SavedViewPages) {
  return defineDomain({
    name: 'views',
    router: savedViewsRouter,
    permissions: savedViewPermissions,
    services: (root) => root.register(SAVED_VIEW_PAGES, { useValue: pages }),
  });
}
