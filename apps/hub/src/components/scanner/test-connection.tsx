import type { ConnectionTestResult, SourceType } from '@nhi/scanner/schema';
import { type RefObject, useState } from 'react';
import { testSourceConnection } from '../../server/functions/scanner.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';
import { sourceFieldsOf, sourceFormValues } from './source-fields.ts';

/** Types whose sources reach a provider (or a directory) with what the form holds. */
export function hasConnection(type: SourceType): boolean {
  return sourceFieldsOf[type].secrets.length > 0 || type === 'secrets';
}

/**
 * Tries the credentials typed into the form with one call to the provider, before anything is saved;
 * the answer is the provider's, the credentials stay in the form.
 */
export function TestConnectionButton({
  type,
  form,
}: {
  type: SourceType;
  form: RefObject<HTMLFormElement | null>;
}) {
  const { pending, error, run } = usePendingAction();
  const [result, setResult] = useState<ConnectionTestResult | null>(null);

  function onTest() {
    if (!form.current) return;
    const { settings, secrets } = sourceFormValues(type, new FormData(form.current));
    setResult(null);
    void run(
      () => testSourceConnection({ data: { type, settings, secrets: secrets ?? {} } }),
      (answer) => setResult(answer),
    );
  }

  return (
    <div className="connection-test">
      <button
        type="button"
        className="button secondary"
        disabled={pending}
        onClick={onTest}
        data-testid="test-connection"
      >
        {pending ? 'Testing…' : 'Test connection'}
      </button>
      {result ? (
        <p
          className={result.ok ? 'connection-result ok' : 'connection-result failed'}
          role="status"
          data-testid="connection-result"
          data-ok={result.ok ? 'true' : 'false'}
        >
          {result.ok ? 'Connected: ' : 'Failed: '}
          {result.message}
        </p>
      ) : null}
      <AlertMessage message={error} inline />
    </div>
  );
}
