import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERROR_HTTP_STATUS, type ErrorBody, type ErrorDetail } from '../../../shared/errors';
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

/** A Sec-WebSocket-Key as `ws` accepts it: 16 bytes in base64. */
const WEBSOCKET_KEY = /^[+/0-9A-Za-z]{22}==$/;
/** A subprotocol name: an RFC 7230 token. */
const PROTOCOL_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Why an upgrade request to the endpoint is not a WebSocket handshake `ws` would complete, as the
 * contract's error; undefined for a good one. Checked before the token and the room: `ws` would
 * refuse such a request only after the user had been admitted (and joined to the room), and with
 * a bare text answer instead of the contract's error body. The checks are `ws`'s own: method GET
 * (another method is a route the endpoint does not have: NOT_FOUND, as over HTTP), `Upgrade:
 * websocket`, a 16-byte base64 key, version 13 or 8, and subprotocols that are distinct tokens.
 */
export function malformedUpgrade(req: IncomingMessage): ErrorBody | undefined {
  if (req.method !== 'GET') {
    return { code: 'NOT_FOUND', message: `No route for ${req.method ?? '?'} /ws/{room_id}` };
  }
  const details: ErrorDetail[] = [];
  if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
    details.push({ field: 'upgrade', reason: 'must be websocket' });
  }
  const key = req.headers['sec-websocket-key'];
  if (key === undefined || !WEBSOCKET_KEY.test(key)) {
    details.push({ field: 'sec-websocket-key', reason: 'must be 16 bytes in base64' });
  }
  const version = Number(req.headers['sec-websocket-version']);
  if (version !== 13 && version !== 8) {
    details.push({ field: 'sec-websocket-version', reason: 'must be 13' });
  }
  const protocols = req.headers['sec-websocket-protocol'];
  if (protocols !== undefined && !isProtocolList(protocols)) {
    details.push({ field: 'sec-websocket-protocol', reason: 'must be distinct tokens separated by commas' });
  }
  const first = details[0];
  if (!first) return undefined;
  return {
    code: 'VALIDATION_ERROR',
    message: `Not a WebSocket handshake: ${first.field} ${first.reason}`,
    details,
  };
}

function isProtocolList(header: string): boolean {
  const names = header.split(',').map((name) => name.replace(/^[ \t]+|[ \t]+$/g, ''));
  return names.every((name) => PROTOCOL_TOKEN.test(name)) && new Set(names).size === names.length;
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
