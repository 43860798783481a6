import { createCsrfMiddleware, createStart } from '@tanstack/react-start';
import { serverFnErrorAdapter } from './lib/server-fn-error.ts';
import { realmHeader } from './server/guards/realm-header.ts';
import { serverFnSpan } from './server/guards/server-fn-span.ts';

export const startInstance = createStart(() => ({
  serializationAdapters: [serverFnErrorAdapter],
  // Start's own default, stated because a start instance replaces it: serverFn calls are
  // accepted only from our own pages (Sec-Fetch-Site, else Origin, else Referer).
  requestMiddleware: [createCsrfMiddleware({ filter: (ctx) => ctx.handlerType === 'serverFn' })],
  functionMiddleware: [realmHeader, serverFnSpan],
}));
