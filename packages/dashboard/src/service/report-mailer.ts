import { ChannelSecrets, emailTransportOf } from '@nhi/alert';
import {
  CLOCK,
  type Clock,
  LOGGER,
  type Logger,
  PLATFORM_DATABASE,
  type PlatformDatabase,
  RealmDb,
} from '@nhi/platform';
import { inject, injectable } from 'tsyringe';
import type { PostureReport } from '../api/report-view.ts';
import {
  type ClaimedReport,
  claimQueuedReport,
  type DueSchedule,
  dropClaimedReport,
  linkClaimedReport,
  lockDueSchedules,
  type ReportOutcome,
  recordReportOutcome,
  type ScheduledReportPayload,
  scheduledReportKind,
} from '../sql/report-schedules.sql.ts';
import { PostureReports } from './posture-report.ts';
import { nextRunAfter } from './report-cadence.ts';
import { reportDocumentHtml } from './report-html.ts';
import { ReportPdfRenderer } from './report-pdf.ts';

export interface ReportDeliveryOptions {
  /** Schedules queued, and reports sent, per realm and round; the rest wait for the next round. */
  batchSize: number;
  /** Attempts before a period's report is dead (listed with the channels' deliveries, with a retry). */
  maxAttempts: number;
  /** The wait after the first failure; it doubles with each further one (rounds run every five minutes). */
  baseDelaySeconds: number;
  /** How long a claimed report is reserved: a runner that crashed mid-send leaves it to the next after this. */
  leaseSeconds: number;
}

export const defaultReportDeliveryOptions: ReportDeliveryOptions = {
  batchSize: 20,
  maxAttempts: 5,
  baseDelaySeconds: 300,
  leaseSeconds: 600,
};

export const noPdfNote =
  'The PDF copy is missing: the hub has no Chromium to render it (see NHI_CHROMIUM_PATH). The report is in this mail.';

