import { z } from 'zod';
import type { Logger } from '../../logger';
import type { AccessChange, AccessChangeListener, AccessChanges } from '../../store/cache/access-changes';
import type { RedisClient } from './client';

/** How long a write waits for the other nodes to confirm they applied its access change. */
export const DEFAULT_ACK_TIMEOUT_MS = 1000;

const noticeSchema = z.object({
  node: z.string(),
  id: z.number().int().positive(),
  room: z.string(),
  users: z.array(z.string()),
});
type Notice = z.infer<typeof noticeSchema>;

export interface RedisAccessChangesOptions {
  /**
   * Sends notices and confirmations. A client that holds commands while Redis is unreachable, so
   * that a notice of a committed write still goes out when Redis is back.
   */
  publisher: RedisClient;
  /** A connection of its own: subscribing puts it in subscriber mode. */
  subscriber: RedisClient;
  keyPrefix: string;
  /** This node's id (unique among the nodes sharing the prefix). */
  nodeId: string;
  logger: Logger;
  ackTimeoutMs?: number;
}

interface Waiter {
  /** How many subscribers Redis delivered the notice to (this node's own included); null until known. */
  expected: number | null;
  confirmed: number;
  finish(): void;
}

/**
 * Access changes between nodes over plain Redis pub/sub, on `<prefix>access-changes`. The writer
 * waits until every node that received the notice has applied it: PUBLISH answers how many
 * subscribers it reached, each one confirms on the writer's own channel
 * (`<prefix>access-acks:<node>`) right after forgetting the pairs, and the writer's own
 * subscription counts as one. So a leave is acknowledged only once no node can still serve the
 * leaver as a member, unless a node stays silent past `ackTimeoutMs` (it has the notice then, just
 * not processed yet).
 *
 * Pub/sub keeps nothing for a subscriber that is away, so the channel is `live` only while the
 * subscription stands: when the connection drops the cache forgets everything and keeps nothing,
 * and once it is back (node-redis subscribes again before it reports ready) the cache forgets
 * again whatever it read meanwhile, then fills anew.
 */
export class RedisAccessChanges implements AccessChanges {
  private readonly publisher: RedisClient;
  private readonly subscriber: RedisClient;
  private readonly channel: string;
  private readonly prefix: string;
  private readonly nodeId: string;
  private readonly logger: Logger;
  private readonly ackTimeoutMs: number;
  private listener: AccessChangeListener | undefined;
  private subscribed = false;
  private closed = false;
  private lastId = 0;
  private readonly waiting = new Map<number, Waiter>();

  constructor(opts: RedisAccessChangesOptions) {
    this.publisher = opts.publisher;
    this.subscriber = opts.subscriber;
    this.prefix = opts.keyPrefix;
    this.channel = `${opts.keyPrefix}access-changes`;
    this.nodeId = opts.nodeId;
    this.logger = opts.logger;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
    const missed = (): void => this.listener?.missed();
    this.subscriber.on('error', missed);
    this.subscriber.on('end', missed);
    this.subscriber.on('reconnecting', missed);
    this.subscriber.on('ready', missed);
  }

  get live(): boolean {
    return this.subscribed && !this.closed && this.subscriber.isReady;
  }

  /** Subscribes; resolves once notices reach this node (before it serves anything). */
  async start(): Promise<void> {
    await this.subscriber.subscribe(this.channel, (message) => this.received(message));
    await this.subscriber.subscribe(this.ackChannel(this.nodeId), (message) => this.confirmed(message));
    this.subscribed = true;
  }

  listen(listener: AccessChangeListener): void {
    this.listener = listener;
  }

  publish(change: AccessChange): Promise<void> {
    const id = ++this.lastId;
    const notice: Notice = { node: this.nodeId, id, room: change.roomId, users: [...change.userIds] };
    const sending = this.publisher.publish(this.channel, JSON.stringify(notice));
    if (!this.live) {
      // This node hears nothing now, and Redis is most likely away for the others too (their
      // caches are off meanwhile): the notice goes out when Redis is back, without a wait here.
      sending.catch((err: unknown) => this.logger.warn('access change notice not sent', { err }));
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn('nodes did not confirm an access change in time', {
          room_id: change.roomId,
          expected: waiter.expected,
          confirmed: waiter.confirmed,
          timeout_ms: this.ackTimeoutMs,
        });
        waiter.finish();
      }, this.ackTimeoutMs);
      const waiter: Waiter = {
        expected: null,
        confirmed: 0,
        finish: () => {
          clearTimeout(timer);
          this.waiting.delete(id);
          resolve();
        },
      };
      this.waiting.set(id, waiter);
      sending.then(
        (receivers) => {
          waiter.expected = receivers;
          this.settleIfDone(waiter);
        },
        (err: unknown) => {
          this.logger.warn('access change notice not sent', { err });
          waiter.finish();
        },
      );
    });
  }

  /**
   * Stops listening and releases every write still waiting for confirmations. Unsubscribes first:
   * a node still counted among the channel's receivers but no longer confirming would make every
   * other node's membership change wait the full timeout while it shuts down. Bounded, as Redis
   * may be away.
   */
  async close(): Promise<void> {
    if (this.subscribed && this.subscriber.isReady) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.subscriber.unsubscribe(this.channel).catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.ackTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
    }
    this.closed = true;
    for (const waiter of [...this.waiting.values()]) waiter.finish();
  }

  private received(message: string): void {
    if (this.closed) return;
    const notice = parseNotice(message);
    if (!notice) {
      this.logger.warn('unreadable access change notice; forgetting every cached access', { message });
      this.listener?.missed();
      return;
    }
    if (notice.node === this.nodeId) {
      this.confirm(notice.id);
      return;
    }
    this.listener?.changed({ roomId: notice.room, userIds: notice.users });
    this.publisher
      .publish(this.ackChannel(notice.node), String(notice.id))
      .catch((err: unknown) => this.logger.debug('access change not confirmed', { err }));
  }

  private confirmed(message: string): void {
    const id = Number(message);
    if (Number.isInteger(id)) this.confirm(id);
  }

  private confirm(id: number): void {
    const waiter = this.waiting.get(id);
    if (!waiter) return;
    waiter.confirmed += 1;
    this.settleIfDone(waiter);
  }

  private settleIfDone(waiter: Waiter): void {
    if (waiter.expected !== null && waiter.confirmed >= waiter.expected) waiter.finish();
  }

  private ackChannel(nodeId: string): string {
    return `${this.prefix}access-acks:${nodeId}`;
  }
}

function parseNotice(message: string): Notice | undefined {
  try {
    const parsed = noticeSchema.safeParse(JSON.parse(message));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
