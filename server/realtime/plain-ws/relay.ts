import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../../logger';
import type { ChatNamespace } from '../types';
import { hubOpSchema, type HubOp } from './plain-ws-hub';

const RELAY_EVENT = 'plain-ws:hub';
const LISTENERS_EVENT = 'plain-ws:listeners';
const CENSUS_EVENT = 'plain-ws:census';

/** How a node tells the others whether it holds plain WebSockets (and so needs their broadcasts). */
const listenerNoteSchema = z.object({ node: z.string().min(1).max(64), listening: z.boolean() });
export type ListenerNote = z.infer<typeof listenerNoteSchema>;

export interface RelayTimings {
  /** A node with plain WebSockets says so again this often, so the others' view does not expire. */
  refreshMs: number;
  /** A node not heard from for this long counts as holding none (it stopped or lost Redis). */
  expiryMs: number;
  /** After start, broadcasts are relayed anyway for this long while the census answers arrive. */
  graceMs: number;
  /** How long a node waits for the others to note its first plain WebSocket before accepting it. */
  confirmMs: number;
}

export const DEFAULT_RELAY_TIMINGS: RelayTimings = {
  refreshMs: 15_000,
  expiryMs: 45_000,
  graceMs: 5_000,
  confirmMs: 1_000,
};

/**
 * Carries hub operations to the other nodes through the Socket.IO adapter's server-side events
 * (`serverSideEmit`, which the Redis adapters implement), so a broadcast made on one node reaches
 * the plain WebSockets of every node. A node does not receive its own operations.
 *
 * Only while some other node holds a plain WebSocket: most deployments have none, and relaying
 * every broadcast would double the traffic on the Redis stream for nobody. Each node announces when
 * it starts and stops holding plain WebSockets, and repeats it while it holds them. Before it
 * accepts its first one it waits (up to `confirmMs`) until every other node has noted it, so a
 * client never misses a broadcast made elsewhere after its upgrade completed. A node that has just
 * started asks the others (the census) and relays everything until their answers are in.
 */
export class PlainWsRelay {
  private readonly node = randomUUID();
  /** Other nodes that hold plain WebSockets, with when their note expires. */
  private readonly listeners = new Map<string, number>();
  private readonly graceUntil: number;
  private announced = false;
  private confirming: Promise<void> | undefined;
  private relayed = 0;
  private readonly refresh: NodeJS.Timeout;

  constructor(
    private readonly nsp: ChatNamespace,
    apply: (op: HubOp) => void,
    private readonly logger: Logger,
    private readonly holdsAny: () => boolean,
    private readonly timings: RelayTimings = DEFAULT_RELAY_TIMINGS,
    private readonly now: () => number = Date.now,
  ) {
    this.graceUntil = now() + timings.graceMs;
    this.nsp.on(RELAY_EVENT, (raw: unknown) => {
      const op = hubOpSchema.safeParse(raw);
      if (op.success) apply(op.data);
      else logger.warn('malformed plain-ws relay operation ignored', { issues: op.error.issues.length });
    });
    this.nsp.on(LISTENERS_EVENT, (raw: unknown, reply: (noted: boolean) => void) => {
      const note = listenerNoteSchema.safeParse(raw);
      if (note.success) this.note(note.data);
      // The sender's `ready` waits for this answer from every node.
      if (typeof reply === 'function') reply(note.success);
    });
    // Nodes holding plain WebSockets answer a new node's census by announcing themselves.
    this.nsp.on(CENSUS_EVENT, () => {
      if (this.announced) this.announce(true);
    });
    this.nsp.serverSideEmit(CENSUS_EVENT);
    this.refresh = setInterval(() => this.tick(), timings.refreshMs);
    this.refresh.unref();
  }

  /** Whether some other node may hold a plain WebSocket that this node's broadcasts must reach. */
  get on(): boolean {
    const now = this.now();
    if (now < this.graceUntil) return true;
    for (const [node, expires] of this.listeners) {
      if (expires > now) return true;
      this.listeners.delete(node);
    }
    return false;
  }

  /** What the metrics read at each scrape. */
  get state(): { on: boolean; relayed: number } {
    return { on: this.on, relayed: this.relayed };
  }

  publish(op: HubOp): void {
    if (!this.on) return;
    this.relayed += 1;
    this.nsp.serverSideEmit(RELAY_EVENT, op);
  }

  /**
   * Before this node accepts a plain WebSocket: once every other node has noted that this one holds
   * plain WebSockets (immediately when it already said so). A node that does not answer in time is
   * not waited for: it is down or cut off, and notes the refresh when it comes back.
   */
  async ready(): Promise<void> {
    if (this.announced) return this.confirming;
    this.announced = true;
    this.confirming = new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn('plain-ws relay: not every node confirmed this node as a listener in time');
        resolve();
      }, this.timings.confirmMs);
      timer.unref();
      this.nsp.serverSideEmit(LISTENERS_EVENT, { node: this.node, listening: true }, () => {
        clearTimeout(timer);
        resolve();
      });
    });
    return this.confirming;
  }

  /** After a plain WebSocket closed: the others stop relaying once this node holds none. */
  closed(): void {
    if (this.announced && !this.holdsAny()) {
      this.announced = false;
      this.confirming = undefined;
      this.announce(false);
    }
  }

  close(): void {
    clearInterval(this.refresh);
    if (this.announced) this.announce(false);
    this.announced = false;
  }

  private tick(): void {
    if (this.announced) this.announce(true);
  }

  private announce(listening: boolean): void {
    const note: ListenerNote = { node: this.node, listening };
    // Only `ready` waits for the answers; the event carries an acknowledgement either way.
    this.nsp.serverSideEmit(LISTENERS_EVENT, note, () => undefined);
  }

  private note({ node, listening }: ListenerNote): void {
    if (listening) this.listeners.set(node, this.now() + this.timings.expiryMs);
    else this.listeners.delete(node);
  }
}
