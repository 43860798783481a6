import { createMiddleware } from '@tanstack/react-start';
import { failServerFn } from './error-mapping.server.ts';

/** First in every serverFn's chain, so whatever fails after it leaves as a ServerFnError. */
export const serverFnErrors = createMiddleware({ type: 'function' }).server(async ({ next }) => {
  try {
    return await next();
  } catch (error) {
    throw await failServerFn(error);
  }
});
