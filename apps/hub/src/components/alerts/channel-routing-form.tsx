import { alertRules } from '@nhi/alert/rules';
import { useState } from 'react';
import { errorMessageOf, ServerFnError } from '../../lib/server-fn-error.ts';
import { updateAlertChannel } from '../../server/functions/alerts.functions.ts';
import { AlertMessage } from '../shared/alert-message.tsx';

const severities = ['critical', 'high', 'medium', 'low'] as const;
const environments = ['production', 'staging', 'development', 'unknown'] as const;
/** The bounds the API enforces on a digest interval. */
const digestBounds = { min: 5, max: 1440 };

export interface ChannelRouting {
  id: string;
  name: string;
  enabled: boolean;
  severities: string[];
  ruleIds: string[];
  environments: string[];
  ownerGroupIds: string[];
  digestMinutes: number | null;
}

/** What is wrong with a digest interval as typed, or null when it is acceptable (empty: no digest). */
export function digestProblem(value: string): string | null {
  if (value.trim() === '') return null;
  const minutes = Number(value);
  if (!Number.isInteger(minutes)) return 'The digest interval is a whole number of minutes';
  if (minutes < digestBounds.min || minutes > digestBounds.max)
    return `The digest interval is between ${digestBounds.min} and ${digestBounds.max} minutes`;
  return null;
}

/** The API's refusal as one line per field, so the person sees what to change. */
export function refusalOf(failure: unknown): string {
  const issues = failure instanceof ServerFnError ? failure.details?.issues : undefined;
  if (!Array.isArray(issues) || issues.length === 0) return errorMessageOf(failure);
  return issues
    .map((issue: { path?: string[]; message?: string }) =>
      [issue.path?.join('.'), issue.message].filter(Boolean).join(': '),
    )
    .join('; ');
}

const toggled = (list: string[], value: string) =>
  list.includes(value) ? list.filter((v) => v !== value) : [...list, value];

/**
 * A channel's routing (severities, rules, environments: none ticked means all), digest interval
 * and on/off, edited in place and saved through alert channel update.
 */
export function ChannelRoutingForm({
  channel,
  teams,
  onSaved,
}: {
  channel: ChannelRouting;
  /** The realm's groups a channel may serve as owner teams. */
  teams: readonly { id: string; name: string }[];
  onSaved: () => void;
}) {
  const [form, setForm] = useState({
    ownerGroupIds: channel.ownerGroupIds,
    enabled: channel.enabled,
    severities: channel.severities,
    ruleIds: channel.ruleIds,
    environments: channel.environments,
    digest: channel.digestMinutes === null ? '' : String(channel.digestMinutes),
  });
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  async function save() {
    const problem = digestProblem(form.digest);
    setError(problem);
    if (problem) return;
    setSaving(true);
    try {
      await updateAlertChannel({
        data: {
          id: channel.id,
          enabled: form.enabled,
          severities: form.severities as (typeof severities)[number][],
          ruleIds: form.ruleIds,
          environments: form.environments as (typeof environments)[number][],
          ownerGroupIds: form.ownerGroupIds,
          digestMinutes: form.digest.trim() === '' ? null : Number(form.digest),
        },
      });
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
      data-testid="channel-routing-form"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <label className="choice">
        <input
          type="checkbox"
          checked={form.enabled}
          onChange={(e) => setForm({ ...form, enabled: e.target.checked })}
        />{' '}
        Enabled
      </label>
      <fieldset>
        <legend>Severities (none: all)</legend>
        {severities.map((severity) => (
          <label key={severity} className="choice">
            <input
              type="checkbox"
              data-testid={`routing-severity-${severity}`}
              checked={form.severities.includes(severity)}
              onChange={() => setForm({ ...form, severities: toggled(form.severities, severity) })}
            />{' '}
            {severity}
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>Environments (none: all)</legend>
        {environments.map((environment) => (
          <label key={environment} className="choice">
            <input
              type="checkbox"
              data-testid={`routing-environment-${environment}`}
              checked={form.environments.includes(environment)}
              onChange={() => setForm({ ...form, environments: toggled(form.environments, environment) })}
            />{' '}
            {environment}
          </label>
        ))}
      </fieldset>
      <label className="field">
        <span>Rules (none selected: all)</span>
        <select
          multiple
          size={6}
          data-testid="routing-rules"
          value={form.ruleIds}
          onChange={(e) =>
            setForm({ ...form, ruleIds: Array.from(e.target.selectedOptions, (option) => option.value) })
          }
        >
          {alertRules.map((rule) => (
            <option key={rule.id} value={rule.id}>
              {rule.owaspId} · {rule.title}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>
          Owner teams: alerts about identities these teams or teams below them own (none selected: all)
        </span>
        <select
          multiple
          size={Math.min(6, Math.max(2, teams.length))}
          data-testid="routing-teams"
          value={form.ownerGroupIds}
          onChange={(e) =>
            setForm({
              ...form,
              ownerGroupIds: Array.from(e.target.selectedOptions, (option) => option.value),
            })
          }
        >
          {teams.map((team) => (
            <option key={team.id} value={team.id}>
              {team.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Digest every (minutes; empty: one message per alert)</span>
        <input
          inputMode="numeric"
          data-testid="routing-digest"
          value={form.digest}
          aria-invalid={digestProblem(form.digest) !== null}
          onChange={(e) => setForm({ ...form, digest: e.target.value })}
        />
      </label>
      <AlertMessage message={error} testId="routing-error" />
      <button type="submit" className="button small" disabled={saving} data-testid="routing-save">
        Save routing
      </button>
    </form>
  );
}
