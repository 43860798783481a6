import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** The caller's tokens in the current realm, and the permissions a new one may carry. */
export const listMyTokens = createServerFn({ method: 'GET' })
  .middleware([authGuard('page.tokens')])
  .handler(({ context }) => context.rpc.page.tokens.query());

/** Answers with the token itself: the page shows it once and it is never retrievable again. */
export const createToken = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.tokens.create')])
  .validator(inputOf('platform.tokens.create'))
  .handler(({ data, context }) => context.rpc.platform.tokens.create.mutate(data));

export const revokeToken = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.tokens.revoke')])
  .validator(inputOf('platform.tokens.revoke'))
  .handler(({ data, context }) => context.rpc.platform.tokens.revoke.mutate(data));
