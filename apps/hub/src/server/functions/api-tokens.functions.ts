import { createApiTokenInput, revokeApiTokenInput } from '@nhi/platform/api-tokens';
import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputValidator } from '../guards/input-validator.ts';
import { apiTokensPageOf, createMyApiToken, revokeMyApiToken } from './api-tokens.server.ts';

/** The caller's tokens in the current realm, and the permissions a new one may carry. */
export const listMyTokens = createServerFn({ method: 'GET' })
  .middleware([authGuard('token:manage')])
  .handler(({ context }) => apiTokensPageOf(context.scope));

/** Answers with the token itself: the page shows it once and it is never retrievable again. */
export const createToken = createServerFn({ method: 'POST' })
  .middleware([authGuard('token:manage')])
  .validator(inputValidator(createApiTokenInput))
  .handler(({ data, context }) => createMyApiToken(context.scope, data));

export const revokeToken = createServerFn({ method: 'POST' })
  .middleware([authGuard('token:manage')])
  .validator(inputValidator(revokeApiTokenInput))
  .handler(({ data, context }) => revokeMyApiToken(context.scope, data));
