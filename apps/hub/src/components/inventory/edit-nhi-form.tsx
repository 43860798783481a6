import type { NhiDetail, OwnerGroup, RealmMember } from '@nhi/nhi';
import { Link, useNavigate, useRouter } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { ServerFnError } from '../../lib/server-fn-error.ts';
import { updateNhi } from '../../server/functions/nhi.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { useFailureMessage } from '../shared/use-failure-message.ts';
import { ConflictDialog, conflictOf, type NhiConflict } from './conflict-dialog.tsx';
import { NhiFormFields } from './nhi-form-fields.tsx';
import { formValuesOf, serverFieldErrors, validateChanges } from './nhi-form-values.ts';
import type { NhiChanges } from './nhi-schema.ts';
import { useNhiForm } from './use-nhi-form.ts';

/** Sends only the fields changed, with the version they were changed from. */
export function EditNhiForm({
  nhi,
  members,
  groups,
}: {
  nhi: NhiDetail;
  members: RealmMember[];
  groups: OwnerGroup[];
}) {
  const navigate = useNavigate();
  const router = useRouter();
  const failureMessage = useFailureMessage();
  const base = formValuesOf(nhi);
  const form = useNhiForm(base, (values) => validateChanges(values, base).errors ?? {});
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState<{ details: NhiConflict; mine: NhiChanges } | null>(null);
  const [hydrated, setHydrated] = useState(false);
  useEffect(() => setHydrated(true), []);

  async function save(changes: NhiChanges, expectedVersion: number, force: boolean) {
    setPending(true);
    setError(null);
    try {
      await updateNhi({ data: { id: nhi.id, expectedVersion, force, changes } });
      setConflict(null);
      await navigate({ to: '/inventory/$id', params: { id: nhi.id } });
    } catch (failure) {
      const details =
        failure instanceof ServerFnError && failure.code === 'CONFLICT' ? conflictOf(failure.details) : null;
      if (details) {
        setConflict({ details, mine: changes });
      } else {
        setConflict(null);
        if (failure instanceof ServerFnError) form.setServerErrors(serverFieldErrors(failure.details));
        setError(await failureMessage(failure));
      }
    } finally {
      setPending(false);
    }
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    form.markSubmitted();
    const checked = validateChanges(form.values, base);
    if (!checked.changes) return;
    if (Object.keys(checked.changes).length === 0) {
      setError('Nothing changed.');
      return;
    }
    await save(checked.changes, nhi.version, false);
  }

  return (
    <form
      className="card stack nhi-form"
      onSubmit={onSubmit}
      noValidate
      aria-labelledby="edit-nhi-title"
      data-testid="edit-nhi-form"
      data-ready={hydrated ? 'true' : 'false'}
      data-version={nhi.version}
    >
      <div className="card-heading">
        <h2 id="edit-nhi-title">Edit {nhi.name}</h2>
        <span className="hint">Version {nhi.version}</span>
      </div>
      <NhiFormFields
        values={form.values}
        errors={form.errors}
        members={members}
        groups={groups}
        identityEditable={false}
        onChange={form.onChange}
        onBlur={form.onBlur}
      />
      <AlertMessage message={error} testId="edit-nhi-error" />
      <div className="form-actions">
        <button type="submit" className="button" disabled={!hydrated || pending} data-testid="save-nhi">
          {pending && !conflict ? 'Saving…' : 'Save changes'}
        </button>
        <Link to="/inventory/$id" params={{ id: nhi.id }} className="button secondary">
          Cancel
        </Link>
      </div>
      {conflict ? (
        <ConflictDialog
          conflict={conflict.details}
          mine={conflict.mine}
          members={members}
          pending={pending}
          onReload={async () => {
            setConflict(null);
            // The loader brings the saved version; the page remounts this form with it.
            await router.invalidate();
          }}
          onOverwrite={() => save(conflict.mine, conflict.details.currentVersion, true)}
        />
      ) : null}
    </form>
  );
}
