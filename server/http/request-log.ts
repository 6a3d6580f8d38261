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
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        ms: Math.round((performance.now() - started) * 100) / 100,
        user_id: actorIdOf(res),
      });
    });
    next();
  };
}
