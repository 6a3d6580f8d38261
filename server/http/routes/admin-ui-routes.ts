import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import express, { Router, type RequestHandler } from 'express';

/**
 * Pages of the Admin UI: they connect to this server's Socket.IO (or any the admin types in) and
 * load nothing from elsewhere. Helmet's default policy would upgrade `ws:` to `wss:` on plain HTTP.
 */
const ADMIN_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss: http: https:",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** The published index.html pulls a web font and an icon font from CDNs: those links are dropped. */
const CDN_LINK = /<link[^>]+href="https?:\/\/[^"]*"[^>]*>/g;

/**
 * The Socket.IO Admin UI's bundled pages at `/admin/` (served only when the Admin UI is enabled
 * and the package ships them), so nothing is loaded from admin.socket.io or a CDN.
 */
export function adminUiRoutes(enabled: boolean): Router {
  const r = Router();
  const dir = enabled ? uiDirectory() : undefined;
  if (!dir) return r;
  const index = readFileSync(path.join(dir, 'index.html'), 'utf8').replace(CDN_LINK, '');
  const policy: RequestHandler = (_req, res, next) => {
    res.setHeader('Content-Security-Policy', ADMIN_CSP);
    next();
  };
  r.get('/admin', policy, (req, res) => {
    // The page's assets are relative: served from /admin (no slash) they would resolve to /js/….
    if (!req.originalUrl.split('?')[0]?.endsWith('/')) {
      res.redirect(301, '/admin/');
      return;
    }
    res.type('html').send(index);
  });
  r.use('/admin', policy, express.static(dir, { index: false }));
  return r;
}

function uiDirectory(): string | undefined {
  try {
    const dir = path.join(path.dirname(require.resolve('@socket.io/admin-ui/package.json')), 'ui', 'dist');
    return existsSync(path.join(dir, 'index.html')) ? dir : undefined;
  } catch {
    return undefined;
  }
}
