import { createFileRoute } from '@tanstack/react-router';
import { z } from 'zod';
import { GrantList } from '../../../components/policy/grant-list.tsx';
import { PolicyError } from '../../../components/policy/policy-error.tsx';
import { PolicyNav } from '../../../components/policy/policy-nav.tsx';
import { orNotFound } from '../../../lib/not-found.ts';
import { effectiveAccessPage } from '../../../server/functions/policy.functions.ts';
// The search schema parses in the browser too: zod without eval there, as the CSP requires.
import '../../../components/inventory/zod-jitless.ts';

const search = z.object({ user: z.string().max(64).optional() });

export const Route = createFileRoute('/_authenticated/policy/access')({
  validateSearch: (input) => search.parse(input),
  loaderDeps: ({ search }) => search,
  head: () => ({ meta: [{ title: 'Effective access · NHI Hub' }] }),
  loader: ({ deps }) => orNotFound(effectiveAccessPage({ data: { userId: deps.user } })),
  errorComponent: ({ error }) => <PolicyError error={error} />,
  component: AccessPage,
});

function AccessPage() {
  const { members, userId, permissions, catalogue } = Route.useLoaderData();
  const navigate = Route.useNavigate();
  const held = new Map(permissions.map((entry) => [entry.permission, entry.grants]));
  return (
    <div className="stack">
      <header className="page-header">
        <h1>Effective access</h1>
        <p className="muted">Every permission in the catalogue, whether the member holds it, and why.</p>
        <PolicyNav />
      </header>
      <label className="field">
        <span>Member</span>
        <select
          value={userId ?? ''}
          onChange={(event) => void navigate({ search: { user: event.target.value } })}
          data-testid="access-user"
        >
          {members.map((member) => (
            <option key={member.userId} value={member.userId}>
              {member.email} ({member.role})
            </option>
          ))}
        </select>
      </label>
      <section className="card" aria-label="Permissions">
        <table className="table compact">
          <thead>
            <tr>
              <th scope="col">Permission</th>
              <th scope="col">Allowed</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {catalogue.map((permission) => {
              const grants = held.get(permission.key) ?? [];
              return (
                <tr
                  key={permission.key}
                  data-testid="access-row"
                  data-permission={permission.key}
                  data-allowed={grants.length > 0}
                >
                  <td>
                    <code>{permission.key}</code>
                    <div className="hint">{permission.description}</div>
                  </td>
                  <td>
                    {grants.length > 0 ? (
                      <span className="success">yes</span>
                    ) : (
                      <span className="muted">no</span>
                    )}
                  </td>
                  <td>
                    <GrantList grants={grants} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
    </div>
  );
}
