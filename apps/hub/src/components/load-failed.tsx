import { useRouter } from '@tanstack/react-router';
import { errorMessageOf } from '../lib/server-fn-error.ts';

/** A page whose data could not be loaded: what failed, why, and a way to try again. */
export function LoadFailed({ what, error, testId }: { what: string; error: unknown; testId: string }) {
  const router = useRouter();
  return (
    <div className="card inventory-state stack" data-testid={testId}>
      <p role="alert" className="error">
        {what} could not be loaded: {errorMessageOf(error)}
      </p>
      <div>
        <button type="button" className="button secondary" onClick={() => router.invalidate()}>
          Try again
        </button>
      </div>
    </div>
  );
}
