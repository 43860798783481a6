import { useState } from 'react';
import { updateAlertChannel } from '../../server/functions/alerts.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';
import { refusalOf } from './channel-routing-form.tsx';

export interface TrackerChannel {
  id: string;
  type: 'jira' | 'servicenow';
  settings: { [key: string]: unknown };
}

/** What the form holds: every field empty means "keep what the channel has". */
export interface CredentialsForm {
  account: string;
  secret: string;
  webhookSecret: string;
}

export const emptyCredentials: CredentialsForm = { account: '', secret: '', webhookSecret: '' };

/**
 * The fields of the channel update the form asks for: only those filled in, named as the tracker
 * takes them (Jira: email and API token; ServiceNow: username and password). Null when nothing is.
 */
export function credentialChanges(
  type: TrackerChannel['type'],
  form: CredentialsForm,
): {
  apiToken?: string;
  email?: string;
  password?: string;
  username?: string;
  webhookSecret?: string;
} | null {
  const account = form.account.trim();
  const changes = {
    ...(account ? (type === 'jira' ? { email: account } : { username: account }) : {}),
    ...(form.secret ? (type === 'jira' ? { apiToken: form.secret } : { password: form.secret }) : {}),
    ...(form.webhookSecret ? { webhookSecret: form.webhookSecret } : {}),
  };
  return Object.keys(changes).length > 0 ? changes : null;
}

/**
 * A tracker's account, credential and webhook secret, changed in place: the secrets are never
 * shown, their boxes start empty, and a box left empty keeps what the channel has.
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
          onChange={(e) => setForm({ ...form, webhookSecret: e.target.value })}
        />
      </label>
      <AlertMessage message={error} testId="credentials-error" />
      <button type="submit" className="button small" disabled={saving} data-testid="credentials-save">
        Save credentials
      </button>
    </form>
  );
}
