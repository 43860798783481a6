import { authorizedProcedure, router } from '../rpc/trpc.ts';
import { changeMyPassword, mySessions, signOutEverywhere } from './my-account.ts';
import {
  disableUser,
  enableUser,
  inviteUser,
  listRealmUsers,
  removeMember,
  requestPasswordReset,
  setMemberRole,
} from './user-admin.ts';
import { changePasswordInput, inviteUserInput, setRoleInput, userIdInput } from './users.schema.ts';

/** Accounts, sessions and memberships are the hub's, whichever instance serves the realm. */
const hubOnly = { hubOnly: true } as const;

/** platform.users: the realm's members, for its admins. */
export const usersRouter = router({
  list: authorizedProcedure('user:manage', hubOnly).query(({ ctx }) => listRealmUsers(ctx.scope)),
  /** Answers the one-time link only when it was not mailed: the only time it is ever shown. */
  invite: authorizedProcedure('user:manage', hubOnly)
    .input(inviteUserInput)
    .mutation(({ ctx, input }) => inviteUser(ctx.scope, input)),
  disable: authorizedProcedure('user:manage', hubOnly)
    .input(userIdInput)
    .mutation(({ ctx, input }) => disableUser(ctx.scope, input)),
  enable: authorizedProcedure('user:manage', hubOnly)
    .input(userIdInput)
    .mutation(({ ctx, input }) => enableUser(ctx.scope, input)),
  resetPassword: authorizedProcedure('user:manage', hubOnly)
    .input(userIdInput)
    .mutation(({ ctx, input }) => requestPasswordReset(ctx.scope, input)),
  /** The role in this realm only; never the caller's own, never the realm's last admin's. */
  setRole: authorizedProcedure('user:manage', hubOnly)
    .input(setRoleInput)
    .mutation(({ ctx, input }) => setMemberRole(ctx.scope, input)),
  /** The membership in this realm only: the account and its other realms stay. */
  remove: authorizedProcedure('user:manage', hubOnly)
    .input(userIdInput)
    .mutation(({ ctx, input }) => removeMember(ctx.scope, input)),
});

/** platform.me: the caller's own account. */
export const meRouter = router({
  sessions: authorizedProcedure('account:manage', hubOnly).query(({ ctx }) => mySessions(ctx.scope)),
  changePassword: authorizedProcedure('account:manage', hubOnly)
    .input(changePasswordInput)
    .mutation(({ ctx, input }) => changeMyPassword(ctx.scope, input)),
  signOutEverywhere: authorizedProcedure('account:manage', hubOnly).mutation(({ ctx }) =>
    signOutEverywhere(ctx.scope),
  ),
});
