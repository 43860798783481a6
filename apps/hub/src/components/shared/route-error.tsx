import { type ErrorComponentProps, useRouter } from '@tanstack/react-router';
import { errorMessageOf } from '../../lib/server-fn-error.ts';

/**
 * What a page shows when it failed to load or render: inside the app's frame (the header and
 * navigation stay), with what went wrong and a way to try again.
 */
export function RouteError({ error, reset }: ErrorComponentProps) {
  const router = useRouter();
  async function retry() {
    await router.invalidate();
    reset();
  }
  return (
    <div className="card stack" data-testid="route-error">
      <h1>This page could not be shown</h1>
      <p role="alert" className="error">
        {error instanceof TypeError ? 'The hub did not answer.' : errorMessageOf(error)}
      </p>
      <div>
        <button type="button" className="button" onClick={retry} data-testid="route-error-retry">
          Try again
        </button>
      </div>
    </div>
  );
}
