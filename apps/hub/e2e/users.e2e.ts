import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { SMTPServer } from 'smtp-server';
import { describe, expect, it, onTestFinished } from 'vitest';
import { screenshot } from './support/browser.ts';
import { hubForFile } from './support/file-hub.ts';
import { seededDataDir, seedTwoRealms } from './support/seed.ts';
import { logIn, openPage, startReadyHub, visit } from './support/session.ts';

const invitedEmail = 'newcomer@nhi.local';
/** Whom the test that changes a password invites, on the hub it shares with the one inviting invitedEmail. */
const passwordChangerEmail = 'password-changer@nhi.local';
const firstPassword = 'newcomer first password';
const secondPassword = 'newcomer second password';
const publicUrl = 'https://nhi.example.test';

/** A local SMTP server that keeps every message it is sent, as text. */
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

// The tests without a mail server invite different users and act only on those (and on SCIM
// tokens only one of them makes): they share a hub. The one with a mail server has its own.
const sharedHub = hubForFile(seedTwoRealms);

/**
 * A hub whose admin is logged in on the Users page: the shared one, or with `env` (a mail server)
 * one of the test's own.
 */
async function setup(env?: Record<string, string>) {
  const hub = env
    ? await startReadyHub((await seededDataDir(seedTwoRealms)).dataDir, env)
    : (await sharedHub()).hub;
  const admin = await openPage(hub);
  await logIn(admin);
  await admin.getByTestId('nav-users').click();
  await admin.waitForURL('**/users');
  await admin.getByTestId('user-table').waitFor();
  return { hub, admin };
}

async function invite(admin: Page, email: string) {
  await admin.getByTestId('open-invite').click();
  await admin.getByTestId('invite-email').fill(email);
  await admin.getByTestId('invite-role').selectOption('editor');
  await admin.getByTestId('invite-submit').click();
  await admin.getByTestId('link-reveal').waitFor();
}

async function choosePassword(page: Page, link: string, password: string) {
  await visit(page, link);
  await page.locator('[data-testid=set-password-form][data-ready=true]').waitFor();
  await page.getByTestId('new-password').fill(password);
  await page.getByTestId('confirm-password').fill(password);
  await page.getByTestId('set-password-submit').click();
  await page.getByTestId('password-set').waitFor();
}

const userRow = (admin: Page, email: string) =>
  admin.locator(`[data-testid=user-row][data-email="${email}"]`);

/** The session is refused: any page behind the login sends the browser to /login. */
async function expectLoggedOut(page: Page) {
  await page.goto('/me');
  await page.waitForURL('**/login**');
}

