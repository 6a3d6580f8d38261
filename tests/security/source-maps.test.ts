/**
 * Item 9 of the security review: the demo's 1.7 MB source map (the whole client source, comments
 * included) was public. It is served only outside production.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { httpErrorSchema } from '../../shared/errors';
import { errorMiddleware, notFoundRoute } from '../../server/http/error-middleware';
import { demoRoutes } from '../../server/http/routes/demo-routes';
import { createLogger } from '../../server/logger';

let dir: string;
const servers: Server[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'demo-maps-'));
  mkdirSync(path.join(dir, 'demo'));
  writeFileSync(path.join(dir, 'demo', 'index.html'), '<!doctype html><script src="/demo/app.js"></script>');
  writeFileSync(path.join(dir, 'demo', 'app.js'), 'console.log(1);\n//# sourceMappingURL=app.js.map');
  writeFileSync(path.join(dir, 'demo', 'app.js.map'), '{"version":3,"sources":["secret.ts"]}');
});

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  rmSync(dir, { recursive: true, force: true });
});

async function serve(sourceMaps: boolean): Promise<string> {
  const app = express();
  app.use(demoRoutes(path.join(dir, 'demo'), { sourceMaps }));
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

test('in production the map answers 404 in the contract shape while the bundle is still served', async () => {
  const url = await serve(false);
  // Percent-encoded spellings of the same file are refused alike.
  for (const p of ['/demo/app.js.map', '/demo/app.js%2Emap', '/demo/app.js.%6dap', '/demo/app.js.MAP']) {
    const map = await fetch(`${url}${p}`);
    expect([p, map.status]).toEqual([p, 404]);
    expect(httpErrorSchema.parse(await map.json()).error.code).toBe('NOT_FOUND');
  }
  expect((await fetch(`${url}/demo/app.js`)).status).toBe(200);
  expect((await fetch(`${url}/demo`)).status).toBe(200);
});

test('in development the map is served for debugging', async () => {
  const url = await serve(true);
  const map = await fetch(`${url}/demo/app.js.map`);
  expect(map.status).toBe(200);
  expect(await map.text()).toContain('secret.ts');
});
