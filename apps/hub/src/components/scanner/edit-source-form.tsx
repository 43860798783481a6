import type { SourceView } from '@nhi/scanner/schema';
import type { FormEvent } from 'react';
import { updateSource } from '../../server/functions/scanner.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';
import { sourceFieldsOf, sourceFormValues } from './source-fields.ts';
import { SourceEnvironmentField, SourceSettingFields } from './source-form-fields.tsx';

/**
 * Changes a source's name, environment, schedule and settings. Stored credentials are never shown:
 * left blank they are kept, typed in they replace the stored ones.
 */
export function EditSourceForm({ source, onSaved }: { source: SourceView; onSaved: () => Promise<void> }) {
  const { pending, error, run } = usePendingAction();
  const fields = sourceFieldsOf[source.type];

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const values = sourceFormValues(source.type, new FormData(event.currentTarget));
    void run(() => updateSource({ data: { id: source.id, ...values } }), onSaved);
  }

  return (
    <form className="stack" onSubmit={onSubmit} data-testid="edit-source-form">
      <div className="form-row">
        <label className="field grow">
          <span>Name</span>
          <input name="name" required maxLength={120} defaultValue={source.name} autoComplete="off" />
        </label>
        <SourceEnvironmentField defaultValue={source.environment} />
        <label className="field">
          <span>Schedule (cron, UTC)</span>
          <input
            name="schedule"
            defaultValue={source.schedule ?? ''}
            placeholder="on demand"
            autoComplete="off"
          />
        </label>
      </div>
      <SourceSettingFields type={source.type} stored={source} />
      {fields.secrets.length > 0 ? (
        <p className="hint">
          Stored credentials are never shown. Leave them blank to keep them; typing any replaces them all.
        </p>
      ) : null}
      <div>
        <button type="submit" disabled={pending} data-testid="edit-source-submit">
          {pending ? 'Saving…' : 'Save'}
        </button>
      </div>
      <AlertMessage message={error} />
    </form>
  );
}
