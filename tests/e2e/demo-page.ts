import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { buildDemo, DEFAULT_DEMO_OUT_DIR } from '../../scripts/build-demo';
import { chromium, type Browser, type ConsoleMessage, type Locator, type Page } from 'playwright-core';
import { settings } from '../helpers/services';

/** Helpers for driving the browser demo with playwright-core and Debian's Chromium. */

/** CHROMIUM_PATH, by default Debian's /usr/bin/chromium; never a downloaded browser. */
export const CHROMIUM = settings.chromiumPath;
/** How long a UI expectation waits for the page to catch up (Playwright polls until then). */
export const UI_TIMEOUT_MS = 10_000;

/**
 * Builds the demo into dist/demo, where the server serves it, without ever leaving it empty: the
 * browser suites run in parallel, and buildDemo empties its folder first, so one suite's build would
 * take the page away from under another's browser. This builds into a folder beside it and moves
 * each file over its old copy (a rename is atomic); both suites build the same sources.
 */
export async function buildDemoInPlace(): Promise<void> {
  const dist = path.dirname(DEFAULT_DEMO_OUT_DIR);
  await mkdir(DEFAULT_DEMO_OUT_DIR, { recursive: true });
  const staging = await mkdtemp(path.join(dist, 'demo-build-'));
  try {
    await buildDemo(staging);
    for (const file of await readdir(staging)) {
      await rename(path.join(staging, file), path.join(DEFAULT_DEMO_OUT_DIR, file));
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

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

/** Where the browser suites leave their screenshots. */
export const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

/**
 * Screenshots pages (each also saved as `<name>-<label's first word, lower-cased>.png`) and puts them
 * side by side, captioned, in `<name>.png` under tests/artifacts: a page of data-URL images, so
 * nothing leaves the machine. The pointer is moved away first, so no hover toolbar covers a message.
 */
export async function sideBySide(
  browser: Browser,
  name: string,
  pages: ReadonlyArray<readonly [label: string, page: Page]>,
): Promise<Buffer> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await Promise.all(pages.map(([, page]) => page.mouse.move(1, 1)));
  const shots = await Promise.all(
    pages.map(([, page]) => page.screenshot({ fullPage: true, animations: 'disabled' })),
  );
  const figures = pages.map(([label], i) => {
    const png = shots[i];
    if (!png) throw new Error(`missing screenshot of ${label}`);
    const slug = (label.split(/\W/)[0] ?? 'page').toLowerCase();
    writeFileSync(path.join(ARTIFACTS, `${name}-${slug}.png`), png);
    return `<figure><figcaption>${label}</figcaption><img src="data:image/png;base64,${png.toString('base64')}"></figure>`;
  });
  const context = await browser.newContext({ viewport: { width: 2400, height: 800 } });
  try {
    const page = await context.newPage();
    await page.setContent(
      `<style>body{margin:0;padding:16px;display:flex;gap:16px;background:#2b2f3c;font:600 15px system-ui}` +
        `figure{margin:0}figcaption{color:#fff;padding:0 0 8px}img{display:block;border-radius:6px}</style>` +
        figures.join(''),
    );
    await page
      .locator('img')
      .nth(pages.length - 1)
      .waitFor({ timeout: UI_TIMEOUT_MS });
    return await page.screenshot({ fullPage: true, path: path.join(ARTIFACTS, `${name}.png`) });
  } finally {
    await context.close();
  }
}