/** The next run strictly after now, from the planned time (a hub that was down skips missed periods). */
function nextRunOf(schedule: DueSchedule, now: Date): Date {
  let next = nextRunAfter(schedule.nextRunAt, schedule.cadence);
  while (next.getTime() <= now.getTime()) next = nextRunAfter(next, schedule.cadence);
  return next;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/** Sent; or due again after baseDelay * 2^(n-1); or dead after maxAttempts. */
function outcomeOf(
  claimed: ClaimedReport,
  error: string | null,
  now: Date,
  options: ReportDeliveryOptions,
): ReportOutcome {
  const attempts = claimed.attempts + 1;
  if (error === null) return { state: 'delivered', attempts, next: null, error: null };
  if (attempts >= options.maxAttempts) return { state: 'dead', attempts, next: null, error };
  const delayMs = options.baseDelaySeconds * 1000 * 2 ** (attempts - 1);
  return { state: 'pending', attempts, next: new Date(now.getTime() + delayMs), error };
}

/**
 * Sends the posture reports whose schedule is due, at least once per period. Queueing: due schedules
 * are locked, moved to their next run, and each period's report is written to the delivery outbox
 * (`AlertNotification`, kind `report.scheduled`), all in one short transaction. Sending: a queued
 * report is claimed with a lease, produced (once: later attempts send the stored report again),
 * mailed and its outcome recorded; a failure is kept as the schedule's last error and retried with
 * backoff until it is dead. A crash after queueing leaves the report due for the next round; one
 * mid-send, claimed until its lease ends. A report whose schedule was deleted or disabled before it
 * went out is dropped.
 */
@injectable()
export class ReportMailer {
  constructor(
    @inject(PLATFORM_DATABASE) private readonly database: PlatformDatabase,
    @inject(CLOCK) private readonly clock: Clock,
    @inject(PostureReports) private readonly reports: PostureReports,
    @inject(ReportPdfRenderer) private readonly pdf: ReportPdfRenderer,
    @inject(ChannelSecrets) private readonly secrets: ChannelSecrets,
    @inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** One round over the realm: queues the due periods, then sends what is queued and due. How many went out. */
  async runDueIn(realmId: string, overrides: Partial<ReportDeliveryOptions> = {}): Promise<number> {
    const options = { ...defaultReportDeliveryOptions, ...overrides };
    await this.queueDue(realmId, options);
    return this.sendQueued(realmId, options);
  }

  /** Queues the report of each due schedule's period and moves the schedule on: how many were queued. */
  async queueDue(realmId: string, overrides: Partial<ReportDeliveryOptions> = {}): Promise<number> {
    const { batchSize } = { ...defaultReportDeliveryOptions, ...overrides };
    const now = this.clock.now();
    return new RealmDb(this.database, realmId).transaction(async (tx) => {
      const due = await lockDueSchedules(tx, realmId, now, batchSize);
      for (const schedule of due) {
        await tx.reportSchedule.updateMany({
          where: { id: schedule.id },
          data: { nextRunAt: nextRunOf(schedule, now) },
        });
        const payload: ScheduledReportPayload = {
          scheduleId: schedule.id,
          scheduleName: schedule.name,
          period: schedule.nextRunAt.toISOString(),
          recipients: schedule.recipients,
        };
        await tx.alertNotification.create({
          data: {
            channelId: schedule.channelId,
            kind: scheduledReportKind,
            payload: payload as object,
            recipient: schedule.recipients.join(', '),
            nextAttemptAt: now,
            createdAt: now,
          },
          select: { id: true },
        });
      }
      return due.length;
    });
  }

  /** Sends the realm's queued reports that are due, one claim at a time: how many went out. */
  async sendQueued(realmId: string, overrides: Partial<ReportDeliveryOptions> = {}): Promise<number> {
    const options = { ...defaultReportDeliveryOptions, ...overrides };
    const db = new RealmDb(this.database, realmId);
    let sent = 0;
    for (let round = 0; round < options.batchSize; round += 1) {
      const claimed = await db.transaction((tx) =>
        claimQueuedReport(tx, realmId, this.clock.now(), options.leaseSeconds),
      );
      if (!claimed) break;
      if (await this.sendClaimed(db, claimed, options)) sent += 1;
    }
    return sent;
  }

  /** Sends one claimed report and records how it went: whether it went out. */
  private async sendClaimed(
    db: RealmDb,
    claimed: ClaimedReport,
    options: ReportDeliveryOptions,
  ): Promise<boolean> {
    const { scheduleId } = claimed.payload;
    const schedule = await db.transaction((tx) =>
      tx.reportSchedule.findFirst({ where: { id: scheduleId }, select: { enabled: true } }),
    );
    if (!schedule?.enabled) {
      await db.transaction((tx) => dropClaimedReport(tx, db.realmId, claimed));
      this.logger.info(
        { event: 'report_schedule_dropped', realmId: db.realmId, scheduleId },
        'a queued posture report was dropped: its schedule was deleted or disabled',
      );
      return false;
    }
    const started = Date.now();
    const error = await this.send(db, claimed).then(
      () => null,
      (failure: unknown) => describe(failure),
    );
    const now = this.clock.now();
    const outcome = outcomeOf(claimed, error, now, options);
    if (error !== null)
      this.logger.warn(
        { event: 'report_schedule_failed', realmId: db.realmId, scheduleId, error, state: outcome.state },
        'a scheduled posture report could not be sent',
      );
    await db.transaction(async (tx) => {
      if (!(await recordReportOutcome(tx, db.realmId, claimed, outcome, now))) return;
      await tx.alertDeliveryAttempt.create({
        data: {
          notificationId: claimed.id,
          attempt: outcome.attempts,
          ok: error === null,
          error,
          durationMs: Date.now() - started,
          createdAt: now,
        },
        select: { id: true },
      });
      await tx.reportSchedule.updateMany({
        where: { id: scheduleId },
        data:
          error === null
            ? { lastSentAt: now, lastError: null }
            : {
                lastError:
                  outcome.state === 'dead' ? `Gave up after ${outcome.attempts} attempts: ${error}` : error,
              },
      });
    });
    return error === null;
  }

  private async send(db: RealmDb, claimed: ClaimedReport): Promise<void> {
    const channel = await db.transaction((tx) =>
      tx.alertChannel.findFirst({
        where: { id: claimed.channelId },
        select: { type: true, settings: true, encryptedSecret: true },
      }),
    );
    if (!channel) throw new Error('The schedule’s channel no longer exists');
    if (channel.type !== 'email') throw new Error('The schedule’s channel is not an email channel');
    const report = await this.reportOf(db, claimed);
    const attachment = await this.pdfOf(report);
    const html = reportDocumentHtml(report, attachment ? {} : { note: noPdfNote });
    const password = channel.encryptedSecret ? await this.secrets.open(channel.encryptedSecret) : '';
    await this.mail(channel.settings as Record<string, unknown>, password, claimed.payload.recipients, {
      subject: `Posture report: ${report.figures.realm.name} (${report.figures.asOf.slice(0, 10)})`,
      html,
      text: textOf(report, attachment !== null),
      attachments: attachment
        ? [
            {
              filename: `posture-report-${report.figures.realm.slug}-${report.figures.asOf.slice(0, 10)}.pdf`,
              content: attachment,
              contentType: 'application/pdf',
            },
          ]
        : [],
    });
  }

  /**
   * The period's report. Its first attempt produces it and links it to the queued delivery in the
   * same transaction; later attempts send that one again, so a retry says what the first attempt
   * would have said and the report history keeps one report per period. One whose report is gone
   * gets a new one.
   */
  private async reportOf(db: RealmDb, claimed: ClaimedReport): Promise<PostureReport> {
    const { reportId } = claimed.payload;
    const linked = reportId ? await this.reports.stored(db.realmId, reportId) : null;
    if (linked) return linked;
    return this.reports.report(db.realmId, {
      store: 'schedule',
      onStored: (tx, id) => linkClaimedReport(tx, db.realmId, claimed, id),
    });
  }

  /** The PDF, or null when no browser can render it (the mail says so). */
  private async pdfOf(report: PostureReport): Promise<Buffer | null> {
    if (!this.pdf.available()) return null;
    return this.pdf.render(reportDocumentHtml(report));
  }

  private async mail(
    settings: Record<string, unknown>,
    password: string,
    to: string[],
    message: {
      subject: string;
      html: string;
      text: string;
      attachments: { filename: string; content: Buffer; contentType: string }[];
    },
  ): Promise<void> {
    const transport = await emailTransportOf(settings, password);
    try {
      const info = await transport.sendMail({ from: String(settings.from), to, ...message });
      if (info.rejected.length > 0) throw new Error(`Rejected: ${info.rejected.join(', ')}`);
    } finally {
      transport.close();
    }
  }
}

/** The plain-text part: the headline, for mail readers that show no HTML. */
function textOf(report: PostureReport, withPdf: boolean): string {
  const h = report.figures.headline;
  const open = h.openAlerts.critical + h.openAlerts.high + h.openAlerts.medium + h.openAlerts.low;
  return [
    `Posture report of ${report.figures.realm.name}, as of ${report.figures.asOf.slice(0, 16).replace('T', ' ')} UTC.`,
    `NHIs: ${h.nhiTotal}. Open alerts: ${open} (critical ${h.openAlerts.critical}, high ${h.openAlerts.high}). Risk score: ${h.riskScore}.`,
    withPdf ? 'The full report is attached as a PDF.' : noPdfNote,
  ].join('\n');
}
