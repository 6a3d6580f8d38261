import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { httpErrorSchema, type ErrorBody } from '../../../shared/errors';
import { plainWsServerFrameSchema, type PlainWsServerFrame } from '../../../shared/schemas/plain-ws';

const WAIT_MS = 3000;

/** How an upgrade to `/ws/{room_id}` ended: a live connection, or the HTTP refusal's status and error. */
export type WsOpening = { client: PlainWsClient } | { status: number; error: ErrorBody };

/**
 * A `ws` client of the plain WebSocket endpoint whose frames are checked against the contract's
 * schema and kept, in order, for the test to read.
 */
export class PlainWsClient {
  readonly frames: PlainWsServerFrame[] = [];
  readonly closed: Promise<number>;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.frames.push(plainWsServerFrameSchema.parse(JSON.parse(String(data))));
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  }

  /** Opens `/ws/{roomId}` with the token as a subprotocol (none without a token). */
  static open(baseUrl: string, roomId: string, token: string | undefined): Promise<WsOpening> {
    const url = `${baseUrl.replace(/^http/, 'ws')}/ws/${encodeURIComponent(roomId)}`;
    const ws = new WebSocket(url, token === undefined ? [] : ['bearer', token]);
    const client = new PlainWsClient(ws);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no answer to the upgrade within ${WAIT_MS} ms`)),
        WAIT_MS,
      );
      ws.once('open', () => {
        clearTimeout(timer);
        resolve({ client });
      });
      ws.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, error: httpErrorSchema.parse(JSON.parse(body)).error });
        });
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** The first frame received (or arriving within the wait) that matches; rejects once the connection closes. */
  next(match: (frame: PlainWsServerFrame) => boolean, what: string): Promise<PlainWsServerFrame> {
    return new Promise((resolve, reject) => {
      const stop = (err?: Error, frame?: PlainWsServerFrame): void => {
        clearTimeout(timer);
        this.waiters.delete(look);
        this.ws.off('close', onClose);
        if (frame) resolve(frame);
        else reject(err);
      };
      const look = (): void => {
        const frame = this.frames.find(match);
        if (frame) stop(undefined, frame);
      };
      const onClose = (): void => stop(new Error(`the connection closed while waiting for ${what}`));
      const timer = setTimeout(
        () => stop(new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`)),
        WAIT_MS,
      );
      this.waiters.add(look);
      this.ws.once('close', onClose);
      look();
    });
  }

  /** The answer (ack or error) to the frame sent with `requestId`. */
  answerTo(requestId: string): Promise<PlainWsServerFrame> {
    return this.next(
      (f) => (f.type === 'ack' || f.type === 'error') && f.request_id === requestId,
      `the answer to request ${requestId}`,
    );
  }

  /**
   * A ping round trip: frames are answered in order and broadcasts are written before the answer
   * to a later frame, so whatever was due to this connection before has arrived once it returns.
   */
  async barrier(): Promise<void> {
    const id = randomUUID();
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.send({ type: 'ping', request_id: id });
    // A connection the server closed meanwhile gets nothing more either.
    await this.next((f) => f.type === 'pong' && f.request_id === id, 'a pong').catch((err: unknown) => {
      if (this.ws.readyState === WebSocket.OPEN) throw err;
    });
  }

  close(): void {
    this.ws.close();
  }
}
