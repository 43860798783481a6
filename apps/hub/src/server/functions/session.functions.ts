import { createServerFn } from '@tanstack/react-start';
import { z } from 'zod';
import { inputValidator } from '../guards/input-validator.ts';
import { publicServerFn } from '../guards/public-server-fn.ts';
import { logIn, logOut, signInOptions } from './session.server.ts';

const credentials = z.object({
  email: z.string().trim().min(1, 'Enter your email').max(320),
  password: z.string().min(1, 'Enter your password').max(1024),
});

/** Public by nature. Throttling and the wording of failures live in AuthService. */
export const login = createServerFn({ method: 'POST' })
  .middleware([publicServerFn])
  .validator(inputValidator(credentials))
  .handler(({ data }) => logIn(data));

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
