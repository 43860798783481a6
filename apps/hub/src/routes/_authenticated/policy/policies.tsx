import { createFileRoute, useRouter } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { PolicyError } from '../../../components/policy/policy-error.tsx';
import { PolicyNav } from '../../../components/policy/policy-nav.tsx';
import { AlertMessage } from '../../../components/shared/alert-message.tsx';
import { usePendingAction } from '../../../components/shared/use-pending-action.ts';
import {
  createCustomPolicy,
  deleteCustomPolicy,
  policiesPage,
  updateCustomPolicy,
} from '../../../server/functions/policy.functions.ts';

export const Route = createFileRoute('/_authenticated/policy/policies')({
  head: () => ({ meta: [{ title: 'Policies · NHI Hub' }] }),
  loader: () => policiesPage(),
  errorComponent: ({ error }) => <PolicyError error={error} />,
  component: PoliciesPage,
});

function PoliciesPage() {
  const { permissions, policies, canAdminister } = Route.useLoaderData();
  const router = useRouter();
  const action = usePendingAction();
  const removal = usePendingAction();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  /** The custom policy the form edits; none: the form creates a new one. */
  const [editing, setEditing] = useState<string | null>(null);

  function fillForm(policy?: { id: string; name: string; description: string; permissions: string[] }) {
    setEditing(policy?.id ?? null);
    setName(policy?.name ?? '');
    setDescription(policy?.description ?? '');
    setChosen(policy?.permissions ?? []);
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const data = { name, description, permissions: chosen };
    void action.run(
      async () => {
        if (editing) await updateCustomPolicy({ data: { ...data, policyId: editing } });
        else await createCustomPolicy({ data });
      },
      async () => {
        fillForm();
        await router.invalidate();
      },
    );
  }

  return (
    <div className="stack">
      <header className="page-header">
        <h1>Policies</h1>
        <p className="muted">
          A policy is a named set of permissions. Built-in policies follow the catalogue.
        </p>
        <PolicyNav />
      </header>
      <section className="card" aria-labelledby="policies-title">
        <div className="card-heading">
          <h2 id="policies-title">Policies</h2>
        </div>
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Description</th>
              <th scope="col">Permissions</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {policies.map((policy) => (
              <tr key={policy.id} data-testid="policy-row" data-policy={policy.name}>
                <td>
                  {policy.name} {policy.builtIn ? <span className="badge badge-plain">built-in</span> : null}
                </td>
                <td className="wrap">{policy.description || '—'}</td>
                <td className="wrap">
                  {policy.permissions.map((key) => (
                    <code key={key} className="chip">
                      {key}
                    </code>
                  ))}
                </td>
                <td className="row-actions">
                  {canAdminister && !policy.builtIn ? (
                    <button
                      type="button"
                      className="button secondary small"
                      data-testid="edit-policy"
                      onClick={() => fillForm({ ...policy, description: policy.description ?? '' })}
                    >
                      Edit
                    </button>
                  ) : null}
                  {canAdminister && !policy.builtIn ? (
                    <button
                      type="button"
                      className="button secondary small"
                      disabled={removal.pending}
                      onClick={() =>
                        void removal.run(
                          () => deleteCustomPolicy({ data: { policyId: policy.id } }),
                          () => router.invalidate(),
                        )
                      }
                    >
                      Delete
                    </button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <AlertMessage message={removal.error} />
      </section>
      <section className="card" aria-labelledby="catalogue-title">
        <div className="card-heading">
          <h2 id="catalogue-title">Permission catalogue</h2>
        </div>
        <table className="table compact">
          <tbody>
            {permissions.map((permission) => (
              <tr key={permission.key} data-testid="catalogue-row">
                <td>
                  <code>{permission.key}</code>
                </td>
                <td className="wrap">{permission.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      {canAdminister ? (
        <section className="card" aria-labelledby="new-policy-title">
          <form className="stack" onSubmit={onSubmit} data-testid="policy-form">
            <h2 id="new-policy-title">{editing ? `Edit policy ${name}` : 'New policy'}</h2>
            <label className="field">
              <span>Name</span>
              <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} />
            </label>
            <label className="field">
              <span>Description</span>
              <input value={description} onChange={(e) => setDescription(e.target.value)} maxLength={500} />
            </label>
            <fieldset className="choices">
              <legend>Permissions (only those you hold can be granted)</legend>
              {permissions.map((permission) => (
                <label key={permission.key} className="choice">
                  <input
                    type="checkbox"
                    checked={chosen.includes(permission.key)}
                    onChange={(e) =>
                      setChosen((current) =>
                        e.target.checked
                          ? [...current, permission.key]
                          : current.filter((k) => k !== permission.key),
                      )
                    }
                  />
                  <code>{permission.key}</code>
                </label>
              ))}
            </fieldset>
            <AlertMessage message={action.error} />
            <div className="form-actions">
              <button type="submit" className="button" disabled={action.pending || chosen.length === 0}>
                {editing ? 'Save policy' : 'Create policy'}
              </button>
              {editing ? (
                <button type="button" className="button secondary" onClick={() => fillForm()}>
                  Cancel
                </button>
              ) : null}
            </div>
          </form>
        </section>
      ) : null}
    </div>
  );
}
