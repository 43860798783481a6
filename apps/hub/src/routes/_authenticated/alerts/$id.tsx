import { createFileRoute, Link, useLoaderData, useRouter } from '@tanstack/react-router';
import { AlertActions } from '../../../components/alerts/alert-actions.tsx';
import { AlertAssignment } from '../../../components/alerts/alert-assignment.tsx';
import { SeverityBadge, StateBadge } from '../../../components/alerts/alert-badges.tsx';
import { AlertCommentForm } from '../../../components/alerts/alert-comments.tsx';
import { AlertTickets } from '../../../components/alerts/alert-tickets.tsx';
import { AlertTimeline } from '../../../components/alerts/alert-timeline.tsx';
import { orNotFound } from '../../../lib/not-found.ts';
import { getAlertPage, listAlertComments } from '../../../server/functions/alerts.functions.ts';

export const Route = createFileRoute('/_authenticated/alerts/$id')({
  head: () => ({ meta: [{ title: 'Alert · NHI Hub' }] }),
  loader: async ({ params }) => {
    const [alert, comments] = await Promise.all([
      orNotFound(getAlertPage({ data: { id: params.id } })),
      orNotFound(listAlertComments({ data: { id: params.id } })),
    ]);
    return { ...alert, comments };
  },
  component: AlertPage,
});

function AlertPage() {
  const alert = Route.useLoaderData();
  const { can, asOf } = useLoaderData({ from: '/_authenticated/alerts' });
  const router = useRouter();

  return (
    <div className="stack wide" data-testid="alert-page" data-state={alert.state}>
      <header className="page-header">
        <Link to="/alerts" className="back-link">
          ← Alerts
        </Link>
        <h1 data-testid="alert-title">{alert.title}</h1>
        <p className="muted">
          <SeverityBadge severity={alert.severity} /> {alert.owaspId} · <StateBadge state={alert.state} />
          {alert.suppressedUntil
            ? ` until ${alert.suppressedUntil.toISOString().slice(0, 10)} (${alert.suppressReason ?? ''})`
            : null}
          {alert.nhiId && alert.nhi ? (
            <>
              {' · '}
              <Link to="/inventory/$id" params={{ id: alert.nhiId }}>
                {alert.nhi.name}
              </Link>
              {` · owner: ${alert.nhi.ownerEmail ?? 'none'}`}
            </>
          ) : null}
        </p>
      </header>
      {can.ack ? <AlertActions ids={[alert.id]} asOf={asOf} onDone={() => router.invalidate()} /> : null}
      <AlertAssignment
        alertId={alert.id}
        assignment={alert}
        canAssign={can.ack}
        onDone={() => router.invalidate()}
      />
      <AlertTickets
        alertId={alert.id}
        tickets={alert.tickets}
        canTicket={can.ack}
        onDone={() => router.invalidate()}
      />
      <section className="card">
        <h2 className="card-heading">Why it matters</h2>
        <p data-testid="alert-explanation">{alert.explanation}</p>
        {alert.details.length > 0 ? (
          <>
            <h2 className="card-heading">This case</h2>
            <ul data-testid="alert-details">
              {alert.details.map((detail) => (
                <li key={detail}>{detail}</li>
              ))}
            </ul>
            {typeof alert.evidence.list === 'string' && alert.evidence.list.startsWith('/') ? (
              <a href={alert.evidence.list} data-testid="alert-list-link">
                Open the list behind this finding
              </a>
            ) : null}
          </>
        ) : null}
        <h2 className="card-heading">What to do</h2>
        <p data-testid="alert-remediation">{alert.remediation}</p>
        <p className="muted" data-testid="alert-sources">
          Evaluated from: {alert.sources}
        </p>
      </section>
      <section className="card">
        <h2 className="card-heading">Evidence</h2>
        <pre className="wrap" data-testid="alert-evidence">
          {JSON.stringify(alert.evidence, null, 2)}
        </pre>
      </section>
      <section className="card">
        <h2 className="card-heading">History</h2>
        <AlertTimeline history={alert.history} comments={alert.comments} />
        {can.ack ? <AlertCommentForm alertId={alert.id} onDone={() => router.invalidate()} /> : null}
      </section>
    </div>
  );
}
