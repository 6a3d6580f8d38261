import { chromium, type Browser, type Page } from 'playwright-core';
import { z } from 'zod';
import { buildOpenApiDocument } from '../../server/docs/openapi-document';
import { startServer, type TestServer } from '../helpers/server';
import { needs, settings } from '../helpers/services';

/**
 * Swagger UI and ReDoc really render, offline, in Debian's Chromium (CHROMIUM_PATH; .ci/run
 * installs it; never a downloaded browser): the operations and the title show, no request leaves
 * this server, and the pages' Content-Security-Policy blocks nothing they need.
 */

// Both tests need Chromium: Jest's own `test`, or `test.skip` when CHROMIUM_PATH is missing (then
// no beforeAll/afterAll runs either).
const { test } = needs('chromium');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const RENDER_TIMEOUT_MS = 20_000;

const document = buildOpenApiDocument();
const documentedOperations = Object.entries(document.paths ?? {})
  .flatMap(([path, item]) =>
    ['get', 'post', 'put', 'patch', 'delete']
      .filter((m) => m in item)
      .map((m) => `${m.toUpperCase()} ${path}`),
  )
  .sort();

// Runs in the page before its scripts: records what the Content-Security-Policy blocks.
const RECORD_CSP_VIOLATIONS = `
  window.__cspViolations = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI);
  });
`;

interface Visit {
  page: Page;
  /** Every URL the page asked for that is not this server (or a blob/data URL of it). */
  offsite: string[];
  errors: string[];
  cspViolations: () => Promise<string[]>;
}

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startServer();
  browser = await chromium.launch({ executablePath: settings.chromiumPath, args: ARGS });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function visit(path: string): Promise<Visit> {
  const context = await browser.newContext();
  const offsite: string[] = [];
  const errors: string[] = [];
  const isLocal = (url: string): boolean => url.startsWith('data:') || new URL(url).origin === server.url;
  // Anything not local is recorded and never sent.
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    offsite.push(url);
    return route.abort();
  });
  await context.addInitScript({ content: RECORD_CSP_VIOLATIONS });
  const page = await context.newPage();
  page.on('request', (request) => {
    if (!isLocal(request.url())) offsite.push(request.url());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  await page.goto(`${server.url}${path}`);
  return {
    page,
    offsite,
    errors,
    cspViolations: async () => z.array(z.string()).parse(await page.evaluate('window.__cspViolations')),
  };
}

test('/docs (Swagger UI) shows every operation, and "Try it out" works with a bearer token', async () => {
  const { page, offsite, errors, cspViolations } = await visit('/docs');
  await page.locator('.opblock').first().waitFor({ timeout: RENDER_TIMEOUT_MS });
  const rendered = z.array(z.string()).parse(
    await page.evaluate(
      `[...document.querySelectorAll('.opblock-summary')].map((b) =>
          b.querySelector('.opblock-summary-method').textContent + ' ' +
          b.querySelector('.opblock-summary-path').getAttribute('data-path'))`,
    ),
  );
  expect(rendered.sort()).toEqual(documentedOperations);

  // Authorize with a token, then call GET /api/rooms from the page.
  await page.locator('.auth-wrapper .authorize').click();
  await page.locator('.modal-ux input').fill(await server.token('alice', 'Alice'));
  await page.locator('.modal-ux .auth-btn-wrapper .authorize').click();
  await page.locator('.modal-ux .btn-done').click();
  const listRooms = page.locator('#operations-Rooms-listRooms');
  await listRooms.locator('.opblock-summary').click();
  await listRooms.locator('.try-out__btn').click();
  await listRooms.locator('.execute').click();
  const status = listRooms.locator('.live-responses-table tbody .response-col_status').first();
  await status.waitFor({ timeout: RENDER_TIMEOUT_MS });
  expect((await status.textContent())?.trim()).toBe('200');
  expect(
    await listRooms.locator('.live-responses-table tbody .response-col_description').first().textContent(),
  ).toContain('"rooms"');

  expect({ offsite, errors, csp: await cspViolations() }).toEqual({ offsite: [], errors: [], csp: [] });
}, 60_000);

test('/redoc (ReDoc) shows the title, version and every tag', async () => {
  const { page, offsite, errors, cspViolations } = await visit('/redoc');
  const title = page.locator('h1', { hasText: document.info.title });
  await title.waitFor({ timeout: RENDER_TIMEOUT_MS });
  expect(await title.textContent()).toBe(`${document.info.title} (${document.info.version})`);
  for (const tag of document.tags ?? []) {
    await page.getByRole('menuitem', { name: tag.name, exact: true }).waitFor({ timeout: RENDER_TIMEOUT_MS });
  }
  expect({ offsite, errors, csp: await cspViolations() }).toEqual({ offsite: [], errors: [], csp: [] });
}, 60_000);
