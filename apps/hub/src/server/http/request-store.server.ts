import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

interface HttpRequestState {
  requestId: string;
}

/**
 * Carries what the HTTP envelope learned about a request to the code that serves it
 * (guards, routes), which Start calls without passing it along.
 */
export const httpRequestStore = new AsyncLocalStorage<HttpRequestState>();

export function currentRequestId(): string {
  return httpRequestStore.getStore()?.requestId ?? randomUUID();
}
