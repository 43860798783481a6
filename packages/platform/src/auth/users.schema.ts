import { z } from 'zod';

export const inviteUserInput = z.object({
  email: z.string().trim().min(1, 'Enter an email address').max(320).email('Not an email address'),
  role: z.enum(['admin', 'editor', 'viewer']),
});

export type InviteUserInput = z.infer<typeof inviteUserInput>;

export const userIdInput = z.object({ userId: z.string().min(1).max(100) });

export type UserIdInput = z.infer<typeof userIdInput>;

export const changePasswordInput = z.object({
  currentPassword: z.string().min(1, 'Enter your current password').max(1024),
  newPassword: z.string().min(1, 'Enter a new password').max(1024),
});

export type ChangePasswordInput = z.infer<typeof changePasswordInput>;

/** A one-time link's token as the public page reads it from its address. */
export const passwordLinkInput = z.object({ token: z.string().min(20).max(100) });

export const redeemPasswordLinkInput = passwordLinkInput.extend({
  password: z.string().min(1, 'Choose a password').max(1024),
});

export const setRoleInput = userIdInput.extend({ role: z.enum(['admin', 'editor', 'viewer']) });

export type SetRoleInput = z.infer<typeof setRoleInput>;
