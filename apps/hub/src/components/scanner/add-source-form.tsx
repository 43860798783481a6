import type { CreateSourceInput, SourceType } from '@nhi/scanner/schema';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { createSource } from '../../server/functions/scanner.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';
import { sourceFieldsOf, sourceFormValues, sourceTypeLabels } from './source-fields.ts';
import { SourceEnvironmentField, SourceSettingFields } from './source-form-fields.tsx';
import { hasConnection, TestConnectionButton } from './test-connection.tsx';

function inputFrom(type: SourceType, form: FormData): CreateSourceInput {
  return { type, ...sourceFormValues(type, form) };
}

export function AddSourceForm({ onCreated }: { onCreated: () => Promise<void> }) {
  const [type, setType] = useState<SourceType>('aws_iam');
  const { pending, error, run } = usePendingAction();
  const [hydrated, setHydrated] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => setHydrated(true), []);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    void run(
      () => createSource({ data: inputFrom(type, new FormData(form)) }),
      async () => {
        form.reset();
        await onCreated();
      },
    );
  }

  return (
    <form
      ref={formRef}
      className="card stack"
      onSubmit={onSubmit}
      data-testid="add-source-form"
      data-ready={hydrated ? 'true' : 'false'}
    >
      <h2>Add a source</h2>
      <div className="form-row">
        <label className="field">
          <span>Type</span>
          <select
            name="type"
            value={type}
            onChange={(e) => setType(e.target.value as SourceType)}
            data-testid="source-type"
          >
            {Object.entries(sourceTypeLabels).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label className="field grow">
          <span>Name</span>
          <input name="name" required maxLength={120} autoComplete="off" data-testid="source-name" />
        </label>
        <SourceEnvironmentField defaultValue="unknown" />
        <label className="field">
          <span>Schedule (cron, UTC)</span>
          <input name="schedule" placeholder="0 3 * * *" autoComplete="off" />
        </label>
      </div>
      <SourceSettingFields type={type} />
      {sourceFieldsOf[type].secrets.length > 0 ? (
        <p className="hint">Credentials are encrypted when saved and never shown again.</p>
      ) : null}
      <div className="form-actions">
        <button type="submit" disabled={pending} data-testid="add-source-submit">
          Add source
        </button>
        {hasConnection(type) ? <TestConnectionButton key={type} type={type} form={formRef} /> : null}
      </div>
      <AlertMessage message={error} />
    </form>
  );
}
