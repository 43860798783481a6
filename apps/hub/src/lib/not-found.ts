import { notFound } from '@tanstack/react-router';
import { ServerFnError } from './server-fn-error.ts';

/**
 * For a page loader whose serverFn looks up what the URL names: a record missing from the
 * realm (404), or an id that could not name one (400, the id being all the loader sends),
 * becomes the router's not-found state, rendered as such and answered 404, rather than an
 * error page answered 500.
 */
export async function orNotFound<T>(load: Promise<T>): Promise<T> {
  try {
    return await load;
  } catch (error) {
    if (error instanceof ServerFnError && (error.status === 404 || error.status === 400)) throw notFound();
    throw error;
  }
}
