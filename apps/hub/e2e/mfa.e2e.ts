import { totpCodeAt } from '@nhi/platform';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { collectCspViolations, screenshot } from './support/browser.ts';
import { adminEmail, adminPassword, temporaryDataDir } from './support/seed.ts';
import { logIn, onDashboard, openPage, startReadyHub, visit } from './support/session.ts';

/**
 * A code of the next 30-second step: accepted within the window of one step either way, and later
 * than any step already used (enrolment's, or the previous login's), as each code is accepted once.
 */
function nextCode(secret: string, stepsAhead = 1): Promise<string> {
  return totpCodeAt(secret, new Date(Date.now() + stepsAhead * 30_000));
}

/** The password step of the login page, which answers with the second step for this account. */
async function passwordStep(page: Page): Promise<void> {
  await page.goto('/login');
  await page.locator('[data-testid=login-form][data-ready=true]').waitFor();
  await page.getByLabel('Email').fill(adminEmail);
  await page.getByLabel('Password').fill(adminPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByTestId('mfa-form').waitFor();
}

async function logOut(page: Page): Promise<void> {
  await page.getByTestId('logout').click();
  await page.waitForURL((url) => url.pathname === '/login');
}

describe('TOTP second factor', () => {
  it('enrols from the profile, then logs in with a code or a recovery code, each accepted once', async () => {
    const hub = await startReadyHub(await temporaryDataDir());
    const page = await openPage(hub);
    const cspViolations = collectCspViolations(page);
    await logIn(page);

    await visit(page, '/me');
    await page.getByTestId('mfa-settings-link').click();
    await page.waitForURL((url) => url.pathname.endsWith('/me/mfa'));
    await page.locator('html[data-hydrated=true]').waitFor({ state: 'attached' });
    await page.getByTestId('mfa-begin-password').fill(adminPassword);
    await page.getByTestId('mfa-begin').click();
    await page.getByTestId('totp-qr').waitFor();
    const secret = (await page.getByTestId('totp-secret').textContent()) ?? '';
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(await page.getByTestId('totp-uri').inputValue()).toMatch(/^otpauth:\/\/totp\/NHI%20Hub:/);
    await screenshot(page, 'mfa-enrolment');
    await page.getByTestId('totp-enrol-code').fill(await totpCodeAt(secret, new Date()));
    await page.getByTestId('totp-enrol-confirm').click();
    await page.getByTestId('recovery-codes').waitFor();
    const recoveryCodes = await page.getByTestId('recovery-code').allTextContents();
    expect(recoveryCodes).toHaveLength(10);
    await page.getByTestId('recovery-codes-done').click();
    await expect.poll(() => page.getByTestId('mfa-state').textContent()).toContain('10 recovery codes left');
    await logOut(page);

    // A wrong code is refused; the right one opens the session.
    await passwordStep(page);
    await page.getByTestId('mfa-code').fill('000000');
    await page.getByTestId('mfa-submit').click();
    await expect.poll(() => page.getByTestId('mfa-error').textContent()).toBe('Wrong or already used code');
    await screenshot(page, 'mfa-login-wrong-code');
    await page.getByTestId('mfa-code').fill(await nextCode(secret));
    await page.getByTestId('mfa-submit').click();
    await page.waitForURL(onDashboard);
    await logOut(page);

    // A recovery code works once.
    const [recoveryCode] = recoveryCodes as [string];
    for (const expected of ['accepted', 'refused'] as const) {
      await passwordStep(page);
      await page.getByTestId('mfa-use-recovery').click();
      await page.getByTestId('mfa-code').fill(recoveryCode);
      await page.getByTestId('mfa-submit').click();
      if (expected === 'accepted') {
        await page.waitForURL(onDashboard);
        await logOut(page);
      } else {
        await expect
          .poll(() => page.getByTestId('mfa-error').textContent())
          .toBe('Wrong or already used code');
      }
    }
    expect(cspViolations).toEqual([]);
  });

  it('takes a member of a realm that requires it through enrolment at login, before any session', async () => {
    const hub = await startReadyHub(await temporaryDataDir());
    const page = await openPage(hub);
    await logIn(page);
    await visit(page, '/me/mfa');
    await page.getByTestId('mfa-realm-toggle').click();
    await expect
      .poll(() => page.getByTestId('mfa-realm-required').getAttribute('data-required'))
      .toBe('true');
    await logOut(page);

    await page.goto('/login');
    await page.locator('[data-testid=login-form][data-ready=true]').waitFor();
    await page.getByLabel('Email').fill(adminEmail);
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('mfa-enrol-required').waitFor();
    const secret = (await page.getByTestId('totp-secret').textContent()) ?? '';
    const cookies = await page.context().cookies();
    expect(cookies.map((cookie) => cookie.name)).not.toContain('nhi_session');

    await page.getByTestId('totp-enrol-code').fill(await totpCodeAt(secret, new Date()));
    await page.getByTestId('totp-enrol-confirm').click();
    await page.getByTestId('recovery-codes').waitFor();
    expect(await page.getByTestId('recovery-code').count()).toBe(10);
    await page.getByTestId('recovery-codes-done').click();
    await page.waitForURL(onDashboard);
    await visit(page, '/me/mfa');
    await expect.poll(() => page.getByTestId('mfa-state').textContent()).toContain('10 recovery codes left');
  });
});
