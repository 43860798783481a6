import { AlertChannelService, AlertDelivery, ChannelSecrets } from '@nhi/alert';
// A real SMTP server on a local port, the one the alert package's email tests use.
import { startSmtpReceiver } from '@nhi/alert/testing/notification-receivers';
import { createCaller, openRequestScope, RealmDb, router } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it, vi } from 'vitest';
import { dashboardRouter } from '../api/dashboard.procedures.ts';
import type { PostureFigures, ReportChanges } from '../api/report-view.ts';
import {
  claimQueuedReport,
  type ScheduledReportPayload,
  scheduledReportKind,
} from '../sql/report-schedules.sql.ts';
import { setupDashboard } from '../testing/dashboard-test-setup.ts';
import { htmlText, mailHtml, mimePart, pdfText } from '../testing/report-test-setup.ts';
import { PostureReports } from './posture-report.ts';
import { nextRunAfter } from './report-cadence.ts';
import { reportDocumentHtml } from './report-html.ts';
import { defaultReportDeliveryOptions, noPdfNote, ReportMailer } from './report-mailer.ts';
import { ReportPdfRenderer } from './report-pdf.ts';

const minute = 60;
const appRouter = router({ dashboard: dashboardRouter });
const recipients = ['ciso@example.com', 'secops@example.com'];

