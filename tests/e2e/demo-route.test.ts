/**
 * The /demo route on its own (no browser): where it finds the bundle, what it answers when the
 * bundle was never built, and the headers the page depends on.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import helmet from 'helmet';
import { httpErrorSchema } from '../../shared/errors';
import { errorMiddleware, notFoundRoute } from '../../server/http/error-middleware';
import { demoRoutes, findProjectRoot } from '../../server/http/routes/demo-routes';
import { createLogger } from '../../server/logger';

const ROOT = path.resolve(__dirname, '..', '..');

let dir: string;
let servers: Server[] = [];

/** An app as http-app.ts builds it around the demo: helmet first, the contract's 404 and error answer last. */
async function serve(bundleDir: string): Promise<string> {
  const app = express();
  app.use(helmet());
  app.use(demoRoutes(bundleDir));
  app.use(notFoundRoute);
  app.use(errorMiddleware(createLogger({ env: 'test', logLevel: 'silent' })));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  servers.push(server);
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on a port');
  return `http://127.0.0.1:${address.port}`;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'demo-route-'));
});

afterEach(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  servers = [];
  rmSync(dir, { recursive: true, force: true });
});

test('the project root is found from the sources and from the compiled server alike', () => {
  expect(findProjectRoot()).toBe(ROOT);
  // tsc copies package.json into dist/: the compiled server must still find the outer root.
  const manifest = JSON.stringify({ name: 'chat-service' });
  writeFileSync(path.join(dir, 'package.json'), manifest);
  mkdirSync(path.join(dir, 'server', 'http', 'routes'), { recursive: true });
  mkdirSync(path.join(dir, 'dist', 'server', 'http', 'routes'), { recursive: true });
  writeFileSync(path.join(dir, 'dist', 'package.json'), manifest);
  expect(findProjectRoot(path.join(dir, 'server', 'http', 'routes'))).toBe(dir);
  expect(findProjectRoot(path.join(dir, 'dist', 'server', 'http', 'routes'))).toBe(dir);
  // Another package's manifest on the way up is not the root.
  mkdirSync(path.join(dir, 'node_modules', 'other'), { recursive: true });
  writeFileSync(path.join(dir, 'node_modules', 'other', 'package.json'), JSON.stringify({ name: 'other' }));
  expect(findProjectRoot(path.join(dir, 'node_modules', 'other'))).toBe(dir);
});

test('without a built bundle, /demo answers 404 saying to run npm run build:demo', async () => {
  const url = await serve(path.join(dir, 'missing'));
  for (const p of ['/demo', '/demo/', '/demo/app.js']) {
    const res = await fetch(`${url}${p}`);
    expect(res.status).toBe(404);
    const body = httpErrorSchema.parse(await res.json());
    expect(body.error.code).toBe('NOT_FOUND');
    expect(body.error.message).toContain('run npm run build:demo');
  }
});

test('with a bundle, /demo and /demo/ serve the page and /demo/<file> its assets', async () => {
  mkdirSync(path.join(dir, 'demo'));
  writeFileSync(path.join(dir, 'demo', 'index.html'), '<!doctype html><title>demo page</title>');
  writeFileSync(path.join(dir, 'demo', 'app.js'), 'console.log(1);');
  const url = await serve(path.join(dir, 'demo'));

  for (const p of ['/demo', '/demo/']) {
    const res = await fetch(`${url}${p}`, { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(await res.text()).toContain('demo page');
  }
  const script = await fetch(`${url}/demo/app.js`);
  expect(script.status).toBe(200);
  expect(script.headers.get('content-type')).toMatch(/javascript/);
  expect((await fetch(`${url}/demo/nope.js`)).status).toBe(404);
});

test("the page's CSP: scripts, styles and sockets from its own origin, no upgrade to https", async () => {
  mkdirSync(path.join(dir, 'demo'));
  writeFileSync(path.join(dir, 'demo', 'index.html'), '<!doctype html>');
  const url = await serve(path.join(dir, 'demo'));
  const csp = (await fetch(`${url}/demo`)).headers.get('content-security-policy') ?? '';
  const directives = new Map(
    csp.split(';').map((d) => {
      const [name = '', ...values] = d.trim().split(/\s+/);
      return [name, values.join(' ')] as const;
    }),
  );
  expect(directives.get('script-src')).toBe("'self'");
  expect(directives.get('style-src')).toBe("'self'");
  expect(directives.get('connect-src')).toBe("'self'");
  expect(directives.get('object-src')).toBe("'none'");
  expect(directives.get('script-src-attr')).toBe("'none'");
  expect(directives.has('upgrade-insecure-requests')).toBe(false);
});
