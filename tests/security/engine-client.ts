import type { Socket } from 'node:net';
import WebSocket from 'ws';

/**
 * Socket.IO clients written at the wire level (Engine.IO protocol 4), to do what socket.io-client
 * never would: pack thousands of packets in one long-polling POST, stop reading, send a pong nobody
 * asked for. Packets of a polling payload are joined with the record separator.
 */

export const RECORD_SEPARATOR = '\x1e';
const TIMEOUT_MS = 5000;

/** `42/chat,<id>[event, payload]`: an event on /chat that asks for an ack. */
export function eventPacket(id: number, event: string, payload: unknown): string {
  return `42/chat,${id}${JSON.stringify([event, payload])}`;
}

/** A Socket.IO session on /chat over long-polling, driven request by request. */
export interface PollingSession {
  readonly sid: string;
  /** POSTs packets in one payload; resolves with the HTTP status. */
  post(packets: readonly string[]): Promise<number>;
  /** One GET poll: the status and the packets it carried. */
  poll(): Promise<{ status: number; packets: string[] }>;
}

export async function openPollingSession(url: string, token: string): Promise<PollingSession> {
  const base = `${url}/socket.io/?EIO=4&transport=polling`;
  const open = await getText(base);
  const sid = /"sid":"([^"]+)"/.exec(open.body)?.[1];
  if (!open.body.startsWith('0') || sid === undefined) throw new Error(`no open packet: ${open.body}`);
  const session: PollingSession = {
    sid,
    post: async (packets) => {
      const res = await fetch(`${base}&sid=${sid}`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: packets.join(RECORD_SEPARATOR),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await res.text();
      return res.status;
    },
    poll: async () => {
      const { status, body } = await getText(`${base}&sid=${sid}`);
      return { status, packets: status === 200 ? body.split(RECORD_SEPARATOR) : [] };
    },
  };
  expect(await session.post([`40/chat,${JSON.stringify({ token })}`])).toBe(200);
  const connected = await session.poll();
  expect(connected.packets[0]).toMatch(/^40\/chat,\{"sid"/);
  return session;
}

async function getText(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  return { status: res.status, body: await res.text() };
}

/** A Socket.IO connection to /chat over a raw websocket, whose reading can be paused. */
export interface RawWebSocketSession {
  readonly ws: WebSocket;
  /** Every text message received, in order. */
  readonly received: string[];
  send(packet: string): void;
  /**
   * Sends each packet as a websocket frame, all in one TCP write, so the server reads them in one
   * go (as it would one long-polling payload) and dispatches them before answering any.
   */
  sendTogether(packets: readonly string[]): void;
  /** Stops reading from the TCP socket: the server's writes pile up in its buffers. */
  pauseReading(): void;
  resumeReading(): void;
  /** Resolves when the connection has closed (it must already be closing, or close soon). */
  closed(timeoutMs?: number): Promise<void>;
}

export async function openWebSocketSession(url: string, token: string): Promise<RawWebSocketSession> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const received: string[] = [];
  const isClosed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
  ws.on('error', () => undefined);
  const connected = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no /chat connect answer')), TIMEOUT_MS);
    ws.on('message', (data) => {
      const text = data.toString();
      received.push(text);
      if (text.startsWith('0')) ws.send(`40/chat,${JSON.stringify({ token })}`);
      if (text.startsWith('40/chat,')) {
        clearTimeout(timer);
        resolve();
      }
      if (text.startsWith('44/chat,')) reject(new Error(`connect refused: ${text}`));
    });
  });
  await connected;
  const tcp = (): Socket => tcpOf(ws);
  return {
    ws,
    received,
    send: (packet) => ws.send(packet),
    sendTogether: (packets) => tcp().write(textFrames(packets)),
    pauseReading: () => tcp().pause(),
    resumeReading: () => tcp().resume(),
    closed: (timeoutMs = TIMEOUT_MS) =>
      Promise.race([
        isClosed,
        new Promise<void>((_, reject) =>
          setTimeout(() => reject(new Error('the connection did not close')), timeoutMs).unref(),
        ),
      ]),
  };
}

/**
 * Client-to-server websocket text frames (masked, as RFC 6455 requires of clients), concatenated.
 * For writing several frames in one TCP write under a connected `ws` client.
 */
export function textFrames(texts: readonly string[]): Buffer {
  return Buffer.concat(
    texts.map((text) => {
      const payload = Buffer.from(text);
      const length =
        payload.length < 126
          ? Buffer.from([0x80 | payload.length])
          : payload.length < 65536
            ? Buffer.from([0x80 | 126, payload.length >> 8, payload.length & 0xff])
            : undefined;
      if (!length) throw new Error('frame too long for this helper');
      const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
      const masked = payload.map((byte, i) => byte ^ (mask[i % 4] ?? 0));
      return Buffer.concat([Buffer.from([0x81]), length, mask, masked]);
    }),
  );
}

/** Connects a `ws` client and returns it once open (rejects with the HTTP status of a refusal). */
export function openWebSocket(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: HTTP ${res.statusCode}`)));
  });
}

/** The TCP socket under a `ws` client (private to `ws`; used to pause it or write frames in bulk). */
export function tcpOf(ws: WebSocket): Socket {
  const socket: unknown = Reflect.get(ws, '_socket');
  if (typeof socket !== 'object' || socket === null) throw new Error('no TCP socket under the websocket');
  return socket as Socket;
}
