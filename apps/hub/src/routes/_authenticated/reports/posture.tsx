import type { EmailChannelOption, ReportCadence, ReportScheduleView } from '@nhi/dashboard/report';
import { reportBodyHtml, reportStyles } from '@nhi/dashboard/report-html';
import { createFileRoute, Link, useRouter } from '@tanstack/react-router';
import { useState } from 'react';
import { errorCodeOf, errorMessageOf } from '../../../lib/server-fn-error.ts';
import {
  postureReportPreview,
  reportScheduleCreate,
  reportScheduleDelete,
  reportSchedulesList,
  reportScheduleUpdate,
} from '../../../server/functions/reports.functions.ts';

/** A refusal the page explains (a scoped member, a role without schedules) instead of failing. */
async function unlessForbidden<T>(load: Promise<T>): Promise<T | { refused: string }> {
  try {
    return await load;
  } catch (error) {
    if (errorCodeOf(error) === 'FORBIDDEN') return { refused: errorMessageOf(error) };
    throw error;
  }
}

/**
 * The realm's posture report, printable: the same HTML (charts as inline SVG) the PDF and the
 * scheduled mail carry, drawn on the server by the dashboard package. Administrators also see
 * the schedules that mail it.
 */
export const Route = createFileRoute('/_authenticated/reports/posture')({
  head: () => ({
    meta: [{ title: 'Posture report · NHI Hub' }],
    // Inline, with the render's nonce: one stylesheet for the page, the PDF and the mail.
    styles: [{ children: reportStyles }],
  }),
  loader: async () => ({
    report: await unlessForbidden(postureReportPreview()),
    schedules: await unlessForbidden(reportSchedulesList()),
  }),
  gcTime: 0,
  component: PostureReportPage,
});

function PostureReportPage() {
  const { report, schedules } = Route.useLoaderData();
  if ('refused' in report) {
    return (
      <div className="stack wide" data-testid="posture-report-refused">
        <h1>Posture report</h1>
        <p role="alert">{report.refused}</p>
      </div>
    );
  }
  const slug = report.figures.realm.slug;
  return (
    <div className="stack wide">
      <nav className="report-no-print page-actions" aria-label="Report actions">
        <Link to="/">Back to the dashboard</Link>{' '}
        <a
          className="button"
          href={`/api/reports/posture.pdf?realm=${encodeURIComponent(slug)}`}
          download
          data-testid="report-download-pdf"
        >
          Download PDF
        </a>
      </nav>
      {/* Escaped and drawn on the server by reportBodyHtml: text, tables and SVG, no script. */}
      {/* biome-ignore lint/security/noDangerouslySetInnerHtml: server-rendered report, every text escaped */}
      <div dangerouslySetInnerHTML={{ __html: reportBodyHtml(report) }} />
      {'refused' in schedules ? null : (
        <ReportSchedules schedules={schedules.schedules} emailChannels={schedules.emailChannels} />
      )}
    </div>
  );
}

const when = (at: Date | string | null) =>
  at ? new Date(at).toISOString().slice(0, 16).replace('T', ' ') : '—';

function ReportSchedules({
  schedules,
  emailChannels,
}: {
  schedules: ReportScheduleView[];
  emailChannels: EmailChannelOption[];
}) {
  const router = useRouter();
  const [message, setMessage] = useState<string | null>(null);
  const [form, setForm] = useState({
    name: '',
    cadence: 'weekly' as ReportCadence,
    channelId: emailChannels[0]?.id ?? '',
    recipients: '',
  });

  async function act(action: () => Promise<unknown>, done: string) {
    setMessage(null);
    try {
      await action();
      setMessage(done);
      await router.invalidate();
    } catch (failure) {
      setMessage(errorMessageOf(failure));
    }
  }

  return (
    <section
      className="card report-no-print"
      aria-labelledby="report-schedules"
      data-testid="report-schedules"
    >
      <h2 id="report-schedules">Scheduled reports by email</h2>
      {schedules.length === 0 ? (
        <p className="muted">No schedule yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Every</th>
              <th scope="col">Channel</th>
              <th scope="col">Recipients</th>
              <th scope="col">Next run (UTC)</th>
              <th scope="col">Last sent (UTC)</th>
              <th scope="col">Last error</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {schedules.map((schedule) => (
              <tr key={schedule.id} data-testid="report-schedule-row">
                <td>{schedule.name}</td>
                <td>{schedule.cadence === 'weekly' ? 'week' : 'month'}</td>
                <td>{schedule.channelName}</td>
                <td>{schedule.recipients.join(', ')}</td>
                <td>{schedule.enabled ? when(schedule.nextRunAt) : 'paused'}</td>
                <td>{when(schedule.lastSentAt)}</td>
                <td>{schedule.lastError ?? ''}</td>
                <td>
                  <button
                    type="button"
                    onClick={() =>
                      act(
                        () => reportScheduleUpdate({ data: { id: schedule.id, enabled: !schedule.enabled } }),
                        schedule.enabled ? 'Schedule paused.' : 'Schedule resumed.',
                      )
                    }
                  >
                    {schedule.enabled ? 'Pause' : 'Resume'}
                  </button>{' '}
                  <button
                    type="button"
                    onClick={() =>
                      act(() => reportScheduleDelete({ data: { id: schedule.id } }), 'Schedule removed.')
                    }
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {emailChannels.length === 0 ? (
        <p className="muted">
          Reports are sent through an email channel: <Link to="/alerts/channels">add one</Link> first.
        </p>
      ) : (
        <form
          className="stack"
          onSubmit={(event) => {
            event.preventDefault();
            void act(
              () =>
                reportScheduleCreate({
                  data: {
                    name: form.name,
                    cadence: form.cadence,
                    channelId: form.channelId,
                    recipients: form.recipients
                      .split(/[\s,;]+/)
                      .map((address) => address.trim())
                      .filter(Boolean),
                  },
                }),
              'Schedule added: the first report goes out within minutes.',
            );
          }}
        >
          <label>
            Name
            <input
              value={form.name}
              required
              maxLength={100}
              onChange={(event) => setForm({ ...form, name: event.target.value })}
            />
          </label>
          <label>
            Every
            <select
              value={form.cadence}
              onChange={(event) => setForm({ ...form, cadence: event.target.value as ReportCadence })}
            >
              <option value="weekly">week</option>
              <option value="monthly">month</option>
            </select>
          </label>
          <label>
            Email channel
            <select
              value={form.channelId}
              onChange={(event) => setForm({ ...form, channelId: event.target.value })}
            >
              {emailChannels.map((channel) => (
                <option key={channel.id} value={channel.id}>
                  {channel.name}
                </option>
              ))}
            </select>
          </label>
          <label>
            Recipients (comma-separated, at most 50)
            <input
              value={form.recipients}
              required
              onChange={(event) => setForm({ ...form, recipients: event.target.value })}
            />
          </label>
          <button type="submit">Add schedule</button>
        </form>
      )}
      {message ? <p role="status">{message}</p> : null}
    </section>
  );
}
