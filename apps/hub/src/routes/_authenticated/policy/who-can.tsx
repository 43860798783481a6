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
  /** Who may act on this identity (its id); absent: anywhere in the realm. */
  nhi: z.string().max(64).optional(),
});

export const Route = createFileRoute('/_authenticated/policy/who-can')({
  validateSearch: (input) => search.parse(input),
  loaderDeps: ({ search }) => search,
  head: () => ({ meta: [{ title: 'Who can · NHI Hub' }] }),
  loader: ({ deps }) =>
    whoCanPage({ data: { permission: deps.permission, cursor: deps.after ?? null, nhiId: deps.nhi } }),
  errorComponent: ({ error }) => <PolicyError error={error} />,
  component: WhoCanPage,
});

function WhoCanPage() {
  const { catalogue, permission, nhiId, items, nextCursor } = Route.useLoaderData();
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
          onChange={(event) =>
            void navigate({ search: { permission: event.target.value, nhi: nhiId ?? undefined } })
          }
          data-testid="who-can-permission"
        >
          {catalogue.map((p) => (
            <option key={p.key} value={p.key}>
              {p.key} — {p.description}
            </option>
          ))}
        </select>
      </label>
      <form
        className="field"
        onSubmit={(event) => {
          event.preventDefault();
          const value = new FormData(event.currentTarget).get('nhi');
          const nhi = typeof value === 'string' && value.trim() ? value.trim() : undefined;
          void navigate({ search: { permission: permission ?? undefined, nhi } });
        }}
      >
        <label htmlFor="who-can-nhi">
          On identity (optional: its id; only the grants whose scope reaches it)
        </label>
        <input
          id="who-can-nhi"
          name="nhi"
          defaultValue={nhiId ?? ''}
          maxLength={64}
          data-testid="who-can-nhi"
        />
      </form>
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
            <Link
              to="/policy/who-can"
              search={{ permission: permission ?? undefined, after: nextCursor, nhi: nhiId ?? undefined }}
            >
              Next page
            </Link>
          </div>
        ) : null}
      </section>
    </div>
  );
}
