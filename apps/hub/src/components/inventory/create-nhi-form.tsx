import type { OwnerGroup, RealmMember } from '@nhi/nhi';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { ServerFnError } from '../../lib/server-fn-error.ts';
import { createNhi } from '../../server/functions/nhi.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { useFailureMessage } from '../shared/use-failure-message.ts';
import { NhiFormFields } from './nhi-form-fields.tsx';
import { emptyNhiForm, serverFieldErrors, validateCreate } from './nhi-form-values.ts';
import { useNhiForm } from './use-nhi-form.ts';

function newIdempotencyKey(): string {
  return `ui-${crypto.randomUUID()}`;
}

export function CreateNhiForm({ members, groups }: { members: RealmMember[]; groups: OwnerGroup[] }) {
  const navigate = useNavigate();
  const failureMessage = useFailureMessage();
  // One per form: a submit retried after a lost answer returns the identity the first one created.
  const [idempotencyKey] = useState(newIdempotencyKey);
  const form = useNhiForm(emptyNhiForm, (values) => validateCreate(values, idempotencyKey).errors ?? {});
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    form.markSubmitted();
    const checked = validateCreate(form.values, idempotencyKey);
    if (!checked.input) return;
    setPending(true);
    setError(null);
    try {
      const created = await createNhi({ data: checked.input });
      await navigate({ to: '/inventory/$id', params: { id: created.id } });
    } catch (failure) {
      if (failure instanceof ServerFnError) form.setServerErrors(serverFieldErrors(failure.details));
      setError(await failureMessage(failure));
    } finally {
      setPending(false);
    }
  }

  return (
    <form
      className="card stack nhi-form"
      onSubmit={onSubmit}
      noValidate
      aria-labelledby="create-nhi-title"
      data-testid="create-nhi-form"
      data-ready={hydrated ? 'true' : 'false'}
    >
      <h2 id="create-nhi-title">New identity</h2>
      <NhiFormFields
        values={form.values}
        errors={form.errors}
        members={members}
        groups={groups}
        identityEditable
        onChange={form.onChange}
        onBlur={form.onBlur}
      />
      <AlertMessage message={error} testId="create-nhi-error" />
      <div className="form-actions">
        <button type="submit" className="button" disabled={!hydrated || pending} data-testid="create-nhi">
          {pending ? 'Creating…' : 'Create identity'}
        </button>
      </div>
    </form>
  );
}
