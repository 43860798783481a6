import { createFileRoute } from '@tanstack/react-router';
import { PolicyError } from '../../../components/policy/policy-error.tsx';
import { PolicyNav } from '../../../components/policy/policy-nav.tsx';
import { InstantCell } from '../../../components/shared/instant-cell.tsx';
import { policyAuditPage } from '../../../server/functions/policy.functions.ts';

export const Route = createFileRoute('/_authenticated/policy/audit')({
  head: () => ({ meta: [{ title: 'Policy audit trail · NHI Hub' }] }),
  loader: () => policyAuditPage(),
  errorComponent: ({ error }) => <PolicyError error={error} />,
  component: PolicyAuditPage,
});

function summary(value: unknown): string {
  if (!value || typeof value !== 'object') return '';
  return Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => typeof v === 'string' || typeof v === 'number' || v === null)
    .map(([k, v]) => `${k}: ${v ?? '—'}`)
    .join(', ');
}

function PolicyAuditPage() {
  const { entries, members } = Route.useLoaderData();
  const emails = new Map(members.map((m) => [m.userId, m.email]));
  return (
    <div className="stack">
      <header className="page-header">
        <h1>Policy audit trail</h1>
        <p className="muted">
          Changes to groups, memberships, policies, assignments and realm roles, newest first.
        </p>
        <PolicyNav />
      </header>
      <section className="card" aria-label="Changes">
        <div className="card-heading">
          <span className="hint">Times in UTC</span>
        </div>
        {entries.length === 0 ? (
          <p className="muted">Nothing recorded yet.</p>
        ) : (
          <div className="table-scroll">
            <table className="table compact">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">Before</th>
                  <th scope="col">After</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry) => (
                  <tr key={entry.id} data-testid="policy-audit-entry" data-action={entry.action}>
                    <td>
                      <InstantCell instant={entry.createdAt} empty="—" />
                    </td>
                    <td>
                      {entry.actorType === 'user' && entry.actorId
                        ? (emails.get(entry.actorId) ?? entry.actorId)
                        : `${entry.actorType}${entry.actorId ? `: ${entry.actorId}` : ''}`}
                    </td>
                    <td>
                      <code>{entry.action}</code>
                    </td>
                    <td className="wrap">{summary(entry.before)}</td>
                    <td className="wrap">{summary(entry.after)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
