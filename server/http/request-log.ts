import type { RequestHandler } from 'express';
import type { Logger } from '../logger';
import { actorIdOf } from './context';

/** One line per request once it is answered; the path only, never the query or headers (tokens). */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      logger.info('http request', {
        method: req.method,
        path: loggedPath(req.originalUrl),
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 100) / 100,
        user_id: actorIdOf(res),
      });
    });
    next();
  };
}

/**
 * The path of a request target, without its query (`?token=` for a plain WebSocket, or whatever a
 * client appends). A client may also send the absolute form `GET http://user:password@host/p`,
 * which Express routes by its path: only that path is kept, never the credentials in front of it.
 */
export function loggedPath(target: string): string {
  const beforeQuery = target.split(/[?#]/, 1)[0] ?? '';
  if (beforeQuery.startsWith('/')) return beforeQuery;
  try {
    return new URL(target).pathname;
  } catch {
    return '(not a path)';
  }
}
