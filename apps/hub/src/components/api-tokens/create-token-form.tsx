import type { CreatedApiToken, GrantablePermission } from '@nhi/platform';
import type { CreateApiTokenInput } from '@nhi/platform/api-tokens';
import { type FormEvent, useEffect, useState } from 'react';
import { createToken } from '../../server/functions/api-tokens.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { useFailureMessage } from '../shared/use-failure-message.ts';

const expiryChoices = [
  { value: '7', label: '7 days' },
  { value: '30', label: '30 days' },
  { value: '90', label: '90 days' },
  { value: 'never', label: 'Never' },
] as const;

function inputFrom(form: FormData): CreateApiTokenInput {
  const expiry = String(form.get('expiry') ?? 'never');
  const permissions = form.getAll('permissions').map(String);
  return {
    name: String(form.get('name') ?? ''),
    ...(expiry === 'never' ? {} : { expiresInDays: Number(expiry) }),
    ...(permissions.length > 0 ? { permissions } : {}),
  };
}

export function CreateTokenForm({
  grantable,
  onCreated,
}: {
  grantable: GrantablePermission[];
  onCreated: (created: CreatedApiToken) => Promise<void>;
}) {
  const failureMessage = useFailureMessage();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // Until the page is interactive the form must not submit natively.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    setPending(true);
    setError(null);
    try {
      const created = await createToken({ data: inputFrom(new FormData(formElement)) });
      formElement.reset();
      await onCreated(created);
    } catch (failure) {
      setError(await failureMessage(failure));
    } finally {
      setPending(false);
    }
  }

  return (
    <form
      className="card stack"
      onSubmit={onSubmit}
      aria-labelledby="create-token-title"
      data-testid="create-token-form"
      data-ready={hydrated ? 'true' : 'false'}
    >
      <h2 id="create-token-title">New token</h2>
      <div className="form-row">
        <label className="field grow">
          <span>Name</span>
          <input
            name="name"
            required
            maxLength={100}
            placeholder="e.g. deploy pipeline"
            autoComplete="off"
            data-testid="token-name"
          />
        </label>
        <label className="field">
          <span>Expires after</span>
          <select name="expiry" defaultValue="30" data-testid="token-expiry">
            {expiryChoices.map((choice) => (
              <option key={choice.value} value={choice.value}>
                {choice.label}
              </option>
            ))}
          </select>
        </label>
      </div>
      <fieldset className="choices">
        <legend>Permissions</legend>
        <p className="hint">
          Leave all unticked for a token that can do whatever you can in this realm. Either way it never holds
          more than you do.
        </p>
        {grantable.map((permission) => (
          <label key={permission.key} className="choice">
            <input
              type="checkbox"
              name="permissions"
              value={permission.key}
              data-testid={`token-permission-${permission.key}`}
            />
            <code>{permission.key}</code>
            <span className="muted">{permission.description}</span>
          </label>
        ))}
      </fieldset>
      <AlertMessage message={error} testId="create-token-error" />
      <div>
        <button type="submit" className="button" disabled={!hydrated || pending} data-testid="create-token">
          {pending ? 'Creating…' : 'Create token'}
        </button>
      </div>
    </form>
  );
}
