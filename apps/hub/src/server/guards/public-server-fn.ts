import { createMiddleware } from '@tanstack/react-start';
import { serverFnErrors } from './server-fn-errors.ts';

/**
 * Marks a serverFn that anyone may call (logging in). Explicit, so that a serverFn
 * without authGuard is a decision someone wrote down rather than an omission.
 */
export const publicServerFn = createMiddleware({ type: 'function' }).middleware([serverFnErrors]);
