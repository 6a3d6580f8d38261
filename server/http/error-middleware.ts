import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ChatError } from '../../shared/errors';
import { toWireError } from '../domain/errors';
import type { Logger } from '../logger';

/**
 * Failures of Express and body-parser themselves (a body that is too large or not JSON, a path
 * with broken percent-encoding), translated to the contract's codes.
 */
function fromHttpLayer(err: unknown): ChatError | undefined {
  if (typeof err !== 'object' || err === null || err instanceof ChatError) return undefined;
  const type = 'type' in err && typeof err.type === 'string' ? err.type : undefined;
  const status = 'status' in err && typeof err.status === 'number' ? err.status : undefined;
  if (type === 'entity.too.large' || status === 413) {
    return new ChatError('PAYLOAD_TOO_LARGE', 'Request body is too large');
  }
  if (type === 'entity.parse.failed') {
    return new ChatError('VALIDATION_ERROR', 'Request body is not a valid JSON object', [
      { field: '', reason: 'malformed JSON' },
    ]);
  }
  if (status !== undefined && status >= 400 && status < 500) {
    return new ChatError('VALIDATION_ERROR', 'Malformed request');
  }
  return undefined;
}

/** The single HTTP error answer: `{ error: { code, message, details? } }` with the code's status. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const wire = toWireError(fromHttpLayer(err) ?? err);
    if (wire.unexpected) logger.error('request failed', { method: req.method, path: req.path, err });
    if (wire.body.retry_after_ms !== undefined) {
      res.setHeader('Retry-After', String(Math.ceil(wire.body.retry_after_ms / 1000)));
    }
    res.status(wire.status).json({ error: wire.body });
  };
}

export const notFoundRoute: RequestHandler = (req, _res, next) => {
  next(new ChatError('NOT_FOUND', `No route for ${req.method} ${req.path}`));
};
