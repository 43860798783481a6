import { useRouter } from '@tanstack/react-router';
import { errorMessageOf } from '../../lib/server-fn-error.ts';

export function PolicyError({ error }: { error: unknown }) {
  const router = useRouter();
  return (
    <div className="card inventory-state stack" data-testid="policy-failed">
      <p role="alert" className="error">
        This page could not be loaded: {errorMessageOf(error)}
      </p>
      <div>
        <button type="button" className="button secondary" onClick={() => router.invalidate()}>
          Try again
        </button>
      </div>
    </div>
  );
}
