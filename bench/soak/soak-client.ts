import { BenchClient, type ClientObserver } from '../load/bench-client';
import { ackErrorCode, ackIsOk } from '../load/socketio-protocol';
import { signBenchToken } from '../load/token';
import { readNewMessage, type NewMessage } from './frames';

/** A send the soak made, kept until acknowledged so it can be sent again with its client_id. */
export interface SendSpec {
  roomId: string;
  clientId: string;
  content: string;
}

export type Outcome = { ok: true; frame: Buffer } | { ok: false; code: string };

/** What a client tells its generator about, whoever it is. */
export interface ClientEvents {
  onNewMessage(client: SoakClient, message: NewMessage): void;
  /** The connection closed and the soak had not closed it. */
  onUnsolicitedClose(client: SoakClient): void;
}

export const ACK_TIMEOUT_MS = 30_000;
/** Long enough that no token expires during a run (a socket lives no longer than its token). */
const TOKEN_LIFETIME_S = 6 * 3600;

/**
 * One soak user and its current connection (a bench `BenchClient` over plain `ws`). The client
 * does one thing at a time (`busy`): the soak never leaves a room with a send to it in flight, so
 * every error it sees is the server's. It remembers the last seq it saw per room, for catch-up.
 */
export class SoakClient {
  connection: BenchClient | undefined;
  busy = false;
  /** Set by the soak before it closes the connection itself (churn): that close is expected. */
  closingByUs = false;
  /** The server (or the network) closed the connection: reconnect when idle. */
  needsReconnect = false;
  home: string | undefined;
  lobby: string | undefined;
  readonly lastSeq = new Map<string, number>();
  /** Sends whose ack a closed connection cut off, to send again with the same client_id. */
  readonly unacked: SendSpec[] = [];
  private sends = 0;
  /** Which connection is the current one: a close of an older one is ignored. */
  private generation = 0;

  constructor(
    readonly index: number,
    readonly userId: string,
    public origin: number,
    private readonly events: ClientEvents,
  ) {}

  get connected(): boolean {
    return this.connection?.isOpen === true;
  }

  /** Member rooms, the ones to catch up on after a reconnection. */
  rooms(): string[] {
    return [this.home, this.lobby].filter((r): r is string => r !== undefined);
  }

  nextSend(roomId: string): SendSpec {
    const clientId = `${this.userId}-${this.sends++}`;
    return { roomId, clientId, content: `soak ${clientId}: an ordinary chat message of ordinary length` };
  }

  seen(roomId: string, seq: number): void {
    if (seq > (this.lastSeq.get(roomId) ?? 0)) this.lastSeq.set(roomId, seq);
  }

  /** Opens a connection; resolves once the server accepted it, and settles `closed` when it ends. */
  async connect(origin: string, secret: string, timeoutMs: number): Promise<void> {
    const generation = ++this.generation;
    const observer: ClientObserver = {
      onEvent: (frame) => {
        const message = readNewMessage(frame);
        if (message) {
          this.seen(message.roomId, message.seq);
          this.events.onNewMessage(this, message);
        }
      },
      onFrame: () => undefined,
      onClosed: () => {
        // A close of an older connection (replaced since) says nothing about this client now.
        if (generation !== this.generation || !this.connection) return;
        this.connection = undefined;
        if (this.closingByUs) return;
        this.needsReconnect = true;
        this.events.onUnsolicitedClose(this);
      },
    };
    const token = signBenchToken(secret, this.userId, TOKEN_LIFETIME_S);
    this.connection = await BenchClient.connect(origin, { token }, observer, timeoutMs);
    this.closingByUs = false;
    this.needsReconnect = false;
  }

  /** Closes the connection as the soak's own churn (its acks still pending answer `CLOSED`). */
  close(): void {
    this.closingByUs = true;
    const connection = this.connection;
    this.connection = undefined;
    connection?.close();
  }

  /** One event with an ack: `CLOSED` when the connection ended first, `NO_ACK` after the timeout. */
  request(event: string, payload: unknown, timeoutMs = ACK_TIMEOUT_MS): Promise<Outcome> {
    return new Promise((resolve) => {
      const connection = this.connection;
      if (!connection) {
        resolve({ ok: false, code: 'CLOSED' });
        return;
      }
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        resolve({ ok: false, code: 'NO_ACK' });
      }, timeoutMs);
      connection.request(event, JSON.stringify(payload), (frame) => {
        if (done) return;
        clearTimeout(timer);
        if (!frame) resolve({ ok: false, code: 'CLOSED' });
        else if (ackIsOk(frame)) resolve({ ok: true, frame });
        else resolve({ ok: false, code: ackErrorCode(frame) });
      });
    });
  }
}
