import { NotFoundError, ValidationError } from '@nhi/platform';
import { describeEachDatabase, type NewTestDatabase } from '@nhi/platform/testing';
import { describe, expect, it } from 'vitest';
import { setupAlerts } from '../testing/alert-test-setup.ts';
import { startSmtpReceiver } from '../testing/notification-receivers.ts';
import { AlertCollaboration, mentionedEmails } from './alert-collaboration.ts';

const publicUrl = 'https://hub.example.test';

async function setupWorld(newDatabase: NewTestDatabase, env: Record<string, string> = {}) {
  const w = await setupAlerts(newDatabase, env);
  await w.machine({ ownerUserId: null });
  await w.evaluate();
  const [alert] = await w.alerts();
  if (!alert) throw new Error('setup expects the unowned alert');
  const as = async (user: { id: string; email: string }, realm = w.hubRealm) =>
    (await w.scopeOf(user, realm)).resolve(AlertCollaboration);
  return { ...w, alert, as, eveWorks: await as(w.eve), service: await w.serviceOf(w.eve) };
}

describeEachDatabase('Alert assignee and due date', (_kind, newDatabase) => {
  it('assigns an alert to a member with a due date, in its history with who did it, and in the list', async () => {
    const t = await setupWorld(newDatabase);
    const due = t.daysAhead(7);

    const assigned = await t.eveWorks.assign({ id: t.alert.id, assigneeId: t.vic.id, dueAt: due });

    const detail = await t.service.get(t.alert.id);
    const [item] = (await t.service.list({})).items;
    expect(assigned).toEqual({ assigneeId: t.vic.id, assignee: 'vic@example.com', dueAt: due });
    expect(detail).toMatchObject({
      assigneeId: t.vic.id,
      assignee: 'vic@example.com',
      dueAt: due,
      state: 'open',
    });
    expect(detail.history.at(-1)).toMatchObject({
      kind: 'assignment',
      fromState: 'open',
      toState: 'open',
      reason: `Assigned to vic@example.com, due ${due.toISOString().slice(0, 10)}`,
      actorType: 'user',
      actorId: t.eve.id,
    });
    expect(item).toMatchObject({ id: t.alert.id, assignee: 'vic@example.com', dueAt: due });
  });

  it('clears the assignee and its due date, and records nothing when nothing changes', async () => {
    const t = await setupWorld(newDatabase);
    await t.eveWorks.assign({ id: t.alert.id, assigneeId: t.vic.id, dueAt: t.daysAhead(3) });
    await t.eveWorks.assign({ id: t.alert.id, assigneeId: t.vic.id, dueAt: null });

    await t.eveWorks.assign({ id: t.alert.id, assigneeId: null });
    await t.eveWorks.assign({ id: t.alert.id, assigneeId: null });

    const detail = await t.service.get(t.alert.id);
    expect(detail).toMatchObject({ assigneeId: null, assignee: null, dueAt: null });
    expect(detail.history.filter((e) => e.kind === 'assignment').map((e) => e.reason)).toEqual([
      `Assigned to vic@example.com, due ${t.daysAhead(3).toISOString().slice(0, 10)}`,
      'no due date',
      'Unassigned',
    ]);
  });

  it('refuses someone who is not a member of the realm, and a due date without an assignee', async () => {
    const t = await setupWorld(newDatabase);

    const assign = (assigneeId: string | null, dueAt: Date | null = null) =>
      t.eveWorks.assign({ id: t.alert.id, assigneeId, dueAt });

    await expect(assign(t.oli.id)).rejects.toThrow(NotFoundError);
    await expect(assign(t.oli.id)).rejects.toThrow(`Realm member ${t.oli.id} was not found`);
    await expect(assign('3f1c2a9e-0000-4000-8000-000000000000')).rejects.toThrow(NotFoundError);
    await expect(assign(null, t.daysAhead(1))).rejects.toThrow(ValidationError);
    expect(await t.service.get(t.alert.id)).toMatchObject({ assigneeId: null, dueAt: null });
  });

  it('answers NOT_FOUND for an alert of another realm, and leaves it as it was', async () => {
    const t = await setupWorld(newDatabase);
    const oliWorks = await t.as(t.oli, t.otherRealm);

    await expect(oliWorks.assign({ id: t.alert.id, assigneeId: t.oli.id })).rejects.toThrow(NotFoundError);
    await expect(oliWorks.addComment({ id: t.alert.id, body: 'mine now' })).rejects.toThrow(NotFoundError);
    await expect(oliWorks.comments(t.alert.id)).rejects.toThrow(NotFoundError);

    expect(await t.eveWorks.comments(t.alert.id)).toEqual([]);
    expect(await t.service.get(t.alert.id)).toMatchObject({ assigneeId: null });
    expect((await oliWorks.members()).map((m) => m.email)).toEqual(['oli@example.com']);
  });

  it('offers the realm’s members as assignees, by email', async () => {
    const t = await setupWorld(newDatabase);

    expect((await t.eveWorks.members()).map((m) => m.email)).toEqual([
      'ana@example.com',
      'eve@example.com',
      'vic@example.com',
    ]);
  });
});

