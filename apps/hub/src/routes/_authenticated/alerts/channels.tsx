import { createFileRoute, Link, useRouter } from '@tanstack/react-router';
import { Fragment, useState } from 'react';
import { ChannelCredentialsForm } from '../../../components/alerts/channel-credentials-form.tsx';
import { ChannelRoutingForm } from '../../../components/alerts/channel-routing-form.tsx';
import { TableScroll } from '../../../components/shared/table-scroll.tsx';
import { errorMessageOf } from '../../../lib/server-fn-error.ts';
import {
  createAlertChannel,
  deleteAlertChannel,
  getChannelsPage,
  retryDeliveries,
  testAlertChannel,
} from '../../../server/functions/alerts.functions.ts';

/** The create form's fields of a ticket tracker. */
const trackerFields = {
  flavour: 'cloud' as 'cloud' | 'datacenter',
  projectKey: '',
  email: '',
  username: '',
  token: '',
  webhookSecret: '',
  onTicketDone: 'resolve' as 'resolve' | 'acknowledge',
  autoCreate: false,
};
type TrackerForm = typeof trackerFields & { url: string };

export const Route = createFileRoute('/_authenticated/alerts/channels')({
  head: () => ({ meta: [{ title: 'Alert channels · NHI Hub' }] }),
  loader: () => getChannelsPage({ data: { limit: 100 } }),
  component: ChannelsPage,
});

