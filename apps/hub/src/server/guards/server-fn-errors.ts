import { createMiddleware } from '@tanstack/react-start';
import { currentRequestId } from '../http/request-store.server.ts';
import { hubRuntime } from '../hub-runtime.server.ts';
import { toServerFnError } from './error-mapping.server.ts';

/** First in every serverFn's chain, so whatever fails after it leaves as a ServerFnError. */
export const serverFnErrors = createMiddleware({ type: 'function' }).server(async ({ next }) => {
  try {
    return await next();
  } catch (error) {
    throw await toServerFnError(error, {
      requestId: currentRequestId(),
      logger: async () => (await hubRuntime()).logger,
    });
  }
});
