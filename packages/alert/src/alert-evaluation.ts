import { publishDomainEvent, type RealmTx } from '@nhi/platform';
import { factRulesOf } from './alert-fact-rules.ts';
import { collectFindings, type EvaluationScope } from './alert-findings.sql.ts';
import { queueNotifications } from './alert-outbox.sql.ts';
import { loadEffectiveRules } from './alert-rule-settings.ts';
import { applyFindings, type RuleMeta, type TransitionCounts } from './alert-transitions.sql.ts';
import { refreshRiskScores } from './risk-scores.sql.ts';

export type EvaluationResult = TransitionCounts & { nhisInScope: number | 'all'; notifications: number };

/**
 * Evaluates every rule over the scope inside the caller's realm transaction: findings, alert
 * transitions with history, and the risk scores of the NHIs in scope. A fixed number of
 * statements whatever the size of the realm.
 */
export async function evaluateInTransaction(
  tx: RealmTx,
  realmId: string,
  now: Date,
  requested: EvaluationScope,
): Promise<EvaluationResult> {
  const scope = requested;
  if (!scope.all && scope.nhiIds.length === 0) {
    return {
      notify: false,
      findings: 0,
      opened: 0,
      reopened: 0,
      resolved: 0,
      nhisInScope: 0,
      notifications: 0,
    };
  }
  const rules = await loadEffectiveRules(tx);
  const enabled = rules.filter((r) => r.enabled);
  const enabledIds = new Set(enabled.map((r) => r.rule.id));
  const threshold = (ruleId: string, key: string) =>
    rules.find((r) => r.rule.id === ruleId)?.thresholds[key] ?? 0;
  const findings = await collectFindings(
    tx,
    {
      realmId,
      now,
      enabled: [...enabledIds],
      factRules: factRulesOf(enabledIds),
      thresholds: {
        unusedDays: threshold('nhi1.unused', 'unusedDays'),
        graceDays: threshold('nhi1.never_used', 'graceDays'),
        ageDays: threshold('nhi7.credential_age', 'ageDays'),
        criticalAgeDays: threshold('nhi7.credential_age_critical', 'ageDays'),
        criticalAgeEnabled: enabledIds.has('nhi7.credential_age_critical'),
        withinDays: threshold('nhi7.expiring_soon', 'withinDays'),
      },
    },
    scope,
  );
  const meta: RuleMeta = {};
  for (const { rule } of rules) meta[rule.id] = { owasp: rule.owaspId, severity: rule.severity };
  const counts = await applyFindings(tx, realmId, now, scope, meta, findings);
  await refreshRiskScores(tx, realmId, now, scope);
  const notifications = counts.notify ? await queueNotifications(tx, realmId, now) : 0;
  if (notifications > 0) await publishDomainEvent(tx, 'alert.notifications_queued');
  return { ...counts, nhisInScope: scope.all ? 'all' : scope.nhiIds.length, notifications };
}
