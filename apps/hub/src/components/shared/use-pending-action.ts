import { useState } from 'react';
import { useFailureMessage } from './use-failure-message.ts';

/**
 * One server call at a time from a control: `pending` disables it, a failure becomes the message
 * to show (or a trip to the login page), and `then` runs only after success.
 */
export function usePendingAction() {
  const failureMessage = useFailureMessage();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function run<T>(action: () => Promise<T>, then?: (result: T) => Promise<void> | void): Promise<void> {
    setPending(true);
    setError(null);
    try {
      const result = await action();
      await then?.(result);
    } catch (failure) {
      setError(await failureMessage(failure));
    } finally {
      setPending(false);
    }
  }

  return { pending, error, setError, run };
}
