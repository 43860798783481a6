import './saved-views.permissions.ts';
import { authorizedProcedure, router } from '../../rpc/trpc.ts';
import { SavedViews } from '../service/saved-views.ts';
import {
  createSavedViewInput,
  listSavedViewsInput,
  savedViewIdInput,
  updateSavedViewInput,
} from './saved-views.schema.ts';

// Every member holds realm:read; the service asks for the page's own read permission on top,
// and for view:share where a view is the realm's rather than the caller's.

/** views: saved views of the alert queue and the inventory, the caller's own and the realm's shared ones. */
export const savedViewsRouter = router({
  list: authorizedProcedure('realm:read')
    .input(listSavedViewsInput)
    .query(({ ctx, input }) => ctx.scope.container.resolve(SavedViews).list(input)),
  create: authorizedProcedure('realm:read')
    .input(createSavedViewInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(SavedViews).create(input)),
  update: authorizedProcedure('realm:read')
    .input(updateSavedViewInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(SavedViews).update(input)),
  delete: authorizedProcedure('realm:read')
    .input(savedViewIdInput)
    .mutation(({ ctx, input }) => ctx.scope.container.resolve(SavedViews).delete(input)),
});
