import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** The caller's saved views of a page and the realm's shared ones, and whether the caller may share. */
export const listSavedViews = createServerFn({ method: 'GET' })
  .middleware([authGuard('views.list')])
  .validator(inputOf('views.list'))
  .handler(({ data, context }) => context.rpc.views.list.query(data));

/** The search is checked against the page's own URL schema: unknown parameters are refused. */
export const createSavedView = createServerFn({ method: 'POST' })
  .middleware([authGuard('views.create')])
  .validator(inputOf('views.create'))
  .handler(({ data, context }) => context.rpc.views.create.mutate(data));

export const updateSavedView = createServerFn({ method: 'POST' })
  .middleware([authGuard('views.update')])
  .validator(inputOf('views.update'))
  .handler(({ data, context }) => context.rpc.views.update.mutate(data));

export const deleteSavedView = createServerFn({ method: 'POST' })
  .middleware([authGuard('views.delete')])
  .validator(inputOf('views.delete'))
  .handler(({ data, context }) => context.rpc.views.delete.mutate(data));
