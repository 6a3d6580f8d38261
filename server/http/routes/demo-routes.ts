import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import { ChatError } from '../../../shared/errors';

const PACKAGE_NAME = 'chat-service';
const packageSchema = z.object({ name: z.string() });

/**
 * The project's root: the outermost folder above `from` whose package.json is chat-service's. The same
 * code runs from `server/http/routes` (tests, tsx) and from `dist/server/http/routes` (`npm start`),
 * and tsc copies package.json into `dist/`, so the nearest match can be the compiled copy.
 */
export function findProjectRoot(from: string = __dirname): string {
  let root: string | undefined;
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest)) {
      const parsed = packageSchema.safeParse(JSON.parse(readFileSync(manifest, 'utf8')));
      if (parsed.success && parsed.data.name === PACKAGE_NAME) root = dir;
    }
    if (path.dirname(dir) === dir) break;
  }
  if (root === undefined) throw new Error(`no ${PACKAGE_NAME} package.json above ${from}`);
  return root;
}

/**
 * The demo's Content-Security-Policy: helmet's defaults (set for the whole app), changed in three ways.
 * No `upgrade-insecure-requests`: on a plain-http address other than localhost (a LAN or container
 * address) it rewrites the page's own script, stylesheet and WebSocket URLs to https, and nothing
 * loads; behind https every URL of the page is same-origin and relative anyway. Styles from this
 * origin only, as scripts (the page has no inline style or script). `connect-src 'self'` covers
 * ws:// and wss:// to the same host, which is where the page's Socket.IO connection goes.
 */
const demoCsp = helmet.contentSecurityPolicy({
  directives: {
    upgradeInsecureRequests: null,
    connectSrc: ["'self'"],
    styleSrc: ["'self'"],
  },
});

/**
 * The browser demo at `/demo`: the bundle `npm run build:demo` writes to `<root>/dist/demo`. No token
 * is needed to load the page (it asks for one). Source maps are served only when `sourceMaps` is set
 * (everywhere but NODE_ENV=production). Whether the bundle exists is checked per request, so
 * building it while the server runs is enough.
 */
export function demoRoutes(
  bundleDir: string = path.join(findProjectRoot(), 'dist', 'demo'),
  { sourceMaps = true }: { sourceMaps?: boolean } = {},
): Router {
  const router = Router();
  const indexFile = path.join(bundleDir, 'index.html');
  // The bundle's source map is the whole client source, comments included: useful while
  // developing, nobody's business in production.
  // The path is judged as express.static will read it (percent-decoded), so `app.js%2Emap` is no way in.
  if (!sourceMaps) {
    router.use('/demo', (req, _res, next) => {
      next(/\.map$/i.test(decodedPath(req.path)) ? new ChatError('NOT_FOUND', 'Not found') : undefined);
    });
  }

  const requireBundle: RequestHandler = (_req, _res, next) => {
    if (existsSync(indexFile)) next();
    else
      next(
        new ChatError('NOT_FOUND', 'The demo is not built: run npm run build:demo (npm start builds it too)'),
      );
  };
  const sendIndex: RequestHandler = (_req, res, next) => {
    // The page changes with every build while its URL does not: always revalidate it.
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(indexFile, (err) => {
      if (err) next(err);
    });
  };

  // Both /demo and /demo/: the page links its assets by absolute path, so either URL works.
  router.use('/demo', demoCsp);
  router.get(['/demo', '/demo/', '/demo/index.html'], requireBundle, sendIndex);
  router.use(
    '/demo',
    requireBundle,
    express.static(bundleDir, { index: false, redirect: false, fallthrough: true }),
  );
  return router;
}

/** A URL path percent-decoded; one that cannot be decoded is left as it is (static refuses it). */
function decodedPath(urlPath: string): string {
  try {
    return decodeURIComponent(urlPath);
  } catch {
    return urlPath;
  }
}
