import { addCredentialInput, revokeCredentialInput, rotateCredentialInput } from '@nhi/nhi/schema';
import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputValidator } from '../guards/input-validator.ts';
import { addCredentialFor, revokeCredentialFor, rotateCredentialFor } from './nhi.server.ts';

/** Takes the secret once, for its fingerprint and hint; answers with the new credential's id only. */
export const addCredential = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi:write')])
  .validator(inputValidator(addCredentialInput))
  .handler(({ data, context }) => addCredentialFor(context.scope, data));

export const rotateCredential = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi:write')])
  .validator(inputValidator(rotateCredentialInput))
  .handler(({ data, context }) => rotateCredentialFor(context.scope, data));

export const revokeCredential = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi:write')])
  .validator(inputValidator(revokeCredentialInput))
  .handler(({ data, context }) => revokeCredentialFor(context.scope, data));
