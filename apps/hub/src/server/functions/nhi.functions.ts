import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** One page of the inventory with its total. */
export const listNhis = createServerFn({ method: 'GET' })
  .middleware([authGuard('nhi.list')])
  .validator(inputOf('nhi.list'))
  .handler(({ data, context }) => context.rpc.nhi.list.query(data));

/** Realm members and groups (owner choices), what the caller may do, and the server's "now". */
export const inventoryContext = createServerFn({ method: 'GET' })
  .middleware([authGuard('nhi.context')])
  .handler(({ context }) => context.rpc.nhi.context.query());

/** One identity with its credentials: what the edit page starts from. */
export const getNhi = createServerFn({ method: 'GET' })
  .middleware([authGuard('nhi.get')])
  .validator(inputOf('nhi.get'))
  .handler(({ data, context }) => context.rpc.nhi.get.query(data));

/** Everything the detail page shows: the identity, its credentials, versions, audit trail and risk. */
export const getNhiPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('page.nhi')])
  .validator(inputOf('page.nhi'))
  .handler(({ data, context }) => context.rpc.page.nhi.query(data));

export const createNhi = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi.create')])
  .validator(inputOf('nhi.create'))
  .handler(({ data, context }) => context.rpc.nhi.create.mutate(data));

/** A stale expectedVersion fails with CONFLICT, carrying what changed meanwhile. */
export const updateNhi = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi.update')])
  .validator(inputOf('nhi.update'))
  .handler(({ data, context }) => context.rpc.nhi.update.mutate(data));

export const deleteNhi = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi.delete')])
  .validator(inputOf('nhi.delete'))
  .handler(({ data, context }) => context.rpc.nhi.delete.mutate(data));

export const restoreNhi = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi.restore')])
  .validator(inputOf('nhi.restore'))
  .handler(({ data, context }) => context.rpc.nhi.restore.mutate(data));