function ChannelsPage() {
  const { channels, deliveries, teams } = Route.useLoaderData();
  const teamName = (id: string) => teams.find((team) => team.id === id)?.name ?? 'a removed team';
  const router = useRouter();
  const [message, setMessage] = useState<string | null>(null);
  const [type, setType] = useState<'webhook' | 'slack' | 'email' | 'jira' | 'servicenow'>('webhook');
  const [editing, setEditing] = useState<string | null>(null);
  /** The tracker whose credentials are being changed. */
  const [rekeying, setRekeying] = useState<string | null>(null);
  const [form, setForm] = useState({
    name: '',
    url: '',
    host: '',
    port: '587',
    from: '',
    recipients: '',
    minimum: '',
    ...trackerFields,
  });
  const refresh = () => router.invalidate();

  async function act(action: () => Promise<string | null>) {
    setMessage(null);
    try {
      setMessage(await action());
      await refresh();
    } catch (failure) {
      setMessage(errorMessageOf(failure));
    }
  }

  function create() {
    const severities = form.minimum
      ? (['critical', 'high', 'medium', 'low'] as const).slice(
          0,
          ['critical', 'high', 'medium', 'low'].indexOf(form.minimum) + 1,
        )
      : [];
    const common = { name: form.name, severities: [...severities] };
    const tracker = {
      onTicketDone: form.onTicketDone,
      autoCreate: form.autoCreate,
      ...(form.webhookSecret ? { webhookSecret: form.webhookSecret } : {}),
    };
    const input =
      type === 'jira'
        ? {
            type,
            baseUrl: form.url,
            flavour: form.flavour,
            projectKey: form.projectKey,
            ...(form.flavour === 'cloud' ? { email: form.email } : {}),
            apiToken: form.token,
            ...tracker,
            ...common,
          }
        : type === 'servicenow'
          ? {
              type,
              instanceUrl: form.url,
              username: form.username,
              password: form.token,
              ...tracker,
              ...common,
            }
          : type === 'webhook'
            ? { type, url: form.url, ...common }
            : type === 'slack'
              ? { type, webhookUrl: form.url, ...common }
              : {
                  type,
                  host: form.host,
                  port: Number(form.port),
                  from: form.from,
                  toOwner: true,
                  recipients: form.recipients
                    .split(',')
                    .map((r) => r.trim())
                    .filter(Boolean),
                  ...common,
                };
    return act(async () => {
      const created = await createAlertChannel({ data: input });
      return created.signingSecret
        ? `Created. Signing secret (shown once, configure your receiver with it): ${created.signingSecret}`
        : 'Created.';
    });
  }

  return (
    <div className="stack wide" data-testid="channels-page">
      <header className="page-header">
        <Link to="/alerts" className="back-link">
          ← Alerts
        </Link>
        <h1>Channels and delivery log</h1>
        <p className="muted">
          New and reopened alerts go to every matching channel; email goes to the NHI’s owner first.
        </p>
      </header>
      {message ? (
        <p className="muted" role="status" data-testid="channels-message">
          {message}
        </p>
      ) : null}
      <section className="card">
        <h2 className="card-heading">Channels</h2>
        <table className="table" data-testid="channels-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Routing</th>
              <th>Digest</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {channels.map((channel) => (
              <Fragment key={channel.id}>
                <tr data-testid="channel-row" data-enabled={channel.enabled}>
                  <td>
                    {channel.name}
                    {channel.enabled ? null : <span className="muted"> (off)</span>}
                  </td>
                  <td>
                    {channel.type}
                    {channel.webhookPath ? (
                      <div className="muted" data-testid="tracker-webhook">
                        Webhook: <code>{channel.webhookPath}</code>
                        <br />
                        {channel.lastSyncAt
                          ? `Last sync ${channel.lastSyncAt.toISOString().replace('T', ' ').slice(0, 16)}${
                              channel.lastSyncError ? `: ${channel.lastSyncError}` : ''
                            }`
                          : 'Not synced yet'}
                      </div>
                    ) : null}
                  </td>
                  <td data-testid="channel-routing">
                    {[
                      channel.severities.join(', ') || 'all severities',
                      channel.environments.length ? channel.environments.join(', ') : null,
                      channel.ruleIds.length ? `${channel.ruleIds.length} rules` : null,
                      channel.ownerGroupIds.length
                        ? `teams: ${channel.ownerGroupIds.map(teamName).join(', ')}`
                        : null,
                    ]
                      .filter(Boolean)
                      .join(' · ')}
                  </td>
                  <td>{channel.digestMinutes ? `${channel.digestMinutes} min` : 'each alert'}</td>
                  <td className="row-actions">
                    <button
                      type="button"
                      className="button small"
                      data-testid="send-test"
                      onClick={() =>
                        act(async () => {
                          const outcome = await testAlertChannel({ data: { id: channel.id } });
                          return outcome.ok ? 'Test message sent.' : `Test failed: ${outcome.error ?? ''}`;
                        })
                      }
                    >
                      Send test
                    </button>
                    <button
                      type="button"
                      className="button small"
                      data-testid="edit-routing"
                      aria-expanded={editing === channel.id}
                      onClick={() => setEditing(editing === channel.id ? null : channel.id)}
                    >
                      Routing
                    </button>
                    {channel.type === 'jira' || channel.type === 'servicenow' ? (
                      <button
                        type="button"
                        className="button small"
                        data-testid="edit-credentials"
                        aria-expanded={rekeying === channel.id}
                        onClick={() => setRekeying(rekeying === channel.id ? null : channel.id)}
                      >
                        Credentials
                      </button>
                    ) : null}
                    <button
                      type="button"
                      className="button small"
                      onClick={() =>
                        act(async () => {
                          await deleteAlertChannel({ data: { id: channel.id } });
                          return 'Deleted.';
                        })
                      }
                    >
                      Delete
                    </button>
                  </td>
                </tr>
                {editing === channel.id ? (
                  <tr>
                    <td colSpan={5}>
                      <ChannelRoutingForm
                        channel={channel}
                        teams={teams}
                        onSaved={() => {
                          setEditing(null);
                          void act(async () => 'Routing saved.');
                        }}
                      />
                    </td>
                  </tr>
                ) : null}
                {rekeying === channel.id && (channel.type === 'jira' || channel.type === 'servicenow') ? (
                  <tr>
                    <td colSpan={5}>
                      <ChannelCredentialsForm
                        channel={{ id: channel.id, type: channel.type, settings: channel.settings }}
                        onSaved={() => {
                          setRekeying(null);
                          void act(async () => 'Credentials saved.');
                        }}
                      />
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
        <form
          className="inline-form"
          data-testid="channel-form"
          onSubmit={(event) => {
            event.preventDefault();
            void create();
          }}
        >
          <label className="field">
            <span>Type</span>
            <select value={type} onChange={(e) => setType(e.target.value as typeof type)}>
              <option value="webhook">Webhook</option>
              <option value="slack">Slack</option>
              <option value="email">Email</option>
              <option value="jira">Jira (tickets)</option>
              <option value="servicenow">ServiceNow (tickets)</option>
            </select>
          </label>
          <label className="field">
            <span>Name</span>
            <input value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} required />
          </label>
          {type === 'jira' || type === 'servicenow' ? (
            <TrackerFields type={type} form={form} setForm={setForm} />
          ) : type === 'email' ? (
            <>
              <label className="field">
                <span>SMTP host</span>
                <input
                  value={form.host}
                  onChange={(e) => setForm({ ...form, host: e.target.value })}
                  required
                />
              </label>
              <label className="field">
                <span>Port</span>
                <input value={form.port} onChange={(e) => setForm({ ...form, port: e.target.value })} />
              </label>
              <label className="field">
                <span>From</span>
                <input
                  value={form.from}
                  onChange={(e) => setForm({ ...form, from: e.target.value })}
                  required
                />
              </label>
              <label className="field">
                <span>Unowned NHIs to (comma-separated)</span>
                <input
                  value={form.recipients}
                  onChange={(e) => setForm({ ...form, recipients: e.target.value })}
                />
              </label>
            </>
          ) : (
            <label className="field">
              <span>{type === 'slack' ? 'Incoming webhook URL' : 'URL'}</span>
              <input value={form.url} onChange={(e) => setForm({ ...form, url: e.target.value })} required />
            </label>
          )}
          <label className="field">
            <span>From severity</span>
            <select value={form.minimum} onChange={(e) => setForm({ ...form, minimum: e.target.value })}>
              <option value="">all</option>
              <option value="critical">critical</option>
              <option value="high">high</option>
              <option value="medium">medium</option>
            </select>
          </label>
          <button type="submit" className="button small">
            Add channel
          </button>
        </form>
      </section>
      <section className="card">
        <h2 className="card-heading">Delivery log</h2>
        <TableScroll label="Delivery log table">
          <table className="table" data-testid="deliveries-table">
            <thead>
              <tr>
                <th>When</th>
                <th>Channel</th>
                <th>Kind</th>
                <th>State</th>
                <th>Attempts</th>
                <th>Last error</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {deliveries.map((delivery) => (
                <tr key={delivery.id} data-testid="delivery-row" data-state={delivery.state}>
                  <td className="nowrap">
                    {delivery.createdAt.toISOString().replace('T', ' ').slice(0, 16)}
                  </td>
                  <td>{delivery.channelName}</td>
                  <td>{delivery.kind}</td>
                  <td>{delivery.state}</td>
                  <td>{delivery.attempts}</td>
                  <td>{delivery.lastError ?? ''}</td>
                  <td>
                    {delivery.state === 'dead' ? (
                      <button
                        type="button"
                        className="button small"
                        onClick={() =>
                          act(async () => {
                            const { retried } = await retryDeliveries({ data: { ids: [delivery.id] } });
                            return `${retried} queued again.`;
                          })
                        }
                      >
                        Retry
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      </section>
    </div>
  );
}

/**
 * Jira: the site, Cloud (email + API token) or Data Center (personal access token), the project;
 * ServiceNow: the instance and an integration user. Both: what a closed ticket does to its alert,
 * whether new matching alerts get a ticket on their own, and the secret that signs the tracker's
 * webhooks to the hub (optional: the five-minute sync works without).
 */
function TrackerFields<F extends TrackerForm>({
  type,
  form,
  setForm,
}: {
  type: 'jira' | 'servicenow';
  form: F;
  setForm: (form: F) => void;
}) {
  const set = (changes: Partial<TrackerForm>) => setForm({ ...form, ...changes });
  return (
    <>
      <label className="field">
        <span>{type === 'jira' ? 'Jira URL' : 'Instance URL'}</span>
        <input value={form.url} onChange={(e) => set({ url: e.target.value })} required />
      </label>
      {type === 'jira' ? (
        <>
          <label className="field">
            <span>Edition</span>
            <select
              value={form.flavour}
              onChange={(e) => set({ flavour: e.target.value as TrackerForm['flavour'] })}
            >
              <option value="cloud">Cloud</option>
              <option value="datacenter">Data Center</option>
            </select>
          </label>
          <label className="field">
            <span>Project key</span>
            <input value={form.projectKey} onChange={(e) => set({ projectKey: e.target.value })} required />
          </label>
          {form.flavour === 'cloud' ? (
            <label className="field">
              <span>Account email</span>
              <input value={form.email} onChange={(e) => set({ email: e.target.value })} required />
            </label>
          ) : null}
        </>
      ) : (
        <label className="field">
          <span>Username</span>
          <input value={form.username} onChange={(e) => set({ username: e.target.value })} required />
        </label>
      )}
      <label className="field">
        <span>{type === 'jira' ? 'API token' : 'Password'}</span>
        <input
          type="password"
          autoComplete="off"
          value={form.token}
          onChange={(e) => set({ token: e.target.value })}
          required
        />
      </label>
      <label className="field">
        <span>Webhook secret (optional, 16+ characters)</span>
        <input
          type="password"
          autoComplete="off"
          value={form.webhookSecret}
          onChange={(e) => set({ webhookSecret: e.target.value })}
        />
      </label>
      <label className="field">
        <span>Ticket closed</span>
        <select
          value={form.onTicketDone}
          onChange={(e) => set({ onTicketDone: e.target.value as TrackerForm['onTicketDone'] })}
        >
          <option value="resolve">resolves the alert</option>
          <option value="acknowledge">acknowledges the alert</option>
        </select>
      </label>
      <label className="field">
        <span>Ticket every new matching alert</span>
        <input
          type="checkbox"
          checked={form.autoCreate}
          onChange={(e) => set({ autoCreate: e.target.checked })}
        />
      </label>
    </>
  );
}
