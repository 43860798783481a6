export * from './api/saved-views.permissions.ts';
export * from './api/saved-views.procedures.ts';
export * from './api/saved-views.schema.ts';
export * from './saved-views.domain.ts';
export * from './service/saved-view-pages.ts';
export {
  maxViewsPerPage,
  type SavedView,
  type SavedViewList,
  type SavedViewSearch,
  type SavedViewSearchValue,
  SavedViews,
} from './service/saved-views.ts';
