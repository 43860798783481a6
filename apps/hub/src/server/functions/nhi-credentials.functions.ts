import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** Takes the secret once, for its fingerprint and hint; the answer carries those only. */
export const addCredential = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi.credential.add')])
  .validator(inputOf('nhi.credential.add'))
  .handler(({ data, context }) => context.rpc.nhi.credential.add.mutate(data));

export const rotateCredential = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi.credential.rotate')])
  .validator(inputOf('nhi.credential.rotate'))
  .handler(({ data, context }) => context.rpc.nhi.credential.rotate.mutate(data));

export const revokeCredential = createServerFn({ method: 'POST' })
  .middleware([authGuard('nhi.credential.revoke')])
  .validator(inputOf('nhi.credential.revoke'))
  .handler(({ data, context }) => context.rpc.nhi.credential.revoke.mutate(data));
