import {
  actorOf,
  JOB_QUEUE,
  type JobQueue,
  LOGGER,
  type Logger,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  RealmDb,
  realmIdsServedHere,
} from '@nhi/platform';
import type { DependencyContainer } from 'tsyringe';
import type { ScanInput, SourceType } from '../api/scanner.schema.ts';
import { ScanRunner } from './scan-runner.ts';

/** Runs one scan: payload { realmId, scanId }. */
export const scanJob = 'scanner.scan';
/** Fired by a source's cron schedule: payload { realmId, sourceId }; starts a scan from its settings. */
export const scheduledScanJob = 'scanner.scheduled-scan';

/** What a scheduled scan of each source type reads. */
export const scheduledInputOf: Partial<Record<SourceType, ScanInput>> = {
  aws_iam: 'aws.live',
  github: 'github.live',
  secrets: 'secrets.directory',
  kubernetes: 'k8s.live',
  gcp: 'gcp.live',
  entra: 'entra.live',
  gitlab: 'gitlab.live',
};

export interface ScannerJobOptions {
  /** Identities per transaction. */
  batchSize?: number;
  heartbeatSeconds?: number;
}

/**
 * Registers the scanner's job handlers on the process's job queue (the hub and the CLI call it
 * once after the platform started). Returns the queue for convenience.
 */
export async function registerScannerJobs(
  root: DependencyContainer,
  options: ScannerJobOptions = {},
): Promise<JobQueue> {
  const jobs = root.resolve(JOB_QUEUE);
  const runner = root.resolve(ScanRunner);
  await jobs.register<{ realmId: string; scanId: string }>(
    scanJob,
    (job) =>
      runner.run(job.payload.realmId, job.payload.scanId, {
        signal: job.signal,
        batchSize: options.batchSize,
      }),
    {
      concurrency: 2,
      retryLimit: 3,
      heartbeatSeconds: options.heartbeatSeconds ?? 30,
      expireInSeconds: 6 * 3600,
    },
  );
  const db = root.resolve<PlatformDatabase>(PLATFORM_DATABASE);
  const logger = root.resolve<Logger>(LOGGER);
  await jobs.register<{ realmId: string; sourceId: string }>(scheduledScanJob, async (job) => {
    const realmDb = new RealmDb(db, job.payload.realmId);
    const actor = actorOf({ kind: 'system', name: 'schedule' });
    const scan = await realmDb.transaction(async (tx) => {
      const source = await tx.source.findUnique({
        where: { id: job.payload.sourceId },
        select: { type: true },
      });
      const input = source ? scheduledInputOf[source.type] : undefined;
      if (!source || !input) return null;
      const busy = await tx.scan.count({
        where: { sourceId: job.payload.sourceId, state: { in: ['queued', 'running'] } },
      });
      if (busy > 0) return null;
      return tx.scan.create({
        data: {
          sourceId: job.payload.sourceId,
          input,
          triggeredByType: actor.actorType,
          triggeredById: actor.actorId,
        },
        select: { id: true },
      });
    });
    if (!scan) {
      logger.info(
        { sourceId: job.payload.sourceId },
        'scheduled scan skipped: source gone, busy or not schedulable',
      );
      return;
    }
    await jobs.enqueue(scanJob, { realmId: job.payload.realmId, scanId: scan.id });
  });
  await applySourceSchedules(root);
  return jobs;
}

/**
 * The sources' schedules live in the job queue, which a restored backup does not carry: each one
 * is applied again from the source's own row when the scanner's jobs are registered (scheduling again replaces it). System code:
 * the source ids the schedules are keyed by, across the realms this process serves.
 */
export async function applySourceSchedules(root: DependencyContainer): Promise<void> {
  const jobs = root.resolve(JOB_QUEUE);
  const db = root.resolve<PlatformDatabase>(PLATFORM_DATABASE);
  const logger = root.resolve<Logger>(LOGGER);
  const sources = await db.systemPrisma.source.findMany({
    where: { realmId: { in: await realmIdsServedHere(db) }, schedule: { not: null } },
    select: { id: true, realmId: true, schedule: true },
  });
  for (const source of sources) {
    if (!source.schedule) continue;
    await jobs
      .schedule(scheduledScanJob, source.id, source.schedule, {
        realmId: source.realmId,
        sourceId: source.id,
      })
      .catch((error: unknown) =>
        logger.warn({ err: error, sourceId: source.id }, 'source schedule not applied'),
      );
  }
}
