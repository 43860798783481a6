import { bulkUpdateInput, exportNhiInput, importNhiInput } from '@nhi/nhi/schema';
import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputValidator } from '../guards/input-validator.ts';
import { bulkUpdateNhisFor, exportNhisFor, importNhisFor } from './nhi.server.ts';

/** Owner, tags or environment of many identities at once, in one transaction. */
export const bulkUpdateNhis = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi:write')])
  .validator(inputValidator(bulkUpdateInput))
  .handler(({ data, context }) => bulkUpdateNhisFor(context.scope, data));

/** Every identity matching the filter, as the file the browser then saves. */
export const exportNhis = createServerFn({ method: 'GET' })
  .middleware([authGuard('nhi:read')])
  .validator(inputValidator(exportNhiInput))
  .handler(({ data, context }) => exportNhisFor(context.scope, data));

/** Nothing is written when a row is invalid, unless skipInvalid; each bad row comes back with its line. */
export const importNhis = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi:import')])
  .validator(inputValidator(importNhiInput, { fileFields: ['content'] }))
  .handler(({ data, context }) => importNhisFor(context.scope, data));
