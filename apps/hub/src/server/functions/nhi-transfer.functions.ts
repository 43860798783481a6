import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** Owner, tags or environment of many identities at once, in one transaction. */
export const bulkUpdateNhis = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi.bulkUpdate')])
  .validator(inputOf('nhi.bulkUpdate'))
  .handler(({ data, context }) => context.rpc.nhi.bulkUpdate.mutate(data));

/** Every identity matching the filter, as the file the browser then saves. */
export const exportNhis = createServerFn({ method: 'GET' })
  .middleware([authGuard('nhi.export')])
  .validator(inputOf('nhi.export'))
  .handler(({ data, context }) => context.rpc.nhi.export.query(data));

/** Nothing is written when a row is invalid, unless skipInvalid; each bad row comes back with its line. */
export const importNhis = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi.import')])
  .validator(inputOf('nhi.import'))
  .handler(({ data, context }) => context.rpc.nhi.import.mutate(data));
