import type { Request, RequestHandler } from 'express';
import type { Metrics } from './metrics';

/** The `route` label of requests that matched no route (404s, static files): one value, not the raw URL. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Times every HTTP request into `http_request_duration_seconds`, labelled with the Express route
 * pattern (`/api/rooms/:room_id`), never the raw URL, so ids cannot explode the label set.
 */
export function httpMetrics(metrics: Metrics): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const route = captureRoute(req);
    res.once('finish', () => {
      const seconds = (performance.now() - started) / 1000;
      metrics.httpRequest(req.method, route() ?? UNMATCHED_ROUTE, res.statusCode, seconds);
    });
    next();
  };
}

/**
 * The matched route's full pattern. Express sets `req.route` when a route matches, but restores
 * `req.baseUrl` when a request leaves a router (an error answered by the app-level handler), so by
 * the time the response finishes the mount path may be gone. The pattern is therefore taken at
 * the moment the route is assigned, while `req.baseUrl` is still the router's.
 */
function captureRoute(req: Request): () => string | undefined {
  let pattern: string | undefined;
  let route: unknown = undefined;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: unknown) => {
      route = value;
      const path = typeof value === 'object' && value !== null && 'path' in value ? value.path : undefined;
      const shown = patternOf(path);
      if (shown !== undefined) pattern = `${req.baseUrl}${shown}`;
    },
  });
  return () => pattern;
}

/** A route's path as declared: a string, a list of them (shown joined by commas) or a RegExp. */
function patternOf(path: unknown): string | undefined {
  if (typeof path === 'string') return path;
  if (Array.isArray(path) && path.every((p) => typeof p === 'string')) return path.join(',');
  if (path instanceof RegExp) return String(path);
  return undefined;
}
