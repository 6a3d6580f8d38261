import WebSocket from 'ws';
import type { PlainWsServerFrame } from '../../../shared/schemas/plain-ws';
import type { Actor } from '../../domain/actor';

/** One live plain WebSocket: a user in one room. */
export class PlainWsConnection {
  /** Cleared at each heartbeat, set again by the client's pong. */
  private alive = true;
  /**
   * Frames held back until the user's membership is confirmed after the connection joined the hub
   * (`release`); null once it is. Until then nothing of the room may reach a user who just left it.
   */
  private held: string[] | null = [];

  constructor(
    readonly ws: WebSocket,
    readonly actor: Actor,
    readonly roomId: string,
  ) {
    ws.on('pong', () => {
      this.alive = true;
    });
  }

  /** Sends an encoded frame; a connection that is already closing gets nothing more. */
  sendText(text: string): void {
    if (this.held) this.held.push(text);
    else if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  /** Membership confirmed: the frames held so far go out, in order, and later ones directly. */
  release(): void {
    const held = this.held ?? [];
    this.held = null;
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
   * close TCP), so it is cut and its presence ends; otherwise it is pinged again.
   */
  heartbeat(): void {
    if (!this.alive) {
      this.ws.terminate();
      return;
    }
    this.alive = false;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }
}