describeEachDatabase('scheduled posture reports sent at least once', (_kind, newDatabase) => {
  async function setup() {
    const t = await setupDashboard(newDatabase);
    const smtp = await startSmtpReceiver();
    const hubDb = new RealmDb(t.db, t.hubRealm.id);
    // Sealed first: the key is read outside the realm's transaction.
    const sealed = await t.root.resolve(ChannelSecrets).seal('smtp-password-1');
    const email = await hubDb.transaction((tx) =>
      tx.alertChannel.create({
        data: {
          type: 'email',
          name: 'Security mail',
          settings: {
            host: '127.0.0.1',
            port: smtp.port(),
            secure: false,
            username: null,
            from: 'nhi-hub@example.com',
            toOwner: false,
            recipients: [],
          },
          encryptedSecret: sealed,
        },
        select: { id: true },
      }),
    );
    const scope = await openRequestScope(t.root, {
      context: {
        requestId: 'test',
        realm: t.hubRealm,
        principal: { kind: 'user', userId: t.ana.id, email: t.ana.email, sessionId: 'test' },
        clock: t.clock,
      },
      credential: 'session',
    });
    const api = createCaller(appRouter, t.root, scope).dashboard.report.schedules;
    /** A weekly schedule to the security team, due now. */
    const weekly = (name = 'Weekly to security') =>
      api.create.mutate({ name, cadence: 'weekly', channelId: email.id, recipients });
    const schedule = (id: string) =>
      hubDb.transaction((tx) =>
        tx.reportSchedule.findFirstOrThrow({
          where: { id },
          select: { nextRunAt: true, lastSentAt: true, lastError: true },
        }),
      );
    /** The report deliveries as the channels page lists them, newest first. */
    const reportDeliveries = async () =>
      (await scope.container.resolve(AlertChannelService).deliveries()).filter(
        (delivery) => delivery.kind === scheduledReportKind,
      );
    // Chromium only where a test reads the PDF: rendering one takes seconds on a busy machine.
    const withoutPdf = t.root.createChildContainer();
    withoutPdf.register(ReportPdfRenderer, {
      useValue: new ReportPdfRenderer({ ...t.config, NHI_CHROMIUM_PATH: '/nonexistent/chromium' }),
    });
    const runner = (options: { pdf?: boolean } = {}) =>
      (options.pdf ? t.root : withoutPdf).resolve(ReportMailer);
    /** The realm's stored reports, oldest first. */
    const storedReports = async () =>
      (
        await hubDb.transaction((tx) =>
          tx.postureReport.findMany({
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
            select: { id: true, trigger: true, figures: true, changes: true, createdAt: true },
          }),
        )
      ).map((row) => ({
        ...row,
        figures: row.figures as unknown as PostureFigures,
        changes: row.changes as unknown as ReportChanges | null,
      }));
    type StoredReport = Awaited<ReturnType<typeof storedReports>>[number];
    /** The realm's stored report at `index` (oldest first), which must exist. */
    const storedReport = async (index: number): Promise<StoredReport> => {
      const stored = (await storedReports())[index];
      if (!stored) throw new Error(`The realm has no stored report at ${index}`);
      return stored;
    };
    /** The mail body a stored report makes, with the no-PDF note when it goes without one. */
    const htmlOf = ({ id, figures, changes }: StoredReport, options: { pdf?: boolean } = {}) =>
      reportDocumentHtml({ id, figures, changes }, options.pdf ? {} : { note: noPdfNote });
    /** The report the newest queued report delivery is linked to. */
    const linkedReportId = async () =>
      (
        (
          await hubDb.transaction((tx) =>
            tx.alertNotification.findFirstOrThrow({
              where: { kind: scheduledReportKind },
              orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
              select: { payload: true },
            }),
          )
        ).payload as unknown as ScheduledReportPayload
      ).reportId;
    /** A new critical alert opened now: figures counted after this differ from those before. */
    const openAlert = (fingerprint: string) =>
      hubDb.transaction((tx) =>
        tx.alert.create({
          data: {
            fingerprint,
            ruleId: 'nhi7.credential_age',
            owaspId: 'NHI7',
            severity: 'critical',
            subject: `nhi:${fingerprint}`,
            firstSeenAt: t.clock.now(),
            lastSeenAt: t.clock.now(),
            stateChangedAt: t.clock.now(),
          },
          select: { id: true },
        }),
      );
    const openTotal = (figures: PostureFigures) =>
      Object.values(figures.openBySeverity).reduce((sum, n) => sum + n, 0);
    return {
      ...t,
      smtp,
      hubDb,
      email,
      api,
      scope,
      weekly,
      schedule,
      reportDeliveries,
      runner,
      storedReports,
      storedReport,
      htmlOf,
      linkedReportId,
      openAlert,
      openTotal,
    };
  }

  it('produces a period’s report at its first attempt and sends that one after a failure, with the figures and changes counted then', async () => {
    const t = await setup();
    const reports = t.root.resolve(PostureReports);
    const earlier = await reports.report(t.hubRealm.id, { store: 'manual' });
    t.clock.advanceSeconds(24 * 60 * minute);
    await t.weekly();
    await t.smtp.stop();

    expect(await t.runner().runDueIn(t.hubRealm.id)).toBe(0);
    const produced = await t.storedReport(1);
    expect(produced).toMatchObject({ trigger: 'schedule', createdAt: t.clock.now() });
    expect(produced.changes?.since).toBe(earlier.figures.asOf);
    expect(await t.linkedReportId()).toBe(produced.id);

    // The realm changes before the next attempt: a report counted now would say so.
    t.clock.advanceSeconds(minute);
    await t.openAlert('opened-between-attempts');
    const recounted = await reports.report(t.hubRealm.id);
    expect(t.openTotal(recounted.figures)).toBe(t.openTotal(produced.figures) + 1);
    await t.smtp.start();
    t.clock.advanceSeconds(4 * minute);
    expect(await t.runner({ pdf: true }).runDueIn(t.hubRealm.id)).toBe(1);

    const stored = await t.storedReports();
    expect(stored.map((report) => report.id)).toEqual([earlier.id, produced.id]);
    const raw = t.smtp.received[0]?.data ?? '';
    const expected = t.htmlOf(produced, { pdf: true });
    expect(mailHtml(raw)).toBe(expected);
    // The PDF is printed from that same document.
    const pdf = await pdfText(mimePart(raw, 'application/pdf') as Buffer);
    const critical = produced.figures.openBySeverity.critical;
    expect(htmlText(expected)).toMatch(new RegExp(`Critical: ${critical}\\b`));
    expect(pdf).toMatch(new RegExp(`Critical: ${critical}\\b`));
    expect(pdf).not.toMatch(new RegExp(`Critical: ${critical + 1}\\b`));
    // The next report compares with the one produced at the first attempt.
    expect((await reports.report(t.hubRealm.id)).changes).toMatchObject({
      since: produced.createdAt.toISOString(),
      newAlerts: 1,
    });
  });

  it('sends a period’s report exactly once when the mail server is down for a round and back for the next', async () => {
    const t = await setup();
    const created = await t.weekly();
    const start = t.clock.now();
    await t.smtp.stop();

    expect(await t.runner().runDueIn(t.hubRealm.id)).toBe(0);
    const failed = await t.schedule(created.id);
    expect(failed).toMatchObject({ lastSentAt: null, nextRunAt: nextRunAfter(start, 'weekly') });
    expect(failed.lastError).toMatch(/ECONNREFUSED|connect/i);
    expect(JSON.stringify(failed)).not.toContain('smtp-password-1');
    const [pending] = await t.reportDeliveries();
    expect(pending).toMatchObject({
      channelName: 'Security mail',
      state: 'pending',
      attempts: 1,
      recipient: recipients.join(', '),
      nextAttemptAt: new Date(start.getTime() + 5 * minute * 1000),
    });

    await t.smtp.start();
    // Not before its backoff ends; then once, and never again for that period.
    expect(await t.runner().runDueIn(t.hubRealm.id)).toBe(0);
    t.clock.advanceSeconds(5 * minute);
    expect(await t.runner({ pdf: true }).runDueIn(t.hubRealm.id)).toBe(1);
    t.clock.advanceSeconds(60 * minute);
    expect(await t.runner().runDueIn(t.hubRealm.id)).toBe(0);

    expect(t.smtp.received).toHaveLength(1);
    const mail = t.smtp.received[0];
    expect(mail?.to).toEqual(recipients);
    expect(mail?.data).toContain('Subject: Posture report: Hub');
    expect(mail?.data).toContain('Content-Type: text/html');
    expect(mimePart(mail?.data ?? '', 'application/pdf')).not.toBeNull();
    expect(await t.schedule(created.id)).toEqual({
      nextRunAt: nextRunAfter(start, 'weekly'),
      lastSentAt: new Date(start.getTime() + 5 * minute * 1000),
      lastError: null,
    });
    const [delivered] = await t.reportDeliveries();
    expect(delivered?.state).toBe('delivered');
    expect(delivered?.history.map((attempt) => attempt.ok)).toEqual([false, true]);
  });

  it('gives up after the last attempt: the report is dead in the delivery log, and a retry sends it once', async () => {
    const t = await setup();
    const created = await t.weekly();
    await t.smtp.stop();
    const options = { maxAttempts: 2 };

    expect(await t.runner().runDueIn(t.hubRealm.id, options)).toBe(0);
    t.clock.advanceSeconds(5 * minute);
    expect(await t.runner().runDueIn(t.hubRealm.id, options)).toBe(0);
    expect((await t.schedule(created.id)).lastError).toMatch(/^Gave up after 2 attempts: /);
    const [dead] = await t.reportDeliveries();
    expect(dead).toMatchObject({ state: 'dead', attempts: 2 });
    const produced = await t.storedReport(0);
    expect((await t.storedReports()).map((report) => report.id)).toEqual([produced.id]);
    await t.openAlert('opened-while-dead');

    await t.smtp.start();
    t.clock.advanceSeconds(60 * minute);
    expect(await t.runner().runDueIn(t.hubRealm.id, options)).toBe(0);
    expect(await t.scope.container.resolve(AlertChannelService).retry({ ids: [dead?.id ?? ''] })).toEqual({
      retried: 1,
    });
    expect(await t.runner().runDueIn(t.hubRealm.id, options)).toBe(1);
    expect(await t.runner().runDueIn(t.hubRealm.id, options)).toBe(0);
    expect(t.smtp.received.map((mail) => mail.to)).toEqual([recipients]);
    expect(await t.schedule(created.id)).toMatchObject({ lastError: null, lastSentAt: t.clock.now() });
    // The retry sent the report of the first attempt: no other was produced.
    expect((await t.storedReports()).map((report) => report.id)).toEqual([produced.id]);
    expect(mailHtml(t.smtp.received[0]?.data ?? '')).toBe(t.htmlOf(produced));
  });

  it('sends the stored report again when a runner stalls mid-send past its lease, and produces a new one when the stored one is gone', async () => {
    const t = await setup();
    await t.weekly();

    // The first runner produces the report and hangs before the mail server answers.
    t.smtp.holdNextReply();
    const stalled = t.runner().runDueIn(t.hubRealm.id);
    await vi.waitFor(() => expect(t.smtp.received).toHaveLength(1), { timeout: 30_000 });
    const produced = await t.storedReport(0);
    expect(await t.linkedReportId()).toBe(produced.id);
    t.clock.advanceSeconds(minute);
    await t.openAlert('opened-mid-send');

    t.clock.advanceSeconds(defaultReportDeliveryOptions.leaseSeconds);
    expect(await t.runner().runDueIn(t.hubRealm.id)).toBe(1);
    t.smtp.releaseReplies();
    // Its mail went out too (at least once), but its lease had ended: its outcome is not recorded.
    expect(await stalled).toBe(1);

    const expected = t.htmlOf(produced);
    expect(t.smtp.received.map((mail) => mailHtml(mail.data))).toEqual([expected, expected]);
    expect((await t.storedReports()).map((report) => report.id)).toEqual([produced.id]);
    const [delivered] = await t.reportDeliveries();
    expect(delivered?.state).toBe('delivered');
    expect(delivered?.history.map((attempt) => attempt.ok)).toEqual([true]);

    // Next period: its first attempt fails, and its report is deleted before the next one.
    t.clock.advanceSeconds(7 * 24 * 60 * minute);
    await t.smtp.stop();
    expect(await t.runner().runDueIn(t.hubRealm.id)).toBe(0);
    const failedWith = String(await t.linkedReportId());
    const deleted = await t.hubDb.transaction((tx) =>
      tx.postureReport.deleteMany({ where: { id: failedWith } }),
    );
    expect(deleted.count).toBe(1);
    await t.smtp.start();
    t.clock.advanceSeconds(5 * minute);
    expect(await t.runner().runDueIn(t.hubRealm.id)).toBe(1);

    const replacement = await t.storedReport(1);
    expect(replacement.id).not.toBe(failedWith);
    expect(await t.linkedReportId()).toBe(replacement.id);
    expect(mailHtml(t.smtp.received[2]?.data ?? '')).toBe(t.htmlOf(replacement));
  });

  it('leaves a period queued by a runner that stopped before sending to the next round, and one claimed mid-send to the round after its lease', async () => {
    const t = await setup();
    const created = await t.weekly();
    const start = t.clock.now();

    // The first runner queues the period and stops there.
    expect(await t.runner().queueDue(t.hubRealm.id)).toBe(1);
    expect(t.smtp.received).toHaveLength(0);
    expect((await t.schedule(created.id)).nextRunAt).toEqual(nextRunAfter(start, 'weekly'));
    expect(await t.runner().runDueIn(t.hubRealm.id)).toBe(1);
    expect(t.smtp.received).toHaveLength(1);

    // Next period: a runner claims the report and stops while sending.
    t.clock.advanceSeconds(7 * 24 * 60 * minute);
    expect(await t.runner().queueDue(t.hubRealm.id)).toBe(1);
    const claimed = await t.hubDb.transaction((tx) =>
      claimQueuedReport(tx, t.hubRealm.id, t.clock.now(), defaultReportDeliveryOptions.leaseSeconds),
    );
    expect(claimed?.payload).toMatchObject({ scheduleId: created.id, recipients });
    expect(await t.runner().runDueIn(t.hubRealm.id)).toBe(0);
    t.clock.advanceSeconds(defaultReportDeliveryOptions.leaseSeconds);
    expect(await t.runner().runDueIn(t.hubRealm.id)).toBe(1);
    expect(await t.runner().runDueIn(t.hubRealm.id)).toBe(0);
    expect(t.smtp.received.map((mail) => mail.to)).toEqual([recipients, recipients]);
  });

  it('sends a queued report once with two runners at once, and the alert delivery leaves it to them', async () => {
    const t = await setup();
    await t.weekly();
    const [a, b] = [t.runner(), t.runner()];

    expect(await a.queueDue(t.hubRealm.id)).toBe(1);
    expect(await t.root.resolve(AlertDelivery).deliverDue(t.hubRealm.id)).toEqual({
      delivered: 0,
      failed: 0,
      dead: 0,
    });
    const sent = await Promise.all([a.sendQueued(t.hubRealm.id), b.sendQueued(t.hubRealm.id)]);

    expect(sent.reduce((sum, n) => sum + n, 0)).toBe(1);
    expect(t.smtp.received.map((mail) => mail.to)).toEqual([recipients]);
    expect((await t.reportDeliveries()).map((delivery) => delivery.state)).toEqual(['delivered']);
  });

  it('drops a queued report whose schedule was disabled or deleted before it went out', async () => {
    const t = await setup();
    const paused = await t.weekly('Paused');
    const removed = await t.weekly('Removed');
    expect(await t.runner().queueDue(t.hubRealm.id)).toBe(2);

    await t.api.update.mutate({ id: paused.id, enabled: false });
    await t.api.delete.mutate({ id: removed.id });
    expect(await t.runner().runDueIn(t.hubRealm.id)).toBe(0);
    await t.api.update.mutate({ id: paused.id, enabled: true });
    expect(await t.runner().runDueIn(t.hubRealm.id)).toBe(0);

    expect(t.smtp.received).toHaveLength(0);
    expect(await t.reportDeliveries()).toEqual([]);
    expect(await t.schedule(paused.id)).toMatchObject({ lastSentAt: null, lastError: null });
  });
});
