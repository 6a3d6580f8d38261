import WebSocket from 'ws';
import {
  ackIdOf,
  connectErrorMessage,
  connectPacket,
  ENGINE_PATH,
  eventPacket,
  FrameKind,
  frameKind,
} from './socketio-protocol';

/** Called with the ACK frame, or `undefined` when the connection closed before it came. */
export type AckHandler = (frame: Buffer | undefined) => void;

/** What a generator wants to hear from its clients. */
export interface ClientObserver {
  /** Every EVENT frame (broadcasts). */
  onEvent(frame: Buffer): void;
  /** Every frame but pings, for the activity counters. */
  onFrame(bytes: number): void;
  onClosed(): void;
}

/**
 * One Socket.IO client over a plain `ws` WebSocket: connects to /chat with an auth token, answers
 * pings, emits events with ack ids and routes ACK frames back to their handler. No reconnection:
 * a connection the server drops stays dropped, and the generator reports it.
 */
export class BenchClient {
  private nextAckId = 0;
  private readonly pending = new Map<number, AckHandler>();
  private connected = false;
  private closed = false;
  private handshake: { auth: Record<string, string>; done: (error?: Error) => void } | undefined;

  private constructor(
    private readonly ws: WebSocket,
    private readonly observer: ClientObserver,
  ) {}

  get isOpen(): boolean {
    return this.connected && !this.closed;
  }

  static connect(
    origin: string,
    auth: Record<string, string>,
    observer: ClientObserver,
    timeoutMs: number,
  ): Promise<BenchClient> {
    return new Promise((resolve, reject) => {
      // No compression (Socket.IO's default too) and no UTF-8 validation: the generator's CPU
      // is shared with the server it measures.
      const ws = new WebSocket(`${origin}${ENGINE_PATH}`, {
        perMessageDeflate: false,
        skipUTF8Validation: true,
      });
      const client = new BenchClient(ws, observer);
      const timer = setTimeout(() => client.handshake?.done(new Error('handshake timed out')), timeoutMs);
      client.handshake = {
        auth,
        done: (error) => {
          clearTimeout(timer);
          client.handshake = undefined;
          if (error) {
            ws.terminate();
            reject(error);
          } else {
            client.connected = true;
            resolve(client);
          }
        },
      };
      ws.on('message', (data) => client.onMessage(toBuffer(data)));
      ws.on('error', (err) => client.handshake?.done(err));
      ws.on('close', () => client.onClose());
    });
  }

  /** Emits `event` with an ack id; `payloadJson` is the serialized payload object. */
  request(event: string, payloadJson: string, onAck: AckHandler): void {
    if (!this.isOpen) {
      onAck(undefined);
      return;
    }
    const id = this.nextAckId++;
    this.pending.set(id, onAck);
    this.ws.send(eventPacket(event, payloadJson, id));
  }

  close(): void {
    this.ws.terminate();
  }

  private onMessage(frame: Buffer): void {
    const kind = frameKind(frame);
    // Pings are the transport's heartbeat, not the server's work: they do not count as activity.
    if (kind !== FrameKind.Ping) this.observer.onFrame(frame.length);
    switch (kind) {
      case FrameKind.Event:
        this.observer.onEvent(frame);
        return;
      case FrameKind.Ack: {
        const id = ackIdOf(frame);
        const handler = this.pending.get(id);
        if (handler) {
          this.pending.delete(id);
          handler(frame);
        }
        return;
      }
      case FrameKind.Ping:
        this.ws.send('3');
        return;
      case FrameKind.Open:
        if (this.handshake) this.ws.send(connectPacket(this.handshake.auth));
        return;
      case FrameKind.Connected:
        this.handshake?.done();
        return;
      case FrameKind.ConnectError:
        this.handshake?.done(new Error(`connect_error ${connectErrorMessage(frame)}`));
        return;
      case FrameKind.Disconnected:
      case FrameKind.Close:
        this.ws.terminate();
        return;
      default:
        return;
    }
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.handshake?.done(new Error('closed during the handshake'));
    const orphans = [...this.pending.values()];
    this.pending.clear();
    for (const handler of orphans) handler(undefined);
    if (this.connected) this.observer.onClosed();
  }
}

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}
