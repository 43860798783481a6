import { AlertChannelService, AlertDelivery, ChannelSecrets } from '@nhi/alert';
// A real SMTP server on a local port, the one the alert package's email tests use.
import { startSmtpReceiver } from '@nhi/alert/testing/notification-receivers';
import { createCaller, openRequestScope, RealmDb, router } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { expect, it } from 'vitest';
import { dashboardRouter } from '../api/dashboard.procedures.ts';
import { claimQueuedReport, scheduledReportKind } from '../sql/report-schedules.sql.ts';
import { setupDashboard } from '../testing/dashboard-test-setup.ts';
import { mimePart } from '../testing/report-test-setup.ts';
import { nextRunAfter } from './report-cadence.ts';
import { defaultReportDeliveryOptions, ReportMailer } from './report-mailer.ts';
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
    return { ...t, smtp, hubDb, email, api, scope, weekly, schedule, reportDeliveries, runner };
  }

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
