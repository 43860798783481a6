import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** Whether the caller has TOTP, how many recovery codes are left, and which realms require it. */
export const myMfaStatus = createServerFn({ method: 'GET' })
  .middleware([authGuard('platform.mfa.status')])
  .handler(({ context }) => context.rpc.platform.mfa.status.query());

/** Answers with the secret and its otpauth:// URI, shown until the first code confirms them. */
export const beginMfa = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.mfa.begin')])
  .validator(inputOf('platform.mfa.begin'))
  .handler(({ data, context }) => context.rpc.platform.mfa.begin.mutate(data));

/** Answers with the recovery codes: the only time they are ever shown. */
export const confirmMfa = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.mfa.confirm')])
  .validator(inputOf('platform.mfa.confirm'))
  .handler(({ data, context }) => context.rpc.platform.mfa.confirm.mutate(data));

export const disableMfa = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.mfa.disable')])
  .validator(inputOf('platform.mfa.disable'))
  .handler(({ data, context }) => context.rpc.platform.mfa.disable.mutate(data));

export const realmMfaRequirement = createServerFn({ method: 'GET' })
  .middleware([authGuard('platform.mfa.realmRequirement')])
  .handler(({ context }) => context.rpc.platform.mfa.realmRequirement.query());

export const setRealmMfaRequirement = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.mfa.setRealmRequirement')])
  .validator(inputOf('platform.mfa.setRealmRequirement'))
  .handler(({ data, context }) => context.rpc.platform.mfa.setRealmRequirement.mutate(data));
