import { publishDomainEvent, type RealmTx, sql } from '@nhi/platform';
import { factRulesOf } from './alert-fact-rules.ts';
import {
  type EvaluationScope,
  type FindingParameters,
  prepareRealmPass,
  realmFindingsSql,
  scopedFindingsSql,
} from './alert-findings.sql.ts';
import { queueNotifications } from './alert-outbox.sql.ts';
import { loadEffectiveRules } from './alert-rule-settings.ts';
import {
  applyFindings,
  applyFirstFindings,
  type RuleMeta,
  type TransitionCounts,
} from './alert-transitions.sql.ts';
import { refreshRiskScores } from './risk-scores.sql.ts';

export type EvaluationResult = Omit<TransitionCounts, 'marked' | 'touchedNhiIds'> & {
  nhisInScope: number | 'all';
  notifications: number;
};

/**
 * Evaluates every rule over the scope inside the caller's realm transaction: findings, alert
 * transitions with history, and the risk scores of the NHIs in scope. A fixed number of
 * statements whatever the size of the realm: for some NHIs, the settings, one statement for the
 * findings and transitions, and the scores and the notifications only when something changed.
 * A full pass is the same statement over the whole realm, with more memory.
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
  const parameters: FindingParameters = {
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
      unownedSharePercent: threshold('nhi1.unowned_share', 'sharePercent'),
      unownedMinimum: threshold('nhi1.unowned_share', 'minimum'),
      unownedShareEnabled: enabledIds.has('nhi1.unowned_share'),
    },
  };
  const meta: RuleMeta = {};
  for (const { rule } of rules) meta[rule.id] = { owasp: rule.owaspId, severity: rule.severity };
  let counts: TransitionCounts;
  if (scope.all) {
    const { realmHasAlerts } = await prepareRealmPass(tx, realmId);
    const source = {
      ctes: realmFindingsSql(parameters),
      relation: sql`finding`,
      inScope: sql`TRUE`,
      insertInOrder: true,
    };
    counts = realmHasAlerts
      ? await applyFindings(tx, realmId, now, meta, source)
      : await applyFirstFindings(tx, realmId, now, meta, source);
    // The whole realm, not only what changed: a full pass also repairs any score left behind.
    await refreshRiskScores(tx, realmId, now, scope);
  } else {
    counts = await applyFindings(tx, realmId, now, meta, {
      ctes: scopedFindingsSql(parameters, scope.nhiIds),
      relation: sql`finding`,
      inScope: sql`a."nhiId" IN (SELECT nhi_id FROM scope_ids)`,
      listTouched: true,
    });
    await refreshRiskScores(tx, realmId, now, { all: false, nhiIds: counts.touchedNhiIds });
  }
  const notifications = counts.marked > 0 ? await queueNotifications(tx, realmId, now) : 0;
  if (notifications > 0) await publishDomainEvent(tx, 'alert.notifications_queued');
  const { marked: _marked, touchedNhiIds: _touched, ...result } = counts;
  return { ...result, nhisInScope: scope.all ? 'all' : scope.nhiIds.length, notifications };
}
