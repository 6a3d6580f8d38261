import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_HTTP_STATUS, type ErrorBody } from '../../../shared/errors';
import { entityIdSchema } from '../../../shared/schemas/primitives';
import { bearerToken } from '../../auth/jwt';

const PLAIN_WS_PREFIX = '/ws/';
/** The subprotocol a client offers next to its token: `new WebSocket(url, ['bearer', token])`. */
const BEARER_PROTOCOL = 'bearer';

export interface PlainWsTarget {
  /** Null when the path names no possible room (answered NOT_FOUND). */
  roomId: string | null;
  token: string | undefined;
}

/**
 * Reads an upgrade request: undefined when its path is not the plain WebSocket endpoint
 * `/ws/{room_id}`, else the room and the token, taken from `?token=` or else from the offered
 * subprotocols (browsers cannot set an Authorization header on a WebSocket).
 */
export function readTarget(req: IncomingMessage): PlainWsTarget | undefined {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (!url.pathname.startsWith(PLAIN_WS_PREFIX)) return undefined;
  const segment = url.pathname.slice(PLAIN_WS_PREFIX.length).replace(/\/$/, '');
  const roomId = entityIdSchema.safeParse(segment).success ? segment : null;
  const query = url.searchParams.get('token');
  const token = query ? (bearerToken(query) ?? query) : tokenFromProtocols(offeredProtocols(req));
  return { roomId, token };
}

/**
 * The subprotocol to answer, from those offered: `bearer` when offered, else the first (the token
 * itself, for a client that offered only that). Browsers drop a connection whose answer is missing
 * or was not offered.
 */
export function chooseProtocol(offered: ReadonlySet<string>): string | false {
  const all = [...offered];
  return all.find((p) => p.toLowerCase() === BEARER_PROTOCOL) ?? all[0] ?? false;
}

function offeredProtocols(req: IncomingMessage): string[] {
  const header = req.headers['sec-websocket-protocol'];
  return (header ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** The token among the offered subprotocols: the first that is not the `bearer` marker. */
function tokenFromProtocols(protocols: readonly string[]): string | undefined {
  return protocols.find((p) => p.toLowerCase() !== BEARER_PROTOCOL);
}

/**
 * Refuses an upgrade with a plain HTTP answer carrying the contract's error body (what the HTTP
 * API would answer), then closes the connection.
 */
export function refuseUpgrade(socket: Duplex, error: ErrorBody): void {
  const status = ERROR_HTTP_STATUS[error.code];
  const body = JSON.stringify({ error });
  const headers = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  if (error.retry_after_ms !== undefined) {
    headers.push(`Retry-After: ${Math.ceil(error.retry_after_ms / 1000)}`);
  }
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.once('finish', () => socket.destroy());
  socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
}
