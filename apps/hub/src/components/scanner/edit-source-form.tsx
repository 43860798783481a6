import type { SourceView } from '@nhi/scanner/schema';
import type { FormEvent } from 'react';
import { updateSource } from '../../server/functions/scanner.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';
import { sourceEnvironments, sourceFieldsOf, sourceFormValues } from './source-fields.ts';

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
        <label className="field">
          <span>Environment</span>
          <select name="environment" defaultValue={source.environment}>
            {sourceEnvironments.map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
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
      <div className="form-row">
        {fields.settings.map(([key, label]) => (
          <label className="field grow" key={key}>
            <span>{label}</span>
            <input
              name={`setting.${key}`}
              defaultValue={String(source.settings[key] ?? '')}
              autoComplete="off"
            />
          </label>
        ))}
        {source.type === 'secrets' ? (
          <label className="field">
            <span>Git history</span>
            <input type="checkbox" name="setting.history" defaultChecked={source.settings.history === true} />
          </label>
        ) : null}
        {fields.secrets.map(([key, label]) => (
          <label className="field grow" key={key}>
            <span>{label}</span>
            <input
              name={`secret.${key}`}
              type="password"
              autoComplete="off"
              placeholder={source.secretNames.includes(key) ? 'stored; blank keeps it' : 'not set'}
            />
          </label>
        ))}
      </div>
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
