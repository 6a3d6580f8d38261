/**
 * The browser demo's direct messages, mentions, pins and search, end to end: two users (two browser
 * contexts) on the real server, as demo.test.ts drives the basics. The steps build on each other.
 */
import type { Browser, Page } from 'playwright-core';
import { startServer, type TestServer } from '../helpers/server';
import { needs } from '../helpers/services';
import {
  buildDemoInPlace,
  channelMessage,
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

const { test } = needs('chromium');

const MENTION = '@bob can you check the launch checklist?';
const MARKUP = '<b>Launch</b> notes & plans';

jest.setTimeout(60_000);

let server: TestServer;
let browser: Browser;
let alice: DemoPage;
let bob: DemoPage;

beforeAll(async () => {
  await buildDemoInPlace();
  server = await startServer();
  browser = await launchChromium();
  alice = await openDemo(browser, server.url, await server.token('alice', 'Alice'));
  bob = await openDemo(browser, server.url, await server.token('bob', 'Bob'));

  // A public room of both, so there is something to mention in, pin and search.
  await a().getByTestId('create-room-name').fill('launch');
  await a().getByTestId('create-room-submit').click();
  await shows(a().getByTestId('room-title'), '# launch');
  const roomId = (await a().getByTestId('room-id').textContent()) ?? '';
  await b().getByTestId('join-room-id').fill(roomId);
  await b().getByTestId('join-room-submit').click();
  await shows(b().getByTestId('room-title'), '# launch');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const a = (): Page => alice.page;
const b = (): Page => bob.page;
const dmItem = (page: Page, name: string) => sidebarRoom(page, name).and(page.locator('[data-dm]'));

test('alice messages bob by his id: the DM is listed for both, marked and named by the other', async () => {
  await a().getByTestId('dm-user-id').fill('bob');
  await a().getByTestId('dm-submit').click();
  await shows(a().getByTestId('room-title'), '@ Bob');
  await shows(dmItem(a(), 'Bob').getByTestId('dm-tag'), 'DM');

  // Bob did nothing: the DM reaches his sidebar live.
  await shows(dmItem(b(), 'Alice').getByTestId('dm-tag'), 'DM');
  await send(a(), 'Just between us');
  await shows(dmItem(b(), 'Alice').getByTestId('unread-count'), /^1$/);
  await dmItem(b(), 'Alice').click();
  await channelMessage(b(), 'Just between us').waitFor({ timeout: UI_TIMEOUT_MS });
});

test("a mention is marked in the message, counted on bob's room and listed in his Mentions", async () => {
  await sidebarRoom(a(), 'launch').click();
  await shows(a().getByTestId('room-title'), '# launch');
  await send(a(), MENTION);
  await shows(channelMessage(a(), MENTION).locator('[data-testid="mention"][data-user-id="bob"]'), '@bob');

  // Bob reads the DM meanwhile: the launch room shows a mention he has not read.
  await shows(sidebarRoom(b(), 'launch').getByTestId('unread-mentions'), /^@1$/);
  await shows(b().getByTestId('mentions-total'), /^1$/);

  await b().getByTestId('show-mentions').click();
  await shows(b().getByTestId('side-title'), 'Mentions');
  await b().getByTestId('side-item').filter({ hasText: 'check the launch checklist' }).click();
  await shows(b().getByTestId('room-title'), '# launch');
  await channelMessage(b(), MENTION).and(b().locator('.focused')).waitFor({ timeout: UI_TIMEOUT_MS });
  await shows(channelMessage(b(), MENTION).getByTestId('mention'), '@bob');
  // Opening the room read it: the badge is gone.
  await gone(sidebarRoom(b(), 'launch').getByTestId('unread-mentions'));
  await gone(b().locator('[data-testid="mentions-total"]:visible'));
});

test('alice (the owner) pins a message; bob sees it marked and in the pins panel, until she unpins it', async () => {
  // Bob is a plain member: no pin action for him.
  expect(await channelMessage(b(), MENTION).getByTestId('pin-button').count()).toBe(0);

  await channelMessage(a(), MENTION).hover();
  await channelMessage(a(), MENTION).getByTestId('pin-button').click();
  await shows(channelMessage(b(), MENTION).getByTestId('pinned-marker'), 'pinned');

  await b().getByTestId('show-pins').click();
  await shows(b().getByTestId('side-title'), 'Pinned');
  await shows(b().getByTestId('side-item'), 'pinned by Alice');

  await shows(channelMessage(a(), MENTION).getByTestId('pin-button'), 'Unpin');
  await channelMessage(a(), MENTION).getByTestId('pin-button').click();
  await shows(b().getByTestId('side-empty'), 'Nothing is pinned');
  await gone(channelMessage(b(), MENTION).getByTestId('pinned-marker'));

  // Pinned again, for the picture below.
  await channelMessage(a(), MENTION).getByTestId('pin-button').click();
  await shows(b().getByTestId('side-item'), 'pinned by Alice');
});

test("search: results mark the matches, show markup as text, and open their message's room", async () => {
  await send(a(), MARKUP);
  await dmItem(b(), 'Alice').click();
  await shows(b().getByTestId('room-title'), '@ Alice');

  await b().getByTestId('search-input').fill('launch');
  await b().getByTestId('search-input').press('Enter');
  await shows(b().getByTestId('side-title'), 'Search: launch');
  const results = b().getByTestId('side-item');
  // PostgreSQL's ts_headline leaves tags out of the passage (SQLite's snippet keeps them, as text).
  await shows(results.filter({ hasText: 'notes & plans' }).locator('mark'), /^launch$/i);
  await shows(results.filter({ hasText: 'checklist' }).locator('mark'), /^launch$/i);
  expect(await results.count()).toBe(2);
  // The message's <b> never becomes an element: the only ones in a result's text are the marks.
  expect(await b().getByTestId('side-list').locator('b').count()).toBe(0);

  await results.filter({ hasText: 'checklist' }).click();
  await shows(b().getByTestId('room-title'), '# launch');
  await channelMessage(b(), MENTION).and(b().locator('.focused')).waitFor({ timeout: UI_TIMEOUT_MS });
});

test('a mention in the DM reaches bob while he reads another room; screenshot (tests/artifacts/demo-conversations.png)', async () => {
  await sidebarRoom(b(), 'launch').click();
  await shows(b().getByTestId('room-title'), '# launch');
  await dmItem(a(), 'Bob').click();
  await send(a(), '@bob the checklist is pinned in #launch');
  await shows(dmItem(b(), 'Alice').getByTestId('unread-mentions'), /^@1$/);

  await sidebarRoom(a(), 'launch').click();
  await a().getByTestId('show-pins').click();
  await shows(a().getByTestId('side-item'), 'pinned by Alice');

  // Captions name the users, not the test's addresses.
  const picture = await sideBySide(browser, 'demo-conversations', [
    ['Alice', a()],
    ['Bob, in another browser', b()],
  ]);
  expect(picture.length).toBeGreaterThan(10_000);
});

test('neither page reported an error, a CSP refusal included', () => {
  expect(alice.problems).toEqual([]);
  expect(bob.problems).toEqual([]);
});
