import { createFileRoute, Link } from '@tanstack/react-router';
import { z } from 'zod';
import { GrantList } from '../../../components/policy/grant-list.tsx';
import { PolicyError } from '../../../components/policy/policy-error.tsx';
import { PolicyNav } from '../../../components/policy/policy-nav.tsx';
import { TableScroll } from '../../../components/shared/table-scroll.tsx';
import { whoCanPage } from '../../../server/functions/policy.functions.ts';
// The search schema parses in the browser too: zod without eval there, as the CSP requires.
import '../../../components/inventory/zod-jitless.ts';

const search = z.object({
  permission: z.string().max(100).optional(),
  after: z.string().max(400).optional(),
});

export const Route = createFileRoute('/_authenticated/policy/who-can')({
  validateSearch: (input) => search.parse(input),
  loaderDeps: ({ search }) => search,
  head: () => ({ meta: [{ title: 'Who can · NHI Hub' }] }),
  loader: ({ deps }) => whoCanPage({ data: { permission: deps.permission, cursor: deps.after ?? null } }),
  errorComponent: ({ error }) => <PolicyError error={error} />,
  component: WhoCanPage,
});

function WhoCanPage() {
  const { catalogue, permission, items, nextCursor } = Route.useLoaderData();
  const navigate = Route.useNavigate();
  return (
    <div className="stack">
      <header className="page-header">
        <h1>Who can</h1>
        <p className="muted">
          Everyone holding a permission, with the assignments and group paths that give it.
        </p>
        <PolicyNav />
      </header>
      <label className="field">
        <span>Permission</span>
        <select
          value={permission ?? ''}
          onChange={(event) => void navigate({ search: { permission: event.target.value } })}
          data-testid="who-can-permission"
        >
          {catalogue.map((p) => (
            <option key={p.key} value={p.key}>
              {p.key} — {p.description}
            </option>
          ))}
        </select>
      </label>
      <section className="card" aria-label="Holders">
        {items.length === 0 ? (
          <p className="muted">Nobody holds this permission.</p>
        ) : (
          <TableScroll label="Holders table">
            <table className="table compact">
              <thead>
                <tr>
                  <th scope="col">Member</th>
                  <th scope="col">Through</th>
                </tr>
              </thead>
              <tbody>
                {items.map((entry) => (
                  <tr key={entry.userId} data-testid="who-can-row" data-email={entry.email}>
                    <td>{entry.email}</td>
                    <td>
                      <GrantList grants={entry.grants} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        )}
        {nextCursor ? (
          <div className="pagination">
            <Link to="/policy/who-can" search={{ permission: permission ?? undefined, after: nextCursor }}>
              Next page
            </Link>
          </div>
        ) : null}
      </section>
    </div>
  );
}
