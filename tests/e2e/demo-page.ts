import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Locator, type Page } from 'playwright-core';
import { settings } from '../helpers/services';

/** Helpers for driving the browser demo with playwright-core and Debian's Chromium. */

/** CHROMIUM_PATH, by default Debian's /usr/bin/chromium; never a downloaded browser. */
export const CHROMIUM = settings.chromiumPath;
/** How long a UI expectation waits for the page to catch up (Playwright polls until then). */
export const UI_TIMEOUT_MS = 10_000;

/**
 * Launches headless Chromium. Suites that call it declare `needs('chromium')`, so they are skipped
 * when it was missing at the start of the run; this throws if it has gone since.
 */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the demo test needs Chromium (apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/**
 * Console errors that are about the transport, not the page: helmet sends Cross-Origin-Opener-Policy
 * on every response, and Chromium ignores it (and says so) on a plain-http origin other than localhost.
 */
const TRANSPORT_NOTICES = [
  /^The Cross-Origin-Opener-Policy header has been ignored, because the URL's origin was untrustworthy/,
];

export interface DemoPage {
  page: Page;
  /** Uncaught exceptions, console errors and CSP refusals the page reported. */
  problems: string[];
}

/** Opens `/demo#token=…` in a fresh browser context (its own sessionStorage) and waits until connected. */
export async function openDemo(browser: Browser, baseUrl: string, token: string): Promise<DemoPage> {
  const context = await browser.newContext({ viewport: { width: 1180, height: 720 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg: ConsoleMessage) => {
    if (msg.type() === 'error' && !TRANSPORT_NOTICES.some((notice) => notice.test(msg.text()))) {
      problems.push(`console: ${msg.text()}`);
    }
  });
  await page.goto(`${baseUrl}/demo#token=${token}`);
  await connected(page);
  return { page, problems };
}

export async function connected(page: Page): Promise<void> {
  await page
    .locator('[data-testid="connection-status"][data-state="connected"]')
    .waitFor({ timeout: UI_TIMEOUT_MS });
}

/** Waits until the locator shows `text` (a substring, or a full match for a RegExp). */
export async function shows(locator: Locator, text: string | RegExp): Promise<void> {
  await locator.filter({ hasText: text }).first().waitFor({ timeout: UI_TIMEOUT_MS });
}

/** Waits until nothing matches the locator any more. */
export async function gone(locator: Locator): Promise<void> {
  await locator.first().waitFor({ state: 'detached', timeout: UI_TIMEOUT_MS });
}

/** The channel message (not a thread reply) whose content is exactly `content`. */
export function channelMessage(page: Page, content: string): Locator {
  return page
    .getByTestId('message-list')
    .getByTestId('message')
    .filter({ has: page.getByTestId('message-content').getByText(content, { exact: true }) });
}

/** A room of the sidebar, by name. */
export function sidebarRoom(page: Page, name: string): Locator {
  return page
    .getByTestId('room-list')
    .getByTestId('room-item')
    .filter({ has: page.getByTestId('room-name').getByText(name, { exact: true }) });
}

export async function send(page: Page, content: string): Promise<void> {
  await page.getByTestId('message-input').fill(content);
  await page.getByTestId('message-input').press('Enter');
  await channelMessage(page, content).waitFor({ timeout: UI_TIMEOUT_MS });
}
