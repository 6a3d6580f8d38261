import type { RequestHandler } from 'express';
import type { Logger } from '../logger';

/** One line per request once it is answered; the path only, never the query or headers (tokens). */
export function requestLog(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      const actor = (res.locals as { actor?: { id: string } }).actor;
      logger.info('http request', {
        method: req.method,
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 100) / 100,
        user_id: actor?.id ?? null,
      });
    });
    next();
  };
}
