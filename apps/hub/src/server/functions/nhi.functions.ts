import { createNhiInput, listNhiInput, nhiIdInput, updateNhiInput } from '@nhi/nhi/schema';
import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputValidator } from '../guards/input-validator.ts';
import {
  createNhiFor,
  deleteNhiFor,
  inventoryContextOf,
  listNhisOf,
  nhiPageOf,
  restoreNhiFor,
  updateNhiFor,
} from './nhi.server.ts';

/** One page of the inventory with its total, through the service nhi.list serves. */
export const listNhis = createServerFn({ method: 'GET' })
  .middleware([authGuard('nhi:read')])
  .validator(inputValidator(listNhiInput))
  .handler(({ data, context }) => listNhisOf(context.scope, data));

/** Realm members (owner choices), what the caller may do, and the server's "now". */
export const inventoryContext = createServerFn({ method: 'GET' })
  .middleware([authGuard('nhi:read')])
  .handler(({ context }) => inventoryContextOf(context.scope));

/** Everything the detail page shows: the identity, its credentials, versions and audit trail. */
export const getNhiPage = createServerFn({ method: 'GET' })
  .middleware([authGuard('nhi:read')])
  .validator(inputValidator(nhiIdInput))
  .handler(({ data, context }) => nhiPageOf(context.scope, data.id));

export const createNhi = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi:write')])
  .validator(inputValidator(createNhiInput))
  .handler(({ data, context }) => createNhiFor(context.scope, data));

/** A stale expectedVersion fails with CONFLICT, carrying what changed meanwhile. */
export const updateNhi = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi:write')])
  .validator(inputValidator(updateNhiInput))
  .handler(({ data, context }) => updateNhiFor(context.scope, data));

export const deleteNhi = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi:delete')])
  .validator(inputValidator(nhiIdInput))
  .handler(({ data, context }) => deleteNhiFor(context.scope, data.id));

export const restoreNhi = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi:delete')])
  .validator(inputValidator(nhiIdInput))
  .handler(({ data, context }) => restoreNhiFor(context.scope, data.id));
