import { createServerFn } from '@tanstack/react-start';
import { z } from 'zod';
import { inputValidator } from '../guards/input-validator.ts';
import { publicServerFn } from '../guards/public-server-fn.ts';
import {
  beginEnrolmentAtLogin,
  confirmEnrolmentAtLogin,
  logIn,
  logInSecondFactor,
  logOut,
  signInOptions,
} from './session.server.ts';

const credentials = z.object({
  email: z.string().trim().min(1, 'Enter your email').max(320),
  password: z.string().min(1, 'Enter your password').max(1024),
});

const challenge = z.string().min(1).max(4096);
const totpCode = z
  .string()
  .trim()
  .regex(/^\d{6}$/, 'Enter the 6-digit code from your authenticator app');
const secondFactor = z
  .object({ challenge, code: totpCode.optional(), recoveryCode: z.string().trim().min(1).max(64).optional() })
  .refine((input) => (input.code === undefined) !== (input.recoveryCode === undefined), {
    message: 'Enter a code or a recovery code',
    path: ['code'],
  });

/** Public by nature. Throttling and the wording of failures live in AuthService. */
export const login = createServerFn({ method: 'POST' })
  .middleware([publicServerFn])
  .validator(inputValidator(credentials))
  .handler(({ data }) => logIn(data));

/**
 * Public: the second step of a login holds no session yet, only the challenge the password step
 * answered with. Wrong codes count in the same throttle as wrong passwords (AuthService).
 */
export const loginSecondFactor = createServerFn({ method: 'POST' })
  .middleware([publicServerFn])
  .validator(inputValidator(secondFactor))
  .handler(({ data }) => logInSecondFactor(data));

/** Public, like the second step: a realm requires TOTP, and enrolment comes before the session. */
export const loginEnrolmentBegin = createServerFn({ method: 'POST' })
  .middleware([publicServerFn])
  .validator(inputValidator(z.object({ challenge })))
  .handler(({ data }) => beginEnrolmentAtLogin(data));

export const loginEnrolmentConfirm = createServerFn({ method: 'POST' })
  .middleware([publicServerFn])
  .validator(inputValidator(z.object({ challenge, code: totpCode })))
  .handler(({ data }) => confirmEnrolmentAtLogin(data));

/**
 * Public so that a stale or expired cookie can still be cleared: a live session is revoked
 * server-side, and the cookie goes either way.
 */
export const logout = createServerFn({ method: 'POST' })
  .middleware([publicServerFn])
  .handler(() => logOut());

/** Public: the login page asks before anyone is logged in. Names and ids of providers only. */
export const loginOptions = createServerFn({ method: 'GET' })
  .middleware([publicServerFn])
  .handler(() => signInOptions());
