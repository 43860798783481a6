import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** Answers with the token itself: the page shows it once and it is never retrievable again. */
export const createScimToken = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.scimTokens.create')])
  .validator(inputOf('platform.scimTokens.create'))
  .handler(({ data, context }) => context.rpc.platform.scimTokens.create.mutate(data));

export const revokeScimToken = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.scimTokens.revoke')])
  .validator(inputOf('platform.scimTokens.revoke'))
  .handler(({ data, context }) => context.rpc.platform.scimTokens.revoke.mutate(data));
