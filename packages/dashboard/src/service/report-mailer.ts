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
import { type DueSchedule, lockDueSchedules } from '../sql/report-schedules.sql.ts';
import { PostureReports } from './posture-report.ts';
import { nextRunAfter } from './report-cadence.ts';
import { reportDocumentHtml } from './report-html.ts';
import { ReportPdfRenderer } from './report-pdf.ts';

/** Schedules taken per realm and round; the rest wait for the next round a few minutes on. */
const batchSize = 20;

export const noPdfNote =
  'The PDF copy is missing: the hub has no Chromium to render it (see NHI_CHROMIUM_PATH). The report is in this mail.';

/** The next run strictly after now, from the planned time (a hub that was down skips missed periods). */
function nextRunOf(schedule: DueSchedule, now: Date): Date {
  let next = nextRunAfter(schedule.nextRunAt, schedule.cadence);
  while (next.getTime() <= now.getTime()) next = nextRunAfter(next, schedule.cadence);
  return next;
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

/**
 * Sends the posture reports whose schedule is due: each is claimed (locked and moved to its next
 * run in one short transaction), then produced, mailed through its email channel and its outcome
 * recorded on the schedule. A failure is recorded as the schedule's last error; the next period
 * tries again.
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

  /** Sends the realm's due reports: how many went out. */
  async runDueIn(realmId: string): Promise<number> {
    const now = this.clock.now();
    const db = new RealmDb(this.database, realmId);
    const claimed = await db.transaction(async (tx) => {
      const due = await lockDueSchedules(tx, realmId, now, batchSize);
      for (const schedule of due)
        await tx.reportSchedule.updateMany({
          where: { id: schedule.id },
          data: { nextRunAt: nextRunOf(schedule, now) },
        });
      return due;
    });
    let sent = 0;
    for (const schedule of claimed) {
      const error = await this.send(realmId, schedule).then(
        () => null,
        (failure: unknown) => describe(failure),
      );
      if (error === null) sent += 1;
      else
        this.logger.warn(
          { event: 'report_schedule_failed', realmId, scheduleId: schedule.id, error },
          'a scheduled posture report could not be sent',
        );
      await db.transaction((tx) =>
        tx.reportSchedule.updateMany({
          where: { id: schedule.id },
          data: error === null ? { lastSentAt: now, lastError: null } : { lastError: error },
        }),
      );
    }
    return sent;
  }

  private async send(realmId: string, schedule: DueSchedule): Promise<void> {
    const db = new RealmDb(this.database, realmId);
    const channel = await db.transaction((tx) =>
      tx.alertChannel.findFirst({
        where: { id: schedule.channelId },
        select: { type: true, settings: true, encryptedSecret: true },
      }),
    );
    if (!channel) throw new Error('The schedule’s channel no longer exists');
    if (channel.type !== 'email') throw new Error('The schedule’s channel is not an email channel');
    const report = await this.reports.report(realmId, { store: 'schedule' });
    const attachment = await this.pdfOf(report);
    const html = reportDocumentHtml(report, attachment ? {} : { note: noPdfNote });
    const password = channel.encryptedSecret ? await this.secrets.open(channel.encryptedSecret) : '';
    await this.mail(channel.settings as Record<string, unknown>, password, schedule.recipients, {
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
