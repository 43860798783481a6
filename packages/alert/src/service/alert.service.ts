import {
  actorOf,
  coveredOwnerWhere,
  NotFoundError,
  parseInput,
  publishDomainEvent,
  REALM_DB,
  REQUEST_CONTEXT,
  REQUEST_PERMISSIONS,
  type RealmDb,
  type RealmTx,
  type RequestContext,
  type RequestPermissions,
  ValidationError,
  writeAuditEntry,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import {
  type AlertGroupsInput,
  type AlertIdsInput,
  alertGroupsInput,
  alertIdsInput,
  type ConfigureRuleInput,
  configureRuleInput,
  type ListAlertsInput,
  listAlertsInput,
  type SuppressAlertsInput,
  suppressAlertsInput,
} from '../api/alert.schema.ts';
import { lockRealmAlerts } from '../sql/alert-lock.sql.ts';
import { queueTicketUpdates } from '../sql/alert-tickets.sql.ts';
import { refreshRiskScores } from '../sql/risk-scores.sql.ts';
import { withActorLabels } from './alert-actors.ts';
import { assignmentOf, type WithAssignments, withAssignments } from './alert-collaboration.ts';
import { assertAlertsCovered } from './alert-coverage.ts';
import type { AlertState } from './alert-detail.ts';
import {
  type AlertDetail,
  alertListSelect,
  type NhiRisk,
  type RuleView,
  toListItem,
} from './alert-detail.ts';
import { type EvaluationResult, evaluateInTransaction } from './alert-evaluation.ts';
import { evidenceLines } from './alert-explanation.ts';
import {
  type AlertFilterOptions,
  type AlertGroups,
  type AlertQueuePage,
  readAlertGroups,
  readAlertPage,
  readFilterOptions,
} from './alert-queue.ts';
import { loadEffectiveRules } from './alert-rule-settings.ts';
import { alertRuleOf } from './alert-rules.ts';
import { ticketsOfAlert } from './alert-tickets.ts';

export interface TransitionResult {
  /** Alerts that changed state. */
  changed: number;
  /** Alerts already in the target state, or in a state that cannot move there. */
  skipped: number;
}

/**
 * The alerts of the request's realm: lists and details for triage, and the analyst's transitions
 * (acknowledge, resolve, suppress), each recorded in the alert history and the audit log in the
 * transaction of the change, with the risk scores of the NHIs concerned. Reads reach the alerts
 * the caller's `alert:read` covers, transitions those its `alert:ack` covers (ADR 0040): any other
 * alert is NOT_FOUND, as one of another realm.
 */
@injectable()
export class AlertService {
  constructor(
    @inject(REQUEST_CONTEXT) private readonly context: RequestContext,
    @inject(REALM_DB) private readonly realmDb: RealmDb,
    @inject(REQUEST_PERMISSIONS) private readonly permissions: RequestPermissions,
  ) {}

  private get readCoverage() {
    return this.permissions.coverage('alert:read');
  }

  /** One page of the list, filtered and sorted on the server, paged by keyset in any order. */
  async list(input: ListAlertsInput = {}): Promise<WithAssignments<AlertQueuePage>> {
    const filter = parseInput(listAlertsInput, input, 'alert filter');
    return this.realmDb.transaction(async (tx) => {
      const page = await readAlertPage(tx, this.realmDb.realmId, filter, this.readCoverage);
      return { ...page, items: await withAssignments(tx, page.items) };
    });
  }

  /** The alerts the filters match, counted per rule or per identity. */
  async groups(input: AlertGroupsInput): Promise<AlertGroups> {
    const { by, ...filter } = parseInput(alertGroupsInput, input, 'alert grouping');
    return this.realmDb.transaction((tx) =>
      readAlertGroups(tx, this.realmDb.realmId, by, filter, this.readCoverage),
    );
  }

  /** The choices of the list's filters. */
  async filterOptions(): Promise<AlertFilterOptions> {
    return this.realmDb.transaction((tx) => readFilterOptions(tx, this.realmDb.realmId, this.readCoverage));
  }

  async get(id: string): Promise<AlertDetail> {
    return this.realmDb.transaction(async (tx) => {
      const row = await tx.alert.findFirst({
        where: { id },
        select: {
          ...alertListSelect,
          subject: true,
          evidence: true,
          suppressedById: true,
          events: {
            orderBy: { createdAt: 'asc' },
            select: {
              kind: true,
              fromState: true,
              toState: true,
              reason: true,
              actorType: true,
              actorId: true,
              createdAt: true,
            },
          },
        },
      });
      if (!row) throw new NotFoundError('Alert', id);
      await assertAlertsCovered(tx, this.readCoverage, [row]);
      const nhis = await this.nhiNames(tx, [row.nhiId]);
      const rule = alertRuleOf(row.ruleId);
      return {
        ...toListItem(row, nhis.get(row.nhiId ?? '')),
        subject: row.subject,
        evidence: row.evidence as AlertDetail['evidence'],
        suppressedById: row.suppressedById,
        explanation: rule?.explanation ?? '',
        details: evidenceLines(row.evidence, 20),
        remediation: rule?.remediation ?? '',
        sources: rule?.sources ?? '',
        history: await withActorLabels(tx, row.events),
        tickets: await ticketsOfAlert(tx, row.id),
        ...(await assignmentOf(tx, row.id)),
      };
    });
  }

  async acknowledge(input: AlertIdsInput): Promise<TransitionResult> {
    const { ids, comment } = parseInput(alertIdsInput, input, 'alert selection');
    return this.transition(ids, ['open'], 'acknowledged', comment ?? 'Acknowledged', {});
  }

  async resolve(input: AlertIdsInput): Promise<TransitionResult> {
    const { ids, comment } = parseInput(alertIdsInput, input, 'alert selection');
    return this.transition(ids, ['open', 'acknowledged', 'suppressed'], 'resolved', comment ?? 'Resolved', {
      resolution: 'manual',
    });
  }

  async suppress(input: SuppressAlertsInput): Promise<TransitionResult> {
    const { ids, reason, until } = parseInput(suppressAlertsInput, input, 'suppression');
    if (until.getTime() <= this.context.clock.now().getTime()) {
      throw new ValidationError('Invalid suppression', [
        { path: ['until'], message: 'The expiry must be in the future' },
      ]);
    }
    const principal = this.context.principal;
    return this.transition(ids, ['open', 'acknowledged', 'resolved', 'suppressed'], 'suppressed', reason, {
      suppressedUntil: until,
      suppressReason: reason,
      suppressedById: principal.kind === 'system' ? null : principal.userId,
    });
  }

  /** The catalogue with this realm's settings. */
  async rules(): Promise<RuleView[]> {
    const rules = await this.realmDb.transaction((tx) => loadEffectiveRules(tx));
    return rules.map(({ rule, enabled, thresholds, customised }) => ({
      ...rule,
      enabled,
      values: thresholds,
      customised,
    }));
  }

  /** Takes effect at the next evaluation of the realm (the scheduled pass, or one started on change). */
  async configureRule(input: ConfigureRuleInput): Promise<RuleView> {
    const { ruleId, enabled, thresholds } = parseInput(configureRuleInput, input, 'rule settings');
    const rule = alertRuleOf(ruleId);
    if (!rule) throw new NotFoundError('AlertRule', ruleId);
    const issues: { path: (string | number)[]; message: string }[] = [];
    for (const [key, value] of Object.entries(thresholds ?? {})) {
      const declared = rule.thresholds.find((t) => t.key === key);
      if (!declared)
        issues.push({ path: ['thresholds', key], message: `${rule.id} has no threshold ${key}` });
      else if (value !== null && (value < declared.min || value > declared.max))
        issues.push({
          path: ['thresholds', key],
          message: `Between ${declared.min} and ${declared.max} days`,
        });
    }
    if (issues.length > 0) throw new ValidationError('Invalid rule settings', issues);
    return this.realmDb.transaction(async (tx) => {
      const current = await tx.alertRuleSetting.findFirst({
        where: { ruleId },
        select: { enabled: true, thresholds: true },
      });
      const stored: Record<string, number> = { ...((current?.thresholds ?? {}) as Record<string, number>) };
      for (const [key, value] of Object.entries(thresholds ?? {})) {
        if (value === null) delete stored[key];
        else stored[key] = value;
      }
      const next = { enabled: enabled ?? current?.enabled ?? true, thresholds: stored };
      await tx.alertRuleSetting.upsert({
        where: { realmId_ruleId: { realmId: this.context.realm.id, ruleId } },
        create: { ruleId, ...next, updatedAt: this.context.clock.now() },
        update: { ...next, updatedAt: this.context.clock.now() },
        select: { ruleId: true },
      });
      await writeAuditEntry(tx, {
        realmId: this.context.realm.id,
        actor: this.context.principal,
        action: 'alert.rule.configure',
        entityType: 'AlertRule',
        entityId: ruleId,
        before: current ?? { enabled: true, thresholds: {} },
        after: next,
        requestId: this.context.requestId,
      });
      await publishDomainEvent(tx, 'alert.rules_changed', [ruleId]);
      const view = (await loadEffectiveRules(tx)).find((r) => r.rule.id === ruleId);
      if (!view) throw new NotFoundError('AlertRule', ruleId);
      return { ...view.rule, enabled: view.enabled, values: view.thresholds, customised: view.customised };
    });
  }

  /** Evaluates every rule over the realm now, as the scheduled pass does. */
  evaluateNow(): Promise<EvaluationResult> {
    const realmId = this.context.realm.id;
    return this.realmDb.transaction(
      (tx) => evaluateInTransaction(tx, realmId, this.context.clock.now(), { all: true }),
      {
        timeout: 300_000,
        maxWait: 60_000,
      },
    );
  }

  /**
   * The NHI's score and the factors it is made of; 0 and no factors when nothing is open. An id
   * that names no NHI of the realm, or one outside the caller's coverage, is NOT_FOUND, as
   * everywhere else, not a score of 0.
   */
  async risk(nhiId: string): Promise<NhiRisk> {
    return this.realmDb.transaction(async (tx) => {
      const nhi = await tx.nhi.findFirst({
        where: { id: nhiId, ...coveredOwnerWhere(this.readCoverage) },
        select: { id: true },
      });
      if (!nhi) throw new NotFoundError('Nhi', nhiId);
      const row = await tx.nhiRiskScore.findFirst({
        where: { nhiId },
        select: { score: true, level: true, factors: true, computedAt: true },
      });
      if (!row) return { nhiId, score: 0, level: 'low', factors: [], computedAt: null };
      return { nhiId, ...row, factors: row.factors as unknown as NhiRisk['factors'] };
    });
  }

  private async transition(
    ids: string[],
    from: AlertState[],
    to: AlertState,
    reason: string,
    fields: Record<string, unknown>,
  ): Promise<TransitionResult> {
    const now = this.context.clock.now();
    const unique = [...new Set(ids)];
    return this.realmDb.transaction(async (tx) => {
      // In the evaluations' lock order: the realm's alert lock, then the rows (no deadlock with a pass).
      await lockRealmAlerts(tx, this.realmDb.realmId);
      const found = await tx.alert.findMany({
        where: { id: { in: unique } },
        select: { id: true, state: true, nhiId: true, suppressedUntil: true, suppressReason: true },
      });
      if (found.length !== unique.length) {
        const missing = unique.find((id) => !found.some((row) => row.id === id));
        throw new NotFoundError('Alert', missing ?? '');
      }
      await assertAlertsCovered(tx, this.permissions.coverage('alert:ack'), found);
      const movable = found.filter(
        (row) => from.includes(row.state) && (row.state !== to || to === 'suppressed'),
      );
      if (movable.length > 0) {
        const movableIds = movable.map((row) => row.id);
        await tx.alert.updateMany({
          where: { id: { in: movableIds }, state: { in: from } },
          data: {
            state: to,
            stateChangedAt: now,
            updatedAt: now,
            ...(to === 'suppressed'
              ? {}
              : { suppressedUntil: null, suppressReason: null, suppressedById: null }),
            ...(to === 'resolved' ? {} : { resolution: null }),
            ...fields,
          },
        });
        const actor = actorOf(this.context.principal);
        await tx.alertEvent.createMany({
          data: movable.map((row) => ({
            alertId: row.id,
            fromState: row.state,
            toState: to,
            reason,
            ...actor,
            createdAt: now,
          })),
        });
        await tx.auditLog.createMany({
          data: movable.map((row) => ({
            ...actor,
            action: `alert.${to === 'acknowledged' ? 'acknowledge' : to === 'resolved' ? 'resolve' : 'suppress'}`,
            entityType: 'Alert',
            entityId: row.id,
            before: { state: row.state },
            after: {
              state: to,
              reason,
              ...(to === 'suppressed' ? { until: (fields.suppressedUntil as Date).toISOString() } : {}),
            },
            requestId: this.context.requestId,
            createdAt: now,
          })),
        });
        // A resolved alert's ticket hears of it (a comment and the move to done).
        if (
          to === 'resolved' &&
          (await queueTicketUpdates(tx, this.context.realm.id, now, now, movableIds)) > 0
        )
          await publishDomainEvent(tx, 'alert.notifications_queued');
        const nhiIds = movable.flatMap((row) => (row.nhiId ? [row.nhiId] : []));
        if (nhiIds.length > 0)
          await refreshRiskScores(tx, this.context.realm.id, now, { all: false, nhiIds });
      }
      return { changed: movable.length, skipped: unique.length - movable.length };
    });
  }

  private async nhiNames(tx: RealmTx, ids: (string | null)[]) {
    const wanted = [...new Set(ids.filter((id): id is string => id !== null))];
    const rows = wanted.length
      ? await tx.nhi.findMany({
          where: { id: { in: wanted } },
          select: {
            id: true,
            name: true,
            environment: true,
            ownerUserId: true,
            owner: { select: { email: true } },
          },
        })
      : [];
    return new Map(
      rows.map((row) => [
        row.id,
        {
          name: row.name,
          environment: row.environment,
          ownerUserId: row.ownerUserId,
          ownerEmail: row.owner?.email ?? null,
        },
      ]),
    );
  }
}
