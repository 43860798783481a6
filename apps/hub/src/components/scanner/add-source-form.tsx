import type { CreateSourceInput, SourceType } from '@nhi/scanner/schema';
import { type FormEvent, useEffect, useState } from 'react';
import { createSource } from '../../server/functions/scanner.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

const typeLabels: Record<SourceType, string> = {
  aws_iam: 'AWS IAM',
  kubernetes: 'Kubernetes',
  github: 'GitHub organisation',
  secrets: 'Leaked secrets (files, directory, gitleaks)',
};

/** Per type: non-secret settings and the credentials a live scan needs. */
const fieldsOf: Record<SourceType, { settings: [string, string][]; secrets: [string, string][] }> = {
  aws_iam: {
    settings: [['region', 'Region']],
    secrets: [
      ['accessKeyId', 'Access key id'],
      ['secretAccessKey', 'Secret access key'],
    ],
  },
  kubernetes: { settings: [['cluster', 'Cluster name']], secrets: [] },
  github: { settings: [['organization', 'Organisation']], secrets: [['token', 'Token']] },
  secrets: { settings: [['path', 'Directory on the hub (optional)']], secrets: [] },
};

function inputFrom(type: SourceType, form: FormData): CreateSourceInput {
  const value = (key: string) => String(form.get(key) ?? '').trim();
  const settings: Record<string, string | boolean> = {};
  for (const [key] of fieldsOf[type].settings)
    if (value(`setting.${key}`)) settings[key] = value(`setting.${key}`);
  if (type === 'secrets' && form.get('setting.history')) settings.history = true;
  const secrets: Record<string, string> = {};
  for (const [key] of fieldsOf[type].secrets)
    if (value(`secret.${key}`)) secrets[key] = value(`secret.${key}`);
  return {
    type,
    name: value('name'),
    environment: value('environment') as CreateSourceInput['environment'],
    schedule: value('schedule') || null,
    settings,
    ...(Object.keys(secrets).length > 0 ? { secrets } : {}),
  };
}

export function AddSourceForm({ onCreated }: { onCreated: () => Promise<void> }) {
  const [type, setType] = useState<SourceType>('aws_iam');
  const { pending, error, run } = usePendingAction();
  const [hydrated, setHydrated] = useState(false);
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
            {Object.entries(typeLabels).map(([value, label]) => (
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
        <label className="field">
          <span>Environment</span>
          <select name="environment" defaultValue="unknown">
            {['production', 'staging', 'development', 'unknown'].map((value) => (
              <option key={value} value={value}>
                {value}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span>Schedule (cron, UTC)</span>
          <input name="schedule" placeholder="0 3 * * *" autoComplete="off" />
        </label>
      </div>
      <div className="form-row">
        {fieldsOf[type].settings.map(([key, label]) => (
          <label className="field grow" key={key}>
            <span>{label}</span>
            <input name={`setting.${key}`} autoComplete="off" />
          </label>
        ))}
        {type === 'secrets' ? (
          <label className="field">
            <span>Git history</span>
            <input type="checkbox" name="setting.history" />
          </label>
        ) : null}
        {fieldsOf[type].secrets.map(([key, label]) => (
          <label className="field grow" key={key}>
            <span>{label}</span>
            <input name={`secret.${key}`} type="password" autoComplete="off" />
          </label>
        ))}
      </div>
      {fieldsOf[type].secrets.length > 0 ? (
        <p className="hint">Credentials are encrypted when saved and never shown again.</p>
      ) : null}
      <div>
        <button type="submit" disabled={pending} data-testid="add-source-submit">
          Add source
        </button>
      </div>
      <AlertMessage message={error} />
    </form>
  );
}
