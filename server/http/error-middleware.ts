import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ChatError } from '../../shared/errors';
import { toWireError } from '../domain/errors';
import type { Logger } from '../logger';

/** body-parser's own failures, translated to the contract's codes. */
function fromBodyParser(err: unknown): ChatError | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err) || typeof err.type !== 'string')
    return undefined;
  switch (err.type) {
    case 'entity.too.large':
      return new ChatError('PAYLOAD_TOO_LARGE', 'Request body is too large');
    case 'entity.parse.failed':
      return new ChatError('VALIDATION_ERROR', 'Request body is not a valid JSON object', [
        { field: '', reason: 'malformed JSON' },
      ]);
    case 'encoding.unsupported':
    case 'charset.unsupported':
    case 'request.size.invalid':
    case 'entity.verify.failed':
      return new ChatError('VALIDATION_ERROR', 'Request body could not be read');
    default:
      return undefined;
  }
}

/** The single HTTP error answer: `{ error: { code, message, details? } }` with the code's status. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const wire = toWireError(fromBodyParser(err) ?? err);
    if (wire.unexpected) logger.error('request failed', { method: req.method, path: req.path, err });
    if (wire.body.retry_after_ms !== undefined) {
      res.setHeader('Retry-After', String(Math.ceil(wire.body.retry_after_ms / 1000)));
    }
    res.status(wire.status).json({ error: wire.body });
  };
}

export const notFoundRoute: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'NOT_FOUND', message: `No route for ${req.method} ${req.path}` } });
};
