import {
  type DomainEventJobPayload,
  type DomainEventRelay,
  isRealmServedHere,
  type JobQueue,
  memberDeactivatedEvent,
  type PlatformDatabase,
  realmCreatedEvent,
  realmIdsServedHere,
} from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';
import { AlertDelivery } from './alert-delivery.ts';
import { AlertEvaluator } from './alert-evaluator.ts';
import { TicketSync } from './ticket-sync.ts';

export const alertJobNames = {
  /** After NHI changes and owner deactivations: those NHIs (and those sharing a secret with them). */
  evaluateNhis: 'alert.evaluate-nhis',
  /** After a scan, a rule change, and on the schedule for time-based rules: the whole realm. */
  evaluateRealm: 'alert.evaluate-realm',
  /** Sends the realm's due notifications: when queued, and every minute for retries and digests. */
  deliver: 'alert.deliver',
  /** Reads the realm's ticket trackers' changes since their cursors: every five minutes. */
  syncTickets: 'alert.sync-tickets',
  /** A realm created while the hub runs: its evaluation and delivery schedules. */
  scheduleRealm: 'alert.schedule-realm',
} as const;

/** Retries wait at least 30 s and digests end on whole minutes: a one-minute sweep meets both. */
const deliverySweepCron = '* * * * *';

/** Tracker changes reach the hub within five minutes without a webhook. */
const ticketSyncCron = '*/5 * * * *';

/** Hourly: ageing and expiry move with the clock, not with changes. */
export const defaultEvaluationCron = '7 * * * *';

/** Past this many changed NHIs one full pass is cheaper than the incremental one. */
const incrementalLimit = 5000;

export interface AlertJobsRuntime {
  root: DependencyContainer;
  database: PlatformDatabase;
  jobs?: JobQueue;
  events?: DomainEventRelay;
}

/**
 * Runs alert evaluation as jobs on the platform queue: subscribed to the inventory's and the
 * scanner's domain events, and on an hourly schedule per realm. Evaluation is idempotent, so a
 * retried or repeated job changes nothing twice.
 */
export async function registerAlertJobs(runtime: AlertJobsRuntime, options: { cron?: string } = {}) {
  const { jobs, events } = runtime;
  if (!jobs) return;
  const evaluator = runtime.root.resolve(AlertEvaluator);
  await jobs.register<DomainEventJobPayload>(
    alertJobNames.evaluateNhis,
    async ({ payload, signal }) => {
      if (payload.subjectIds.length > incrementalLimit)
        await evaluator.evaluateRealm(payload.realmId, { signal });
      else await evaluator.evaluateNhis(payload.realmId, payload.subjectIds);
    },
    { retryLimit: 5, retryDelaySeconds: 10 },
  );
  await jobs.register<{ realmId: string }>(
    alertJobNames.evaluateRealm,
    async ({ payload, signal }) => {
      await evaluator.evaluateRealm(payload.realmId, { signal });
    },
    { retryLimit: 3, retryDelaySeconds: 30, expireInSeconds: 1800 },
  );
  const delivery = runtime.root.resolve(AlertDelivery);
  await jobs.register<{ realmId: string }>(
    alertJobNames.deliver,
    async ({ payload }) => {
      await delivery.deliverDue(payload.realmId);
    },
    { retryLimit: 2, retryDelaySeconds: 10, expireInSeconds: 900 },
  );
  events?.subscribe('alert.notifications_queued', alertJobNames.deliver);
  const tickets = runtime.root.resolve(TicketSync);
  await jobs.register<{ realmId: string }>(
    alertJobNames.syncTickets,
    async ({ payload }) => {
      await tickets.syncRealm(payload.realmId);
    },
    { retryLimit: 1, retryDelaySeconds: 60, expireInSeconds: 900 },
  );
  events?.subscribe('nhi.changed', alertJobNames.evaluateNhis);
  // A deactivated owner (SCIM) makes nhi1.owner_inactive fire now, not at the next hourly pass.
  events?.subscribe(memberDeactivatedEvent, alertJobNames.evaluateNhis);
  events?.subscribe('scan.finished', alertJobNames.evaluateRealm);
  events?.subscribe('alert.rules_changed', alertJobNames.evaluateRealm);
  const cron = options.cron ?? defaultEvaluationCron;
  await jobs.register<DomainEventJobPayload>(alertJobNames.scheduleRealm, async ({ payload }) => {
    // A realm created on the hub for a worker instance is scheduled there, on its own data.
    if (await isRealmServedHere(runtime.database, payload.realmId))
      await scheduleRealm(jobs, payload.realmId, cron);
  });
  events?.subscribe(realmCreatedEvent, alertJobNames.scheduleRealm);
  // System code: the realm ids the schedules are keyed by; evaluation itself runs per realm.
  for (const realmId of await realmIdsServedHere(runtime.database)) await scheduleRealm(jobs, realmId, cron);
}

/** A realm's schedules (a job belongs to one realm); scheduling again replaces them. */
async function scheduleRealm(jobs: JobQueue, realmId: string, cron: string) {
  await jobs.schedule(alertJobNames.evaluateRealm, `realm-${realmId}`, cron, { realmId });
  await jobs.schedule(alertJobNames.deliver, `realm-${realmId}`, deliverySweepCron, { realmId });
  await jobs.schedule(alertJobNames.syncTickets, `realm-${realmId}`, ticketSyncCron, { realmId });
}
