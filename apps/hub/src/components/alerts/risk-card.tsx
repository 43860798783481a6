import type { NhiRisk } from '@nhi/alert';
import { alertRuleOf } from '@nhi/alert/rules';
import { Link } from '@tanstack/react-router';
import { SeverityBadge } from './alert-badges.tsx';

/** The NHI's risk score and each factor with its points; with `nhiId`, each factor links to its alerts. */
export function RiskCard({ risk, nhiId }: { risk: NhiRisk; nhiId?: string }) {
  return (
    <section className="card" data-testid="risk-card" data-score={risk.score}>
      <h2 className="card-heading">
        Risk score {risk.score} <SeverityBadge severity={risk.level} />
      </h2>
      {risk.factors.length === 0 ? (
        <p className="muted">No open alert adds to the score.</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Factor</th>
              <th>OWASP</th>
              <th>Severity</th>
              <th className="numeric">Points</th>
            </tr>
          </thead>
          <tbody>
            {risk.factors.map((factor) => (
              <tr key={factor.ruleId} data-testid="risk-factor">
                <td>
                  {nhiId ? (
                    <Link
                      to="/inventory/$id"
                      params={{ id: nhiId }}
                      search={{ tab: 'alerts', rule: factor.ruleId }}
                      data-testid="risk-factor-alerts"
                    >
                      {alertRuleOf(factor.ruleId)?.title ?? factor.ruleId}
                    </Link>
                  ) : (
                    (alertRuleOf(factor.ruleId)?.title ?? factor.ruleId)
                  )}
                </td>
                <td>{factor.owaspId}</td>
                <td>
                  <SeverityBadge severity={factor.severity} />
                </td>
                <td className="numeric">{factor.points}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
