import {
  type DomainEventJobPayload,
  type DomainEventRelay,
  isRealmServedHere,
  type JobQueue,
  type PlatformDatabase,
  realmCreatedEvent,
  realmIdsServedHere,
} from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';
import { DashboardSnapshots } from './dashboard.service.ts';
import { ReportMailer } from './report-mailer.ts';

export const dashboardJobNames = {
  snapshot: 'dashboard.snapshot',
  /** A realm created while the hub runs: its daily snapshot schedule. */
  scheduleRealm: 'dashboard.schedule-realm',
  /** Sends the posture reports of a realm whose schedule is due. */
  reportSchedules: 'dashboard.report-schedules',
} as const;

/** Every five minutes: a schedule goes out within minutes of its time. */
export const reportSchedulesCron = '*/5 * * * *';

/** Daily, just after midnight UTC: the snapshot is "how the day started". */
export const defaultSnapshotCron = '5 0 * * *';

export interface DashboardJobsRuntime {
  root: DependencyContainer;
  database: PlatformDatabase;
  jobs?: JobQueue;
  events?: DomainEventRelay;
}

/**
 * The daily snapshot of each realm's dashboard figures, as a job on the platform queue. A retried
 * or repeated job replaces the day's snapshot, so it changes nothing twice.
 */
export async function registerDashboardJobs(runtime: DashboardJobsRuntime, options: { cron?: string } = {}) {
  const { jobs } = runtime;
  if (!jobs) return;
  const snapshots = runtime.root.resolve(DashboardSnapshots);
  await jobs.register<{ realmId: string }>(
    dashboardJobNames.snapshot,
    async ({ payload }) => {
      await snapshots.take(payload.realmId);
    },
    { retryLimit: 3, retryDelaySeconds: 60, expireInSeconds: 900 },
  );
  const cron = options.cron ?? defaultSnapshotCron;
  await registerReportJobs(runtime, jobs);
  const schedule = async (realmId: string) => {
    await jobs.schedule(dashboardJobNames.snapshot, `realm-${realmId}`, cron, { realmId });
    await jobs.schedule(dashboardJobNames.reportSchedules, `realm-${realmId}`, reportSchedulesCron, {
      realmId,
    });
  };
  await jobs.register<DomainEventJobPayload>(dashboardJobNames.scheduleRealm, async ({ payload }) => {
    // A realm created on the hub for a worker instance is snapshotted there, on its own data.
    if (await isRealmServedHere(runtime.database, payload.realmId)) await schedule(payload.realmId);
  });
  runtime.events?.subscribe(realmCreatedEvent, dashboardJobNames.scheduleRealm);
  // System code: the realm ids the schedules are keyed by; the snapshot itself runs per realm.
  for (const realmId of await realmIdsServedHere(runtime.database)) await schedule(realmId);
}

/** A realm's round over its due report schedules; each schedule is claimed once, whichever process runs. */
async function registerReportJobs(runtime: DashboardJobsRuntime, jobs: JobQueue) {
  const mailer = runtime.root.resolve(ReportMailer);
  await jobs.register<{ realmId: string }>(
    dashboardJobNames.reportSchedules,
    async ({ payload }) => {
      await mailer.runDueIn(payload.realmId);
    },
    // A round that fails is simply the next round's work: schedules stay due until queued, and
    // queued reports until sent (their retries and backoff are the outbox's, not the job's).
    { retryLimit: 0, expireInSeconds: 600 },
  );
}
