import type { AlertListItem } from '@nhi/alert';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { AlertActions } from '../alerts/alert-actions.tsx';
import { SeverityBadge, StateBadge } from '../alerts/alert-badges.tsx';
import { formatInstant } from '../shared/format-instant.ts';

interface NhiAlertsTabProps {
  nhiId: string;
  alerts: AlertListItem[];
  truncated: boolean;
  /** Only the alerts of this rule, as a risk factor's link asks. */
  ruleId: string | undefined;
  canAck: boolean;
  asOf: Date;
  onChanged: () => Promise<void>;
}

/** The identity's alerts, open first, with the alert page's triage actions on the ones selected. */
export function NhiAlertsTab({
  nhiId,
  alerts,
  truncated,
  ruleId,
  canAck,
  asOf,
  onChanged,
}: NhiAlertsTabProps) {
  const [selected, setSelected] = useState<string[]>([]);
  const shown = ruleId ? alerts.filter((alert) => alert.ruleId === ruleId) : alerts;
  const toggle = (id: string) =>
    setSelected((ids) => (ids.includes(id) ? ids.filter((other) => other !== id) : [...ids, id]));
  const live = selected.filter((id) => shown.some((alert) => alert.id === id));

  return (
    <section className="card stack" aria-labelledby="nhi-alerts-title" data-testid="nhi-alerts">
      <div className="card-heading">
        <h2 id="nhi-alerts-title">Alerts</h2>
        <span className="hint">
          Open first · times in UTC
          {truncated ? ' · the most recent 200: see the alert list for all' : ''}
        </span>
      </div>
      {ruleId ? (
        <p className="hint" data-testid="nhi-alerts-rule-filter">
          Showing the alerts of one risk factor.{' '}
          <Link to="/inventory/$id" params={{ id: nhiId }} search={{ tab: 'alerts' }}>
            Show all alerts
          </Link>
        </p>
      ) : null}
      {shown.length === 0 ? (
        <p className="muted" data-testid="nhi-alerts-empty">
          No alerts about this identity.
        </p>
      ) : (
        <>
          {canAck ? (
            <AlertActions
              ids={live}
              asOf={asOf}
              onDone={async () => {
                setSelected([]);
                await onChanged();
              }}
            />
          ) : null}
          <div className="table-scroll">
            <table className="table compact" data-testid="nhi-alert-table">
              <thead>
                <tr>
                  {canAck ? (
                    <th scope="col">
                      <span className="visually-hidden">Select</span>
                    </th>
                  ) : null}
                  <th scope="col">Severity</th>
                  <th scope="col">Alert</th>
                  <th scope="col">OWASP</th>
                  <th scope="col">State</th>
                  <th scope="col">Since</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((alert) => (
                  <tr
                    key={alert.id}
                    data-testid="nhi-alert-row"
                    data-alert-id={alert.id}
                    data-state={alert.state}
                  >
                    {canAck ? (
                      <td>
                        <input
                          type="checkbox"
                          checked={live.includes(alert.id)}
                          onChange={() => toggle(alert.id)}
                          aria-label={`Select ${alert.title}`}
                          data-testid="nhi-alert-select"
                        />
                      </td>
                    ) : null}
                    <td>
                      <SeverityBadge severity={alert.severity} />
                    </td>
                    <td>
                      <Link to="/alerts/$id" params={{ id: alert.id }} data-testid="nhi-alert-title">
                        {alert.title}
                      </Link>
                    </td>
                    <td>{alert.owaspId}</td>
                    <td>
                      <StateBadge state={alert.state} />
                      {alert.state === 'suppressed' && alert.suppressedUntil ? (
                        <span className="hint">
                          {' '}
                          until {formatInstant(alert.suppressedUntil).slice(0, 10)}
                        </span>
                      ) : null}
                    </td>
                    <td className="nowrap">{formatInstant(alert.stateChangedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
