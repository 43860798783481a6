import type { BuiltInRole, CreatedScimToken } from '@nhi/platform';
import { type FormEvent, useEffect, useState } from 'react';
import { createScimToken } from '../../server/functions/scim-tokens.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { usePendingAction } from '../shared/use-pending-action.ts';

const roles: BuiltInRole[] = ['viewer', 'editor', 'admin'];

export function CreateScimTokenForm({
  onCreated,
}: {
  onCreated: (created: CreatedScimToken) => Promise<void>;
}) {
  const { pending, error, run } = usePendingAction();
  // Until the page is interactive the form must not submit natively.
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    await run(
      () =>
        createScimToken({
          data: {
            name: String(form.get('name') ?? ''),
            defaultRole: String(form.get('defaultRole') ?? 'viewer') as BuiltInRole,
          },
        }),
      async (created) => {
        formElement.reset();
        await onCreated(created);
      },
    );
  }

  return (
    <form
      className="stack"
      onSubmit={onSubmit}
      aria-labelledby="create-scim-token-title"
      data-testid="create-scim-token-form"
      data-ready={hydrated ? 'true' : 'false'}
    >
      <h3 id="create-scim-token-title">New SCIM token</h3>
      <div className="form-row">
        <label className="field grow">
          <span>Name</span>
          <input
            name="name"
            required
            maxLength={100}
            placeholder="e.g. Okta"
            autoComplete="off"
            data-testid="scim-token-name"
          />
        </label>
        <label className="field">
          <span>Role of provisioned users</span>
          <select name="defaultRole" defaultValue="viewer" data-testid="scim-token-role">
            {roles.map((role) => (
              <option key={role} value={role}>
                {role}
              </option>
            ))}
          </select>
        </label>
      </div>
      <AlertMessage message={error} testId="create-scim-token-error" />
      <div>
        <button
          type="submit"
          className="button"
          disabled={!hydrated || pending}
          data-testid="create-scim-token"
        >
          {pending ? 'Creating…' : 'Create SCIM token'}
        </button>
      </div>
    </form>
  );
}
