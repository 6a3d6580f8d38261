/**
 * The browser demo end to end: the bundle built by scripts/build-demo.ts, served by the real server
 * at /demo, driven in headless Chromium by two users (two browser contexts) talking to each other.
 * The steps run in order and build on each other, as a conversation does.
 */
import type { Browser, Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/server';
import { needs } from '../helpers/services';
import { tokenSigner } from '../helpers/tokens';
import {
  buildDemoInPlace,
  channelMessage,
  connected,
  gone,
  launchChromium,
  openDemo,
  send,
  shows,
  sideBySide,
  sidebarRoom,
  UI_TIMEOUT_MS,
  type DemoPage,
} from './demo-page';

// Every test here needs Chromium: Jest's own `test`, or `test.skip` when CHROMIUM_PATH is missing
// (then no beforeAll/afterAll runs either).
const { test } = needs('chromium');

/**
 * Bob browses by a host name that Chromium maps to 127.0.0.1: unlike localhost it is not a
 * "potentially trustworthy" origin, so his page meets what a LAN or container address over plain
 * http meets (helmet's default upgrade-insecure-requests would turn its script URL into https).
 */
const PLAIN_HTTP_HOST = 'chat-demo.test';
const XSS = '<img src=x onerror="window.__xss=1">';

// Each step waits on two browsers and the server; on a loaded machine that takes longer than a unit test.
jest.setTimeout(60_000);

let server: TestServer;
let browser: Browser;
let alice: DemoPage;
let bob: DemoPage;
let aliceToken: string;
let roomId: string;

beforeAll(async () => {
  await buildDemoInPlace();
  server = await startServer();
  browser = await launchChromium([`--host-resolver-rules=MAP ${PLAIN_HTTP_HOST} 127.0.0.1`]);
  aliceToken = await server.token('alice', 'Alice');
  alice = await openDemo(browser, server.url, aliceToken);
  const bobUrl = new URL(server.url);
  bobUrl.hostname = PLAIN_HTTP_HOST;
  bob = await openDemo(browser, bobUrl.origin, await server.token('bob', 'Bob'));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const a = (): Page => alice.page;
const b = (): Page => bob.page;

test('the page takes the token from the fragment into sessionStorage and out of the address', async () => {
  expect(a().url()).toBe(`${server.url}/demo`);
  // Expressions as strings: this file is compiled without the DOM's types.
  expect(await a().evaluate("sessionStorage.getItem('chat-service-demo-token')")).toBe(aliceToken);
  await shows(a().getByTestId('me'), 'Alice (alice)');

  // A reload keeps the session without the token in the URL.
  await a().reload();
  await connected(a());
  await shows(a().getByTestId('me'), 'Alice (alice)');
});

test('alice creates a room, bob joins it by id, and each sees the other online', async () => {
  await a().getByTestId('create-room-name').fill('general');
  await a().getByTestId('create-room-submit').click();
  await shows(a().getByTestId('room-title'), '# general');
  roomId = (await a().getByTestId('room-id').textContent()) ?? '';
  expect(roomId).toMatch(/^[A-Za-z0-9_-]+$/);

  await b().getByTestId('join-room-id').fill(roomId);
  await b().getByTestId('join-room-submit').click();
  await shows(b().getByTestId('room-title'), '# general');

  const online = (page: Page, userId: string) =>
    page.locator(
      `[data-testid="member"][data-user-id="${userId}"] [data-testid="presence-dot"][data-status="online"]`,
    );
  await online(a(), 'bob').waitFor({ timeout: UI_TIMEOUT_MS });
  await online(b(), 'alice').waitFor({ timeout: UI_TIMEOUT_MS });
});

test("a message alice sends appears on bob's screen", async () => {
  await send(a(), 'Hello Bob!');
  await channelMessage(b(), 'Hello Bob!').waitFor({ timeout: UI_TIMEOUT_MS });
  await shows(channelMessage(b(), 'Hello Bob!').getByTestId('message-author'), 'Alice');
});

test("bob's typing shows on alice's screen and ends when he sends", async () => {
  await b().getByTestId('message-input').pressSequentially('Hi Al');
  await shows(a().getByTestId('typing-line'), 'Bob is typing…');

  await b().getByTestId('message-input').pressSequentially('ice');
  await b().getByTestId('message-input').press('Enter');
  await channelMessage(a(), 'Hi Alice').waitFor({ timeout: UI_TIMEOUT_MS });
  await a().locator('[data-testid="typing-line"][data-count="0"]').waitFor({ timeout: UI_TIMEOUT_MS });
  expect(await a().getByTestId('typing-line').textContent()).toBe('');
});

test('reactions: bob adds 👍, alice sees the count, adds and removes her own', async () => {
  const thumbs = (page: Page) =>
    channelMessage(page, 'Hello Bob!').locator('[data-testid="reaction"][data-emoji="👍"]');

  await channelMessage(b(), 'Hello Bob!').locator('[data-testid="react-button"][data-emoji="👍"]').click();
  await shows(thumbs(a()).getByTestId('reaction-count'), /^1$/);
  expect(await thumbs(a()).getAttribute('aria-pressed')).toBe('false');

  await thumbs(a()).click();
  await shows(thumbs(b()).getByTestId('reaction-count'), /^2$/);
  await a()
    .locator('[data-testid="reaction"][data-emoji="👍"][aria-pressed="true"]')
    .waitFor({ timeout: UI_TIMEOUT_MS });

  await thumbs(a()).click();
  await shows(thumbs(b()).getByTestId('reaction-count'), /^1$/);
  await shows(thumbs(a()).getByTestId('reaction-count'), /^1$/);
});

test('a thread reply shows in the thread view, with the reply count in the channel', async () => {
  await channelMessage(a(), 'Hello Bob!').getByTestId('reply-button').click();
  await shows(a().getByTestId('thread-parent'), 'Hello Bob!');
  await a().getByTestId('thread-input').fill('Replying in a thread');
  await a().getByTestId('thread-input').press('Enter');
  await shows(a().getByTestId('thread-replies').getByTestId('message-content'), 'Replying in a thread');

  const openThread = channelMessage(b(), 'Hello Bob!').getByTestId('open-thread');
  await shows(openThread, '1 reply');
  await openThread.click();
  await shows(b().getByTestId('thread-replies').getByTestId('message-content'), 'Replying in a thread');
  // Replies live in their thread, not in the channel.
  expect(await channelMessage(b(), 'Replying in a thread').count()).toBe(0);
});

test('unread count on a room one is not looking at, cleared (and a read receipt sent) on opening it', async () => {
  await b().getByTestId('create-room-name').fill('bob-notes');
  await b().getByTestId('create-room-submit').click();
  await shows(b().getByTestId('room-title'), '# bob-notes');

  await send(a(), 'Are you there?');
  await shows(sidebarRoom(b(), 'general').getByTestId('unread-count'), /^1$/);

  await sidebarRoom(b(), 'general').click();
  await channelMessage(b(), 'Are you there?').waitFor({ timeout: UI_TIMEOUT_MS });
  await gone(sidebarRoom(b(), 'general').getByTestId('unread-count'));
  await shows(channelMessage(a(), 'Are you there?').getByTestId('read-receipt'), 'Seen by Bob');
});

// Before the markup probe and the pasted-token visitor: the picture shows an ordinary conversation.
// (The README's docs/demo.png is a copy of demo-conversations.test.ts's picture.)
test('screenshots of both users (tests/artifacts/demo.png)', async () => {
  // Captions name the users, not the test's addresses (bob's host name is the test's own).
  const picture = await sideBySide(browser, 'demo', [
    ['Alice', a()],
    ['Bob, in another browser', b()],
  ]);
  expect(picture.length).toBeGreaterThan(10_000);
});

test('text from users is shown as text: markup creates no element and runs no script', async () => {
  await send(a(), XSS);
  const received = channelMessage(b(), XSS);
  await received.waitFor({ timeout: UI_TIMEOUT_MS });
  expect(await received.getByTestId('message-content').textContent()).toBe(XSS);
  for (const page of [a(), b()]) {
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate('window.__xss')).toBeUndefined();
  }
});

test('a pasted token: a refused one says so, a good one connects; public rooms are joined from the list', async () => {
  const context = await browser.newContext({ viewport: { width: 1180, height: 720 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/demo`);
  await page.getByTestId('welcome').waitFor({ timeout: UI_TIMEOUT_MS });

  const forged = await tokenSigner('a-secret-that-is-not-the-servers-secret-0123456789')({ sub: 'carol' });
  await page.getByTestId('token-input').fill(forged);
  await page.getByTestId('token-connect').click();
  await shows(page.getByTestId('error-banner'), 'refused this token');
  await page.getByTestId('token-form').waitFor({ timeout: UI_TIMEOUT_MS });
  expect(await page.evaluate("sessionStorage.getItem('chat-service-demo-token')")).toBeNull();

  await page.getByTestId('token-input').fill(await server.token('carol', 'Carol'));
  await page.getByTestId('token-connect').click();
  await connected(page);
  expect(page.url()).toBe(`${server.url}/demo`);
  await page.getByTestId('browse-item').filter({ hasText: 'general' }).getByTestId('join-room').click();
  await shows(page.getByTestId('room-title'), '# general');
  await channelMessage(page, 'Hello Bob!').waitFor({ timeout: UI_TIMEOUT_MS });
  await shows(a().locator('[data-testid="member"][data-user-id="carol"]'), 'Carol');
  await context.close();
});

test('presence: when bob closes his tab, alice sees him offline', async () => {
  await b().context().close();
  await a()
    .locator('[data-testid="member"][data-user-id="bob"] [data-testid="presence-dot"][data-status="offline"]')
    .waitFor({ timeout: UI_TIMEOUT_MS });
});

test('neither page reported an error, a CSP refusal included', () => {
  expect(alice.problems).toEqual([]);
  expect(bob.problems).toEqual([]);
});
