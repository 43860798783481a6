import { createServerFn } from '@tanstack/react-start';
import { authGuard } from '../guards/auth-guard.ts';
import { inputOf } from '../rpc/procedure-input.ts';

/** The realm's members, for its admins. */
export const listUsers = createServerFn({ method: 'GET' })
  .middleware([authGuard('platform.users.list')])
  .handler(({ context }) => context.rpc.platform.users.list.query());

/** Answers the one-time link when it could not be mailed: the page shows it once. */
export const inviteUser = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.users.invite')])
  .validator(inputOf('platform.users.invite'))
  .handler(({ data, context }) => context.rpc.platform.users.invite.mutate(data));

export const disableUser = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.users.disable')])
  .validator(inputOf('platform.users.disable'))
  .handler(({ data, context }) => context.rpc.platform.users.disable.mutate(data));

export const enableUser = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.users.enable')])
  .validator(inputOf('platform.users.enable'))
  .handler(({ data, context }) => context.rpc.platform.users.enable.mutate(data));

export const resetUserPassword = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.users.resetPassword')])
  .validator(inputOf('platform.users.resetPassword'))
  .handler(({ data, context }) => context.rpc.platform.users.resetPassword.mutate(data));

/** The role in the current realm only. */
export const setUserRole = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.users.setRole')])
  .validator(inputOf('platform.users.setRole'))
  .handler(({ data, context }) => context.rpc.platform.users.setRole.mutate(data));

/** The membership in the current realm: the account and its other realms stay. */
export const removeUser = createServerFn({ method: 'POST' })
  .middleware([authGuard('platform.users.remove')])
  .validator(inputOf('platform.users.remove'))
  .handler(({ data, context }) => context.rpc.platform.users.remove.mutate(data));
