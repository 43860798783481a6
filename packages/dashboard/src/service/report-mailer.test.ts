import { ChannelSecrets } from '@nhi/alert';
// A real SMTP server on a local port, the one the alert package's email tests use.
import { startSmtpReceiver } from '@nhi/alert/testing/notification-receivers';
import { createCaller, openRequestScope, RealmDb, type RealmSummary, router } from '@nhi/platform';
import { describeEachDatabase } from '@nhi/platform/testing';
import { describe, expect, it } from 'vitest';
import { dashboardRouter } from '../api/dashboard.procedures.ts';
import { setupDashboard } from '../testing/dashboard-test-setup.ts';
import { mimePart, pdfText } from '../testing/report-test-setup.ts';
import { nextRunAfter } from './report-cadence.ts';
import { noPdfNote, ReportMailer } from './report-mailer.ts';
import { ReportPdfRenderer } from './report-pdf.ts';

const daySeconds = 86_400;
const appRouter = router({ dashboard: dashboardRouter });

/** A procedure's refusal as a caller sees it: the code in its data, and what the message says. */
const refusal = (code: string, message?: string) =>
  expect.objectContaining({
    data: expect.objectContaining({ code }),
    ...(message ? { message: expect.stringContaining(message) } : {}),
  });

describeEachDatabase('scheduled posture reports', (_kind, newDatabase) => {
  async function setup() {
    const t = await setupDashboard(newDatabase);
    const smtp = await startSmtpReceiver();
    const hubDb = new RealmDb(t.db, t.hubRealm.id);
    const channel = async (
      realm: RealmSummary,
      type: 'email' | 'webhook',
      name: string,
      options: { username?: string } = {},
    ) => {
      // Sealed first: the key is read outside the realm's transaction.
      const sealed = await t.root.resolve(ChannelSecrets).seal('smtp-password-1');
      return new RealmDb(t.db, realm.id).transaction(async (tx) =>
        tx.alertChannel.create({
          data:
            type === 'email'
              ? {
                  type,
                  name,
                  settings: {
                    host: '127.0.0.1',
                    port: smtp.port(),
                    secure: false,
                    username: options.username ?? null,
                    from: 'nhi-hub@example.com',
                    toOwner: false,
                    recipients: [],
                  },
                  encryptedSecret: sealed,
                }
              : { type, name, settings: { url: 'http://127.0.0.1:9/hook' } },
          select: { id: true },
        }),
      );
    };
    const email = await channel(t.hubRealm, 'email', 'Security mail');
    const callerOf = async (user: { id: string; email: string } = t.ana, realm = t.hubRealm) => {
      const scope = await openRequestScope(t.root, {
        context: {
          requestId: 'test',
          realm,
          principal: { kind: 'user', userId: user.id, email: user.email, sessionId: 'test' },
          clock: t.clock,
        },
        credential: 'session',
      });
      return createCaller(appRouter, t.root, scope).dashboard.report.schedules;
    };
    const schedule = async (id: string) =>
      hubDb.transaction((tx) =>
        tx.reportSchedule.findFirstOrThrow({
          where: { id },
          select: { nextRunAt: true, lastSentAt: true, lastError: true },
        }),
      );
    return { ...t, smtp, hubDb, channel, email, callerOf, schedule };
  }

  it('sends a due schedule’s report exactly once, even with two runners at once, with the PDF attached, and moves its next run', async () => {
    const t = await setup();
    const api = await t.callerOf();
    const created = await api.create.mutate({
      name: 'Weekly to security',
      cadence: 'weekly',
      channelId: t.email.id,
      recipients: ['ciso@example.com', 'secops@example.com'],
    });
    const start = t.clock.now();
    expect(created.nextRunAt).toEqual(start);

    const [a, b] = [t.root.resolve(ReportMailer), t.root.resolve(ReportMailer)];
    const sent = await Promise.all([a.runDueIn(t.hubRealm.id), b.runDueIn(t.hubRealm.id)]);

    expect(sent.reduce((sum, n) => sum + n, 0)).toBe(1);
    expect(t.smtp.received).toHaveLength(1);
    const mail = t.smtp.received[0];
    expect(mail?.to).toEqual(['ciso@example.com', 'secops@example.com']);
    expect(mail?.data).toContain('Subject: Posture report: Hub');
    expect(mail?.data).toContain('Content-Type: text/html');
    const pdf = mimePart(mail?.data ?? '', 'application/pdf');
    expect(pdf).not.toBeNull();
    const stored = await t.hubDb.transaction((tx) =>
      tx.postureReport.findMany({ select: { trigger: true, figures: true } }),
    );
    expect(stored.map((report) => report.trigger)).toEqual(['schedule']);
    const figures = stored[0]?.figures as { headline: { nhiTotal: number } };
    expect(await pdfText(pdf as Buffer)).toContain(`NHIs ${figures.headline.nhiTotal}`);
    expect(await t.schedule(created.id)).toEqual({
      nextRunAt: new Date(start.getTime() + 7 * daySeconds * 1000),
      lastSentAt: start,
      lastError: null,
    });

    // Not due again until its next run.
    t.clock.advanceSeconds(6 * daySeconds);
    expect(await a.runDueIn(t.hubRealm.id)).toBe(0);
    t.clock.advanceSeconds(daySeconds);
    expect(await a.runDueIn(t.hubRealm.id)).toBe(1);
    expect(t.smtp.received).toHaveLength(2);
    expect((await t.schedule(created.id)).nextRunAt).toEqual(
      new Date(start.getTime() + 14 * daySeconds * 1000),
    );
  });

  it('records a failed send on the schedule and sends that period’s report once the backoff ends', async () => {
    const t = await setup();
    const created = await (await t.callerOf()).create.mutate({
      name: 'Monthly',
      cadence: 'monthly',
      channelId: t.email.id,
      recipients: ['ciso@example.com'],
    });
    const start = t.clock.now();
    await t.smtp.stop();

    expect(await t.root.resolve(ReportMailer).runDueIn(t.hubRealm.id)).toBe(0);
    const failed = await t.schedule(created.id);
    expect(failed.lastError).toMatch(/ECONNREFUSED|connect/i);
    expect(failed.lastSentAt).toBeNull();
    expect(failed.nextRunAt).toEqual(nextRunAfter(start, 'monthly'));
    expect(JSON.stringify(failed)).not.toContain('smtp-password-1');

    await t.smtp.start();
    t.clock.advanceSeconds(300);
    expect(await t.root.resolve(ReportMailer).runDueIn(t.hubRealm.id)).toBe(1);
    expect(await t.schedule(created.id)).toMatchObject({ lastError: null, lastSentAt: t.clock.now() });
  });

  it('sends the report as HTML with a note when no Chromium can render the PDF', async () => {
    const t = await setup();
    await (await t.callerOf()).create.mutate({
      name: 'Weekly',
      cadence: 'weekly',
      channelId: t.email.id,
      recipients: ['ciso@example.com'],
    });
    const child = t.root.createChildContainer();
    child.register(ReportPdfRenderer, {
      useValue: new ReportPdfRenderer({ ...t.config, NHI_CHROMIUM_PATH: '/nonexistent/chromium' }),
    });

    expect(await child.resolve(ReportMailer).runDueIn(t.hubRealm.id)).toBe(1);
    const raw = t.smtp.received[0]?.data ?? '';
    expect(mimePart(raw, 'application/pdf')).toBeNull();
    // Quoted-printable folds long lines: the note is read back unfolded.
    const unfolded = raw.replace(/=\r\n/g, '');
    expect(unfolded).toContain('The PDF copy is missing');
    expect(noPdfNote).toContain('NHI_CHROMIUM_PATH');
  });

  it('refuses a channel that is not an email channel, and one of another realm', async () => {
    const t = await setup();
    const webhook = await t.channel(t.hubRealm, 'webhook', 'Hook');
    const elsewhere = await t.channel(t.otherRealm, 'email', 'Other mail');
    const api = await t.callerOf();
    const input = { name: 'R', cadence: 'weekly' as const, recipients: ['a@example.com'] };

    await expect(api.create.mutate({ ...input, channelId: webhook.id })).rejects.toMatchObject(
      refusal('BAD_REQUEST', 'email channel'),
    );
    await expect(api.create.mutate({ ...input, channelId: elsewhere.id })).rejects.toMatchObject(
      refusal('NOT_FOUND'),
    );
    const created = await api.create.mutate({ ...input, channelId: t.email.id });
    await expect(api.update.mutate({ id: created.id, channelId: webhook.id })).rejects.toMatchObject(
      refusal('BAD_REQUEST'),
    );
    expect((await api.list.query()).schedules.map((s) => s.channelName)).toEqual(['Security mail']);
  });

  it('checks recipients and names, and answers NOT_FOUND for an unknown schedule', async () => {
    const t = await setup();
    const api = await t.callerOf();
    const input = { name: 'R', cadence: 'weekly' as const, channelId: t.email.id };

    await expect(api.create.mutate({ ...input, recipients: ['not an address'] })).rejects.toMatchObject(
      refusal('BAD_REQUEST'),
    );
    await expect(api.create.mutate({ ...input, recipients: [] })).rejects.toMatchObject(
      refusal('BAD_REQUEST'),
    );
    const many = Array.from({ length: 51 }, (_, n) => `r${n}@example.com`);
    await expect(api.create.mutate({ ...input, recipients: many })).rejects.toMatchObject(
      refusal('BAD_REQUEST'),
    );
    const created = await api.create.mutate({ ...input, recipients: many.slice(0, 50) });
    expect(created.recipients).toHaveLength(50);
    await expect(api.create.mutate({ ...input, recipients: ['a@example.com'] })).rejects.toMatchObject(
      refusal('CONFLICT'),
    );
    const unknown = '00000000-0000-4000-8000-000000000000';
    await expect(api.update.mutate({ id: unknown, enabled: false })).rejects.toMatchObject(
      refusal('NOT_FOUND'),
    );
    await expect(api.delete.mutate({ id: unknown })).rejects.toMatchObject(refusal('NOT_FOUND'));
    await api.delete.mutate({ id: created.id });
    expect((await api.list.query()).schedules).toEqual([]);
    const audit = await t.hubDb.transaction((tx) =>
      tx.auditLog.findMany({
        where: { entityType: 'ReportSchedule' },
        select: { action: true, entityId: true },
        orderBy: { createdAt: 'asc' },
      }),
    );
    expect(audit).toEqual([
      { action: 'report.schedule.create', entityId: created.id },
      { action: 'report.schedule.delete', entityId: created.id },
    ]);
  });

  it('lets only administrators manage schedules; a disabled schedule sends nothing', async () => {
    const t = await setup();
    const viewer = await t.callerOf(t.vic);
    await expect(viewer.list.query()).rejects.toMatchObject(refusal('FORBIDDEN'));
    await expect(
      viewer.create.mutate({
        name: 'R',
        cadence: 'weekly',
        channelId: t.email.id,
        recipients: ['a@example.com'],
      }),
    ).rejects.toMatchObject(refusal('FORBIDDEN'));

    const api = await t.callerOf();
    const created = await api.create.mutate({
      name: 'Paused',
      cadence: 'weekly',
      channelId: t.email.id,
      recipients: ['a@example.com'],
      enabled: false,
    });
    const listed = await api.list.query();
    expect(listed.emailChannels).toEqual([{ id: t.email.id, name: 'Security mail' }]);
    expect(JSON.stringify(listed)).not.toContain('smtp-password-1');
    expect(await t.root.resolve(ReportMailer).runDueIn(t.hubRealm.id)).toBe(0);
    await api.update.mutate({ id: created.id, enabled: true });
    expect(await t.root.resolve(ReportMailer).runDueIn(t.hubRealm.id)).toBe(1);
  });
});

describe('the next run of a schedule', () => {
  it('is a week later, or the same day of the next month (its last day when shorter)', () => {
    const at = (iso: string) => new Date(iso);
    expect(nextRunAfter(at('2026-03-02T09:00:00Z'), 'weekly')).toEqual(at('2026-03-09T09:00:00Z'));
    expect(nextRunAfter(at('2026-03-02T09:00:00Z'), 'monthly')).toEqual(at('2026-04-02T09:00:00Z'));
    expect(nextRunAfter(at('2026-01-31T09:00:00Z'), 'monthly')).toEqual(at('2026-02-28T09:00:00Z'));
    expect(nextRunAfter(at('2026-12-15T09:00:00Z'), 'monthly')).toEqual(at('2027-01-15T09:00:00Z'));
  });
});
