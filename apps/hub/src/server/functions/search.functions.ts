import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** The quick search (Cmd/Ctrl-K): pages, identities, alerts and sources the caller may read. */
export const globalSearch = createServerFn({ method: 'GET' })
  .middleware([authGuard('dashboard.search')])
  .validator(inputOf('dashboard.search'))
  .handler(({ data, context }) => context.rpc.dashboard.search.query(data));
