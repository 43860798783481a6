import fs from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll } from 'vitest';
import { artifactsDir } from './hub-process.ts';

/** Debian's chromium; playwright's own browser downloads are not used. */
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Headless, without the background work a test run does not need. */
function startChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

let shared: Promise<Browser> | undefined;

/**
 * One browser for all the tests of a file, each test working in contexts of its own (cookies,
 * storage, viewport): a context costs milliseconds, a browser launch seconds of both cores.
 */
export function sharedBrowser(): Promise<Browser> {
  if (!shared) {
    const launching = startChromium();
    shared = launching;
    const forget = () => {
      if (shared === launching) shared = undefined;
    };
    // A browser that crashed or failed to start is launched anew for the next test, not reused.
    launching.then((browser) => browser.on('disconnected', forget), forget);
  }
  return shared;
}

// Registered while the test file is collected (it imports this module), so it runs after its last test.
afterAll(async () => {
  const browser = shared;
  shared = undefined;
  await (await browser?.catch(() => undefined))?.close();
});

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(artifactsDir, { recursive: true });
  await page.screenshot({ path: path.join(artifactsDir, `${name}.png`), fullPage: true });
}

/**
 * Messages the browser logs when the Content-Security-Policy blocks something, plus every
 * `securitypolicyviolation` event: a blocked eval that the page caught logs nothing by itself.
 */
export function collectCspViolations(page: Page): string[] {
  const violations: string[] = [];
  // Queued before any navigation the caller makes next; init scripts are not subject to the CSP.
  void page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`Content Security Policy violation: ${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
  });
  return violations;
}
