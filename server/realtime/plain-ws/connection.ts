import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import type { PlainWsServerFrame } from '../../../shared/schemas/plain-ws';
import type { Actor } from '../../domain/actor';

/** What a connection needs to bound its output, and whom it tells when it cuts a slow reader. */
export interface PlainWsOutputGuard {
  /** Bytes that may wait to be written (or, before `release`, be held); past this it is cut. */
  bufferedBytes: number;
  /** Called once when the connection is terminated for exceeding `bufferedBytes`. */
  onSlowConsumer(connection: PlainWsConnection, bufferedBytes: number): void;
}

/** One live plain WebSocket: a user in one room. */
export class PlainWsConnection {
  /** Cleared at each heartbeat, set again by the pong that answers its ping. */
  private alive = true;
  /** The payload of the heartbeat's outstanding ping: only a pong echoing it counts. */
  private pingPayload: Buffer | undefined;
  /**
   * Frames held back until the user's membership is confirmed after the connection joined the hub
   * (`release`); null once it is. Until then nothing of the room may reach a user who just left it.
   */
  private held: string[] | null = [];
  private heldBytes = 0;
  private cut = false;

  constructor(
    readonly ws: WebSocket,
    readonly actor: Actor,
    readonly roomId: string,
    private readonly guard: PlainWsOutputGuard,
  ) {
    // An unsolicited pong is allowed by RFC 6455 but proves nothing: a client that no longer reads
    // can still send them. Only the echo of the heartbeat's own random payload shows it read the ping.
    ws.on('pong', (data) => {
      if (this.pingPayload?.equals(data)) {
        this.alive = true;
        this.pingPayload = undefined;
      }
    });
  }

  /**
   * Sends an encoded frame (`bytes`: its UTF-8 length, when the caller knows it); a connection that
   * is already closing gets nothing more. A reader that lets more than the bound pile up (in the
   * socket's buffer, or held before `release`) is terminated instead: its buffers are dropped.
   */
  sendText(text: string, bytes = Buffer.byteLength(text)): void {
    if (this.held) {
      this.heldBytes += bytes;
      if (this.heldBytes > this.guard.bufferedBytes) this.terminateSlow(this.heldBytes);
      else this.held.push(text);
      return;
    }
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const buffered = this.ws.bufferedAmount + bytes;
    if (buffered > this.guard.bufferedBytes) this.terminateSlow(buffered);
    else this.ws.send(text);
  }

  /** Membership confirmed: the frames held so far go out, in order, and later ones directly. */
  release(): void {
    const held = this.held ?? [];
    this.held = null;
    this.heldBytes = 0;
    for (const text of held) this.sendText(text);
  }

  send(frame: PlainWsServerFrame): void {
    this.sendText(JSON.stringify(frame));
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(code, reason);
    }
  }

  /**
   * Heartbeat: a peer that did not answer the previous ping is gone (a dropped network does not
   * close TCP, and a client that stopped reading cannot see the ping), so it is cut and its
   * presence ends; otherwise it is pinged again, with a fresh random payload its pong must echo.
   */
  heartbeat(): void {
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    this.pingPayload = randomBytes(8);
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping(this.pingPayload);
  }

  private terminateSlow(bufferedBytes: number): void {
    this.held = [];
    if (this.cut) return;
    this.cut = true;
    this.ws.terminate();
    this.guard.onSlowConsumer(this, bufferedBytes);
  }
}
