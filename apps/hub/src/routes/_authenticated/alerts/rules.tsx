import type { RuleView } from '@nhi/alert';
import { createFileRoute, Link, useLoaderData, useRouter } from '@tanstack/react-router';
import { useState } from 'react';
import { SeverityBadge } from '../../../components/alerts/alert-badges.tsx';
import { errorMessageOf } from '../../../lib/server-fn-error.ts';
import { configureAlertRule, listAlertRules } from '../../../server/functions/alerts.functions.ts';

export const Route = createFileRoute('/_authenticated/alerts/rules')({
  head: () => ({ meta: [{ title: 'Alert rules · NHI Hub' }] }),
  loader: () => listAlertRules(),
  component: RulesPage,
});

function RulesPage() {
  const rules = Route.useLoaderData();
  const { can } = useLoaderData({ from: '/_authenticated/alerts' });
  return (
    <div className="stack wide" data-testid="rules-page">
      <header className="page-header">
        <Link to="/alerts" className="back-link">
          ← Alerts
        </Link>
        <h1>Alert rules</h1>
        <p className="muted">Changes apply at the next evaluation of the realm, which they start.</p>
      </header>
      <div className="table-scroll">
        <table className="table">
          <thead>
            <tr>
              <th>On</th>
              <th>Rule</th>
              <th>OWASP</th>
              <th>Severity</th>
              <th>Thresholds</th>
              <th>Reads</th>
            </tr>
          </thead>
          <tbody>
            {rules.map((rule) => (
              <RuleRow key={rule.id} rule={rule} editable={can.configure} />
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function RuleRow({ rule, editable }: { rule: RuleView; editable: boolean }) {
  const router = useRouter();
  const [values, setValues] = useState(rule.values);
  const [error, setError] = useState<string | null>(null);

  async function save(change: { enabled?: boolean; thresholds?: Record<string, number> }) {
    setError(null);
    try {
      await configureAlertRule({ data: { ruleId: rule.id, ...change } });
      await router.invalidate();
    } catch (failure) {
      setError(errorMessageOf(failure));
    }
  }

  return (
    <tr data-testid="rule-row" data-rule={rule.id}>
      <td>
        <input
          type="checkbox"
          aria-label={`Enable ${rule.title}`}
          checked={rule.enabled}
          disabled={!editable}
          onChange={(e) => save({ enabled: e.target.checked })}
        />
      </td>
      <td>
        <strong>{rule.title}</strong>
        <div className="muted">{rule.explanation}</div>
      </td>
      <td>{rule.owaspId}</td>
      <td>
        <SeverityBadge severity={rule.severity} />
      </td>
      <td>
        {rule.thresholds.map((threshold) => (
          <form
            key={threshold.key}
            className="inline-form"
            onSubmit={(event) => {
              event.preventDefault();
              void save({ thresholds: { [threshold.key]: values[threshold.key] ?? threshold.defaultValue } });
            }}
          >
            <label className="field">
              <span>{threshold.label}</span>
              <input
                type="number"
                min={threshold.min}
                max={threshold.max}
                value={values[threshold.key] ?? threshold.defaultValue}
                disabled={!editable}
                onChange={(e) => setValues({ ...values, [threshold.key]: Number(e.target.value) })}
              />
            </label>
            {editable ? (
              <button type="submit" className="button small">
                Save
              </button>
            ) : null}
          </form>
        ))}
        {error ? <p className="field-error">{error}</p> : null}
      </td>
      <td className="muted">{rule.sources}</td>
    </tr>
  );
}
