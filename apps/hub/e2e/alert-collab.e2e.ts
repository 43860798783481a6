import type { AddressInfo } from 'node:net';
import { RealmAdminService, type RealmRef } from '@nhi/platform';
import { SMTPServer } from 'smtp-server';
import { describe, expect, it, onTestFinished } from 'vitest';
import { collectCspViolations } from './support/browser.ts';
import { seededDataDir, seedingScope, seedUnownedAlert, withSeedingRuntime } from './support/seed.ts';
import { logIn, openPage, startReadyHub, visit } from './support/session.ts';

const analystEmail = 'analyst@nhi.local';
const publicUrl = 'https://nhi.example.test';

/**
 * The hub realm with a second member (an analyst) and one unowned identity whose key no rule
 * minds otherwise: its evaluation opens the one alert the test works on.
 */
async function seedOneAlert(dataDir: string): Promise<{ alertId: string }> {
  return withSeedingRuntime(dataDir, async (runtime) => {
    await runtime.root
      .resolve(RealmAdminService)
      .createUser({ email: analystEmail, realmSlug: 'hub', role: 'editor' });
    const hubRealm = await runtime.database.systemPrisma.realm.findUniqueOrThrow({
      where: { slug: 'hub' },
      select: { id: true, slug: true },
    });
    const scope = await seedingScope(runtime, hubRealm as RealmRef);
    return { alertId: await seedUnownedAlert(scope, 'e2e-orphan') };
  });
}

/** A local SMTP server that keeps every message it is sent. */
async function startMailbox() {
  const messages: { to: string[]; text: string }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let text = '';
      stream.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      stream.on('end', () => {
        messages.push({ to: session.envelope.rcptTo.map((rcpt) => rcpt.address), text });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, messages };
}

describe('working on an alert together in a browser', () => {
  it('assigns an alert to a member with a due date and comments with a mention; both stay in its history', async () => {
    const { dataDir, value } = await seededDataDir(seedOneAlert);
    const mailbox = await startMailbox();
    const hub = await startReadyHub(dataDir, { NHI_SMTP_URL: mailbox.url, NHI_PUBLIC_URL: publicUrl });
    const page = await openPage(hub);
    const cspViolations = collectCspViolations(page);
    await logIn(page);

    await visit(page, `/alerts/${value.alertId}`);
    await page.getByTestId('alert-page').waitFor();
    expect(await page.getByTestId('alert-assignee').textContent()).toBe('nobody');
    await page.getByTestId('assign-open').click();
    await page.getByTestId('assign-member').selectOption({ label: analystEmail });
    await page.getByTestId('assign-due').fill('2099-01-31');
    await page.getByTestId('assign-save').click();
    await expect.poll(() => page.getByTestId('alert-assignee').textContent()).toBe(analystEmail);
    expect(await page.getByTestId('alert-due').textContent()).toBe('2099-01-31');

    const comment = `Over to you @${analystEmail}: <script>alert(1)</script> rotate the key first`;
    await page.getByTestId('comment-body').fill(comment);
    await page.getByTestId('comment-add').click();
    await expect
      .poll(() => page.getByTestId('comment-notice').textContent())
      .toBe(`Mentioned ${analystEmail} (1 mailed)`);
    await expect.poll(() => mailbox.messages.length).toBe(1);
    expect(mailbox.messages[0]?.to).toEqual([analystEmail]);
    expect(mailbox.messages[0]?.text.replace(/=\r?\n/g, '')).toContain(
      `${publicUrl}/r/hub/alerts/${value.alertId}`,
    );

    await page.reload();
    await page.getByTestId('alert-page').waitFor();
    const history = page.getByTestId('alert-history');
    expect(await history.locator('[data-kind=assignment]').textContent()).toMatch(
      /assignment · admin@nhi\.local · Assigned to analyst@nhi\.local, due 2099-01-31/,
    );
    const shown = history.getByTestId('alert-comment');
    expect(await shown.textContent()).toContain('comment · admin@nhi.local');
    // Plain text: the markup is shown as typed, never run.
    expect(await shown.locator('.comment-body').textContent()).toBe(comment);
    expect(await shown.locator('script').count()).toBe(0);
    expect(await page.getByTestId('alert-assignee').textContent()).toBe(analystEmail);
    expect(cspViolations).toEqual([]);
  });
});
