import { useRouter } from '@tanstack/react-router';
import { errorCodeOf, errorMessageOf, ServerFnError } from '../../lib/server-fn-error.ts';

/** Invalid input names what to fix: the first issue says more than "the request is not valid". */
function firstIssueOf(failure: unknown): string | undefined {
  if (!(failure instanceof ServerFnError) || failure.code !== 'BAD_REQUEST') return undefined;
  const issues = failure.details?.issues;
  const [first] = Array.isArray(issues) ? issues : [];
  return typeof first?.message === 'string' ? first.message : undefined;
}

/**
 * What to tell the user when a call failed; a session that ended elsewhere (logged out in
 * another tab, expired) goes back to the login page instead.
 */
export function useFailureMessage(): (failure: unknown) => Promise<string | null> {
  const router = useRouter();
  return async (failure) => {
    if (errorCodeOf(failure) === 'UNAUTHENTICATED') {
      // Back here after logging in again.
      await router.navigate({ to: '/login', search: { next: router.state.location.publicHref } });
      return null;
    }
    return firstIssueOf(failure) ?? errorMessageOf(failure);
  };
}
