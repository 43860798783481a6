import { publishDomainEvent, type RealmTx } from '@nhi/platform';
import {
  alertsOfScopeSql,
  alertsWithoutIdentitySql,
  type EvaluationScope,
  everyAlertSql,
  type FindingParameters,
  findingRelationSql,
  prepareRealmPass,
  realmFindingsSql,
  realmLevelFindingsSql,
  scopedFindingsSql,
} from '../sql/alert-findings.sql.ts';
import { lockRealmAlerts } from '../sql/alert-lock.sql.ts';
import { queueNotifications } from '../sql/alert-outbox.sql.ts';
import { queueTicketUpdates } from '../sql/alert-tickets.sql.ts';
import {
  applyFindings,
  applyFirstFindings,
  type RuleMeta,
  type TransitionCounts,
} from '../sql/alert-transitions.sql.ts';
import { refreshRiskScores } from '../sql/risk-scores.sql.ts';
import { factRulesOf } from './alert-fact-rules.ts';
import { loadEffectiveRules } from './alert-rule-settings.ts';

export type EvaluationResult = Omit<TransitionCounts, 'marked' | 'touchedNhiIds'> & {
  nhisInScope: number | 'all';
  notifications: number;
};

const nothing = { findings: 0, opened: 0, reopened: 0, resolved: 0, notifications: 0 };

/** The enabled rules, their thresholds and their metadata, as the statements take them. */
async function loadParameters(tx: RealmTx, realmId: string, now: Date) {
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
  return { parameters, meta };
}

/** Queues the notifications of what the statement marked, in the same transaction (the outbox). */
async function notify(tx: RealmTx, realmId: string, now: Date, counts: TransitionCounts) {
  let notifications = counts.marked > 0 ? await queueNotifications(tx, realmId, now) : 0;
  // Tickets of alerts this pass resolved or reopened hear of it.
  if (counts.resolved + counts.reopened > 0) notifications += await queueTicketUpdates(tx, realmId, now, now);
  if (notifications > 0) await publishDomainEvent(tx, 'alert.notifications_queued');
  return notifications;
}

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
  if (!scope.all && scope.nhiIds.length === 0) return { ...nothing, nhisInScope: 0 };
  await lockRealmAlerts(tx, realmId);
  const { parameters, meta } = await loadParameters(tx, realmId, now);
  let counts: TransitionCounts;
  if (scope.all) {
    const { realmHasAlerts } = await prepareRealmPass(tx, realmId);
    const source = {
      ctes: realmFindingsSql(parameters),
      relation: findingRelationSql,
      inScope: everyAlertSql,
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
      relation: findingRelationSql,
      inScope: alertsOfScopeSql,
      listTouched: true,
    });
    await refreshRiskScores(tx, realmId, now, { all: false, nhiIds: counts.touchedNhiIds });
  }
  const notifications = await notify(tx, realmId, now, counts);
  const { marked: _marked, touchedNhiIds: _touched, ...result } = counts;
  return { ...result, nhisInScope: scope.all ? 'all' : scope.nhiIds.length, notifications };
}

/** A part of a full pass: the findings about no identity, or those of some identities. */
export type PassSlice =
  | { realmLevel: true }
  | {
      realmLevel?: false;
      nhiIds: readonly string[];
      /** What the realm-level slice decided: unowned identities rolled up into one finding. */
      unownedRollup: boolean;
    };

export type SliceResult = EvaluationResult & { unownedRollup?: boolean };

/**
 * One slice of a full pass split into short transactions (see AlertEvaluator.evaluateRealm), in
 * the caller's realm transaction. The realm-level slice comes first: it decides the roll-up of
 * unowned identities over the whole realm, and answers for the alerts of no identity or of one
 * that no longer exists. Each identity slice then answers for exactly its identities (their
 * alerts, their scores, rescored whether or not they changed, as a full pass does) and follows
 * the roll-up. Every slice of a pass evaluates at the pass's `now`, so together they give what one
 * statement over the realm gives.
 */
export async function evaluateSlice(
  tx: RealmTx,
  realmId: string,
  now: Date,
  slice: PassSlice,
): Promise<SliceResult> {
  if (!slice.realmLevel && slice.nhiIds.length === 0) return { ...nothing, nhisInScope: 0 };
  await lockRealmAlerts(tx, realmId);
  const { parameters, meta } = await loadParameters(tx, realmId, now);
  if (!slice.realmLevel) parameters.unownedRollup = slice.unownedRollup;
  await prepareRealmPass(tx, realmId);
  // Each slice's own clock time in its ids: the ids of a pass keep ascending from slice to slice.
  const idTime = new Date(Math.max(Date.now(), now.getTime()));
  let counts: TransitionCounts;
  if (slice.realmLevel) {
    counts = await applyFindings(tx, realmId, now, meta, {
      ctes: realmLevelFindingsSql(parameters),
      relation: findingRelationSql,
      inScope: alertsWithoutIdentitySql(realmId),
      insertInOrder: true,
      idTime,
      reportRollup: true,
    });
  } else {
    counts = await applyFindings(tx, realmId, now, meta, {
      ctes: scopedFindingsSql(parameters, slice.nhiIds, true),
      relation: findingRelationSql,
      inScope: alertsOfScopeSql,
      insertInOrder: true,
      idTime,
    });
    await refreshRiskScores(tx, realmId, now, { all: false, nhiIds: slice.nhiIds });
  }
  const notifications = await notify(tx, realmId, now, counts);
  const { marked: _marked, touchedNhiIds: _touched, rolledUp, ...result } = counts;
  return {
    ...result,
    nhisInScope: slice.realmLevel ? 0 : slice.nhiIds.length,
    notifications,
    ...(rolledUp === undefined ? {} : { unownedRollup: rolledUp }),
  };
}