describe('account management in a browser', () => {
  it('invites a user by mail, who sets a password and logs in; disabling them ends their open session at once', async () => {
    const mailbox = await startMailbox();
    // The address in the mail is the public one; the test opens its path on the hub it started.
    const { hub, admin } = await setup({ NHI_SMTP_URL: mailbox.url, NHI_PUBLIC_URL: publicUrl });

    await invite(admin, invitedEmail);

    expect(await admin.getByTestId('link-reveal').getAttribute('data-delivery')).toBe('mailed');
    await expect.poll(() => mailbox.messages.length).toBe(1);
    expect(mailbox.messages[0]?.to).toEqual([invitedEmail]);
    const link = /https:\/\/nhi\.example\.test(\/invite\/[A-Za-z0-9_-]{43})/.exec(
      mailbox.messages[0]?.text.replace(/=\r?\n/g, '') ?? '',
    )?.[1];
    expect(link).toBeDefined();
    await admin.getByTestId('link-reveal-done').click();
    await admin.reload();
    expect(await userRow(admin, invitedEmail).getAttribute('data-status')).toBe('invited');

    const user = await openPage(hub);
    await choosePassword(user, link as string, firstPassword);
    await visit(user, link as string);
    await user.getByTestId('password-link-invalid').waitFor();
    await logIn(user, invitedEmail, firstPassword);

    await admin.reload();
    const row = userRow(admin, invitedEmail);
    expect(await row.getAttribute('data-status')).toBe('active');
    expect(await row.getByTestId('user-sign-in').textContent()).toBe('password');
    await row.getByTestId('user-disable').click();
    await screenshot(admin, 'users-disable-confirmation');
    await admin.getByTestId('confirm-user-action').click();
    await expect.poll(() => userRow(admin, invitedEmail).getAttribute('data-status')).toBe('disabled');

    await expectLoggedOut(user);
    // The link is a credential: the access log names its route, never the token.
    expect(hub.output()).toContain('/invite/$token');
    expect(hub.output()).not.toContain((link as string).slice('/invite/'.length));
  });

  it('shows the link to the admin without a mail server; the user changes the password and signs out everywhere', async () => {
    const { hub, admin } = await setup();

    await invite(admin, passwordChangerEmail);

    expect(await admin.getByTestId('link-reveal').getAttribute('data-delivery')).toBe('link');
    const link = new URL(await admin.getByTestId('one-time-link').inputValue()).pathname;
    await screenshot(admin, 'users-invitation-link');
    const user = await openPage(hub);
    await choosePassword(user, link, firstPassword);
    await logIn(user, passwordChangerEmail, firstPassword);
    const elsewhere = await openPage(hub);
    await logIn(elsewhere, passwordChangerEmail, firstPassword);

    await visit(user, '/me');
    await expect.poll(() => user.getByTestId('session-row').count()).toBe(2);
    await user.getByTestId('current-password').fill(firstPassword);
    await user.getByTestId('new-password').fill(secondPassword);
    await user.getByTestId('confirm-password').fill(secondPassword);
    await user.getByTestId('change-password-submit').click();
    await user.getByTestId('change-password-done').waitFor();
    await screenshot(user, 'profile-password-changed');

    await expectLoggedOut(elsewhere);
    await expect.poll(() => user.getByTestId('session-row').count()).toBe(1);
    await logIn(elsewhere, passwordChangerEmail, secondPassword);

    await user.getByTestId('sign-out-everywhere').click();
    await user.getByTestId('confirm-sign-out-everywhere').click();
    await user.waitForURL('**/login**');
    await expectLoggedOut(elsewhere);
  });

  it('changes a member’s role and removes them from the realm; a SCIM token made on the tokens page provisions a user', async () => {
    const { hub, admin } = await setup();
    await invite(admin, invitedEmail);
    const link = new URL(await admin.getByTestId('one-time-link').inputValue()).pathname;
    await admin.getByTestId('link-reveal-done').click();
    const user = await openPage(hub);
    await choosePassword(user, link, firstPassword);
    await logIn(user, invitedEmail, firstPassword);
    await visit(admin, '/users');
    const row = userRow(admin, invitedEmail);

    await row.getByTestId('user-role-select').selectOption('admin');
    await expect.poll(() => row.getAttribute('data-role')).toBe('admin');
    await visit(user, '/users');
    await user.getByTestId('user-table').waitFor();

    // Taking admin rights away is asked first.
    await row.getByTestId('user-role-select').selectOption('viewer');
    await admin.getByTestId('user-confirmation').waitFor();
    expect(await admin.getByTestId('user-confirmation').textContent()).toContain('stop being an admin');
    await screenshot(admin, 'users-demote-confirmation');
    await admin.getByTestId('confirm-user-action').click();
    await expect.poll(() => row.getAttribute('data-role')).toBe('viewer');
    await expect.poll(() => row.getByTestId('user-role-select').inputValue()).toBe('viewer');

    await row.getByTestId('user-remove').click();
    expect(await admin.getByTestId('user-confirmation').textContent()).toContain('Remove newcomer@nhi.local');
    await admin.getByTestId('confirm-user-action').click();
    await row.waitFor({ state: 'detached' });
    await expectLoggedOut(user);

    await admin.getByTestId('users-scim-link').click();
    await admin.waitForURL((url) => url.pathname.endsWith('/tokens') && url.hash === '#scim-tokens');
    await admin.locator('[data-testid=create-scim-token-form][data-ready=true]').waitFor();
    expect(await admin.getByTestId('no-scim-tokens').isVisible()).toBe(true);
    await admin.getByTestId('scim-token-name').fill('e2e provider');
    await admin.getByTestId('scim-token-role').selectOption('editor');
    await admin.getByTestId('create-scim-token').click();
    await admin.getByTestId('scim-token-reveal').waitFor();
    const token = await admin.getByTestId('scim-new-token').inputValue();
    expect(token).toMatch(/^nhiscim_[0-9A-Za-z]{43}$/);
    const baseUrl = await admin.getByTestId('scim-base-url').textContent();
    expect(baseUrl).toBe(`${hub.url}/scim/v2`);
    await screenshot(admin, 'tokens-scim-created');

    const provisioned = await fetch(`${baseUrl}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'provisioned@nhi.local',
        active: true,
      }),
    });
    expect(provisioned.status).toBe(201);

    await admin.getByTestId('scim-token-reveal-done').click();
    await admin.reload();
    const tokenRow = admin.locator('[data-testid=scim-token-row][data-token-name="e2e provider"]');
    await tokenRow.waitFor();
    expect(await admin.content()).not.toContain(token.slice(16));
    expect(await tokenRow.getByTestId('scim-token-last-used').textContent()).not.toBe('Never');
    await tokenRow.getByTestId('revoke-scim-token').click();
    await admin.getByTestId('confirm-revoke-scim').click();
    await expect.poll(() => tokenRow.getAttribute('data-status')).toBe('revoked');
    const refused = await fetch(`${baseUrl}/Users`, { headers: { authorization: `Bearer ${token}` } });
    expect(refused.status).toBe(401);

    await visit(admin, '/users');
    expect(await userRow(admin, 'provisioned@nhi.local').getAttribute('data-role')).toBe('editor');
  });
});
