import { ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ErrorBody } from '../../shared/errors';
import type { Logger } from '../logger';

/** Node's parser codes for a request too large to read, and the status Node itself answers. */
const TOO_LARGE: ReadonlyMap<string, { status: number; message: string }> = new Map([
  ['HPE_HEADER_OVERFLOW', { status: 431, message: 'Request headers are too large' }],
  ['HPE_CHUNK_EXTENSIONS_OVERFLOW', { status: 413, message: 'Chunk extensions are too large' }],
]);
const REQUEST_TIMEOUT = 'ERR_HTTP_REQUEST_TIMEOUT';

/**
 * The HTTP server's `clientError` handler: a request Node could not parse (headers over its size
 * limit, malformed HTTP, a request that did not arrive in time) is answered with the contract's
 * JSON error body instead of Node's bare status line, keeping Node's status (431 for oversized
 * headers, 408 for a timeout, 400 otherwise), then the connection is closed. As Node does, nothing
 * is written when the socket is no longer writable or a response on it has already begun: the
 * peer would read a corrupt answer.
 */
export function answerClientErrors(logger: Logger) {
  return (err: Error & { code?: unknown }, socket: Duplex): void => {
    const code = typeof err.code === 'string' ? err.code : undefined;
    logger.debug('malformed HTTP request', { code, err: err.message });
    if (code === 'ECONNRESET' || !socket.writable || responseStarted(socket)) {
      socket.destroy();
      return;
    }
    const { status, body } = answerFor(code);
    const json = JSON.stringify({ error: body });
    const head = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
      'Connection: close',
      'Content-Type: application/json; charset=utf-8',
      `Content-Length: ${Buffer.byteLength(json)}`,
    ];
    socket.once('error', () => socket.destroy());
    socket.end(`${head.join('\r\n')}\r\n\r\n${json}`, () => socket.destroy());
  };
}

function answerFor(code: string | undefined): { status: number; body: ErrorBody } {
  const tooLarge = code === undefined ? undefined : TOO_LARGE.get(code);
  if (tooLarge)
    return { status: tooLarge.status, body: { code: 'PAYLOAD_TOO_LARGE', message: tooLarge.message } };
  if (code === REQUEST_TIMEOUT) {
    return { status: 408, body: { code: 'VALIDATION_ERROR', message: 'The request did not arrive in time' } };
  }
  return { status: 400, body: { code: 'VALIDATION_ERROR', message: 'Malformed HTTP request' } };
}

/** Whether a response on this connection has already sent its head (Node's own check). */
function responseStarted(socket: Duplex): boolean {
  const inFlight: unknown = Reflect.get(socket, '_httpMessage');
  return inFlight instanceof ServerResponse && inFlight.headersSent;
}
