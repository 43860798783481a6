import { z } from 'zod';

const password = z.string().min(1, 'Enter your password').max(1024);
const totpCode = z
  .string()
  .trim()
  .regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app');
const recoveryCode = z.string().trim().min(1).max(64);

export const beginMfaInput = z.object({ password });
export const confirmMfaInput = z.object({ code: totpCode });
/** Removal: the password, and either a current code or a recovery code. */
export const disableMfaInput = z
  .object({ password, code: totpCode.optional(), recoveryCode: recoveryCode.optional() })
  .refine((input) => (input.code === undefined) !== (input.recoveryCode === undefined), {
    message: 'Give either a code or a recovery code',
    path: ['code'],
  });
export const realmMfaRequirementInput = z.object({ required: z.boolean() });

export type DisableMfaInput = z.infer<typeof disableMfaInput>;
