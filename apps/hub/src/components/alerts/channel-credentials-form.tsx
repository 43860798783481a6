import { useState } from 'react';
import { updateAlertChannel } from '../../server/functions/alerts.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { refusalOf } from './channel-routing-form.tsx';

export interface TrackerChannel {
  id: string;
  type: 'jira' | 'servicenow';
  settings: { [key: string]: unknown };
}

/** What the form holds: every field empty (and the box unticked) means "keep what the channel has". */
export interface CredentialsForm {
  url: string;
  account: string;
  secret: string;
  webhookSecret: string;
  removeWebhookSecret: boolean;
}

export const emptyCredentials: CredentialsForm = {
  url: '',
  account: '',
  secret: '',
  webhookSecret: '',
  removeWebhookSecret: false,
};

/**
 * The fields of the channel update the form asks for: only those filled in, named as the tracker
 * takes them (Jira: email and API token; ServiceNow: username and password); the tracker's new
 * address as url; a ticked "remove" as a null webhook secret. Null when nothing is.
 */
export function credentialChanges(
  type: TrackerChannel['type'],
  form: CredentialsForm,
): {
  url?: string;
  apiToken?: string;
  email?: string;
  password?: string;
  username?: string;
  webhookSecret?: string | null;
} | null {
  const account = form.account.trim();
  const url = form.url.trim();
  const changes = {
    ...(url ? { url } : {}),
    ...(account ? (type === 'jira' ? { email: account } : { username: account }) : {}),
    ...(form.secret ? (type === 'jira' ? { apiToken: form.secret } : { password: form.secret }) : {}),
    ...(form.removeWebhookSecret
      ? { webhookSecret: null }
      : form.webhookSecret
        ? { webhookSecret: form.webhookSecret }
        : {}),
  };
  return Object.keys(changes).length > 0 ? changes : null;
}

/**
 * A tracker's address, account, credential and webhook secret, changed in place: the secrets are
 * never shown, their boxes start empty, and a box left empty keeps what the channel has. A webhook
 * secret can be removed; the channel's webhook then accepts no delivery.
 */
export function ChannelCredentialsForm({
  channel,
  onSaved,
}: {
  channel: TrackerChannel;
  onSaved: () => void;
}) {
  const [form, setForm] = useState(emptyCredentials);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const jira = channel.type === 'jira';
  const cloud = jira && channel.settings.flavour !== 'datacenter';
  const current = String((jira ? channel.settings.email : channel.settings.username) ?? '');
  const currentUrl = String((jira ? channel.settings.baseUrl : channel.settings.instanceUrl) ?? '');

  async function save() {
    const changes = credentialChanges(channel.type, form);
    if (!changes) {
      setError('Fill in what changes; empty boxes keep what the channel has');
      return;
    }
    setError(null);
    setSaving(true);
    try {
      await updateAlertChannel({ data: { id: channel.id, ...changes } });
      setForm(emptyCredentials);
      onSaved();
    } catch (failure) {
      setError(refusalOf(failure));
    } finally {
      setSaving(false);
    }
  }

  return (
    <form
      className="stack"
      data-testid="channel-credentials-form"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <p className="muted">Empty boxes keep what the channel has; secrets are never shown again.</p>
      <label className="field">
        <span>{jira ? 'Jira address' : 'Instance URL'}</span>
        <input
          name="url"
          type="url"
          autoComplete="off"
          placeholder={currentUrl}
          value={form.url}
          onChange={(e) => setForm({ ...form, url: e.target.value })}
        />
      </label>
      {!jira || cloud ? (
        <label className="field">
          <span>{jira ? 'Account email' : 'Username'}</span>
          <input
            name="account"
            autoComplete="off"
            placeholder={current}
            value={form.account}
            onChange={(e) => setForm({ ...form, account: e.target.value })}
          />
        </label>
      ) : null}
      <label className="field">
        <span>{jira ? (cloud ? 'New API token' : 'New personal access token') : 'New password'}</span>
        <input
          name="secret"
          type="password"
          autoComplete="new-password"
          value={form.secret}
          onChange={(e) => setForm({ ...form, secret: e.target.value })}
        />
      </label>
      <label className="field">
        <span>New webhook secret (16+ characters)</span>
        <input
          name="webhookSecret"
          type="password"
          autoComplete="new-password"
          value={form.webhookSecret}
          disabled={form.removeWebhookSecret}
          onChange={(e) => setForm({ ...form, webhookSecret: e.target.value })}
        />
      </label>
      {channel.settings.hasWebhookSecret === true ? (
        <label className="choice">
          <input
            name="removeWebhookSecret"
            type="checkbox"
            checked={form.removeWebhookSecret}
            onChange={(e) => setForm({ ...form, removeWebhookSecret: e.target.checked, webhookSecret: '' })}
          />{' '}
          Remove webhook secret (the tracker's webhooks are then refused)
        </label>
      ) : null}
      <AlertMessage message={error} testId="credentials-error" />
      <button type="submit" className="button small" disabled={saving} data-testid="credentials-save">
        Save credentials
      </button>
    </form>
  );
}