describeEachDatabase('Alert comments', (_kind, newDatabase) => {
  it('lists comments oldest first with their authors and the members they mention', async () => {
    const t = await setupWorld(newDatabase);
    const anaWorks = await t.as(t.ana);

    await t.eveWorks.addComment({ id: t.alert.id, body: 'Looking for the team that runs it' });
    t.clock.advanceSeconds(60);
    await anaWorks.addComment({ id: t.alert.id, body: '@vic@example.com knows: <b>ask</b> them' });

    const comments = await t.eveWorks.comments(t.alert.id);
    expect(comments.map((c) => [c.author, c.body, c.mentions])).toEqual([
      ['eve@example.com', 'Looking for the team that runs it', []],
      ['ana@example.com', '@vic@example.com knows: <b>ask</b> them', ['vic@example.com']],
    ]);
    expect(comments[1]?.createdAt.getTime()).toBe((comments[0]?.createdAt.getTime() ?? 0) + 60_000);
  });

  it('records mentions without a mail server, and the comment succeeds', async () => {
    const t = await setupWorld(newDatabase);

    const added = await t.eveWorks.addComment({ id: t.alert.id, body: 'Over to you @vic@example.com.' });

    expect(added).toMatchObject({ mentions: ['vic@example.com'], mailed: 0, author: 'eve@example.com' });
    expect((await t.eveWorks.comments(t.alert.id))[0]?.mentions).toEqual(['vic@example.com']);
  });
});

describeEachDatabase('Mentions by mail', (_kind, newDatabase) => {
  async function setup() {
    const smtp = await startSmtpReceiver();
    const t = await setupWorld(newDatabase, {
      NHI_SMTP_URL: `smtp://127.0.0.1:${smtp.port()}`,
      NHI_SMTP_FROM: 'hub@example.test',
      NHI_PUBLIC_URL: `${publicUrl}/`,
    });
    return { ...t, smtp };
  }

  it('mails a mentioned member once, with a link to the alert and without the comment', async () => {
    const t = await setup();

    const added = await t.eveWorks.addComment({
      id: t.alert.id,
      body: '@vic@example.com and again @VIC@example.com: the key AKIA-shown-here leaked',
    });

    expect(added).toMatchObject({ mentions: ['vic@example.com'], mailed: 1 });
    expect(t.smtp.received.map((mail) => [mail.from, mail.to])).toEqual([
      ['hub@example.test', ['vic@example.com']],
    ]);
    const mail = t.smtp.received[0]?.data.replace(/=\r?\n/g, '') ?? '';
    expect(mail).toContain('Subject: eve@example.com mentioned you on an NHI Hub alert');
    expect(mail).toContain(`Open the alert: ${publicUrl}/r/hub/alerts/${t.alert.id}`);
    expect(mail).not.toContain('AKIA');
  });

  it('sends nothing for a mention of someone outside the realm, nor to the author', async () => {
    const t = await setup();

    const added = await t.eveWorks.addComment({
      id: t.alert.id,
      body: 'Asking @oli@example.com and @nobody@example.com; noting it for @eve@example.com',
    });

    expect(added).toMatchObject({ mentions: ['eve@example.com'], mailed: 0 });
    expect(t.smtp.received).toEqual([]);
  });
});

describe('mentionedEmails', () => {
  it('finds each `@address` once, normalised, and not a bare address', () => {
    expect(
      mentionedEmails('cc @Vic@Example.com, @vic@example.com. mail ana@example.com (@eve@example.com)'),
    ).toEqual(['vic@example.com', 'eve@example.com']);
  });
});
