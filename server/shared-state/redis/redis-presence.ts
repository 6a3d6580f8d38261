import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { PresenceChangeListener, PresenceStatus, PresenceTracker } from '../../domain/presence';
import type { Logger } from '../../logger';
import type { RedisClient } from './client';
import { CONNECT, DISCONNECT, HEARTBEAT, LEAVE, presenceKeys, REAP, RECONCILE } from './presence-scripts';
import { Ticker } from './ticker';

export interface RedisPresenceOptions {
  client: RedisClient;
  keyPrefix: string;
  /** A node that stops heartbeating has its users counted offline within this long. */
  ttlMs: number;
  logger: Logger;
  nodeId?: string;
}

/**
 * Presence shared by every node: online while any node holds a socket of the user.
 *
 * Each node counts its sockets per user in Redis next to the totals, and keeps a heartbeat key
 * alive. A node killed without closing its sockets stops heartbeating; a live node's sweep then
 * finds it, reaps it atomically (one reaper per dead node) and reports the users whose total fell
 * to 0, who are announced offline. A node that stops cleanly deregisters instead (close), so the
 * others have nothing to reap. Timing, for ttl T: heartbeat every T/3 with a lifetime of
 * 2T/3 (one heartbeat may be late without harm), sweep every T/6, so a dead node's users are
 * offline at most 2T/3 + T/6 = 5T/6 after it died.
 *
 * The node also keeps its own counts in memory: when its record in Redis went stale (a write
 * failed during an outage, or it was taken for dead and reaped while alive) the next heartbeat
 * rewrites the record from memory and announces whatever that changed.
 */
export class RedisPresence implements PresenceTracker {
  readonly nodeId: string;
  private readonly keys: ReturnType<typeof presenceKeys>;
  private readonly client: RedisClient;
  private readonly ttlMs: number;
  private readonly logger: Logger;
  private readonly local = new Map<string, number>();
  private readonly listeners: PresenceChangeListener[] = [];
  private readonly heartbeat: Ticker;
  private readonly sweeper: Ticker;
  /** A write of this node's counts failed: Redis may disagree with `local` until reconciled. */
  private stale = false;
  private registered = false;

  constructor(opts: RedisPresenceOptions) {
    this.nodeId = opts.nodeId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.keys = presenceKeys(opts.keyPrefix);
    this.client = opts.client;
    this.ttlMs = opts.ttlMs;
    this.logger = opts.logger;
    this.heartbeat = new Ticker(
      'presence heartbeat',
      Math.floor(opts.ttlMs / 3),
      () => this.beat(),
      this.logger,
    );
    this.sweeper = new Ticker('presence sweep', Math.floor(opts.ttlMs / 6), () => this.sweep(), this.logger);
  }

  /** Registers the node (rejects when Redis cannot be reached) and starts heartbeating and sweeping. */
  async start(): Promise<void> {
    await this.beat();
    this.heartbeat.start();
    this.sweeper.start();
  }

  /**
   * A clean stop (after the node's sockets were closed): stops heartbeating and sweeping and
   * deregisters the node at once, so that no other node takes it for dead. Sockets still on record
   * (a close that could not be written) are taken off the totals here, and the users that leaves
   * without any socket are announced offline by this node, as a last close would be. When Redis
   * cannot be reached, the others reap this node within the ttl instead.
   */
  async close(): Promise<void> {
    await Promise.all([this.heartbeat.stop(), this.sweeper.stop()]);
    let gone: string[];
    try {
      gone = await LEAVE.run(
        this.client,
        [this.keys.nodes, this.keys.alive(this.nodeId), this.keys.node(this.nodeId), this.keys.online],
        [this.nodeId],
      );
    } catch (err) {
      this.logger.warn('could not deregister from presence; the other nodes will count its users offline', {
        err,
        within_ms: this.ttlMs,
      });
      return;
    }
    this.local.clear();
    this.logger.info('left presence', { node: this.nodeId, went_offline: gone.length });
    await this.notify(gone, 'offline');
  }

  async connected(userId: string): Promise<boolean> {
    this.local.set(userId, (this.local.get(userId) ?? 0) + 1);
    const total = await this.write(() =>
      CONNECT.run(
        this.client,
        [this.keys.nodes, this.keys.node(this.nodeId), this.keys.online],
        [this.nodeId, userId],
      ),
    );
    return total === 1;
  }

  async disconnected(userId: string): Promise<boolean> {
    const count = this.local.get(userId) ?? 0;
    if (count === 0) return false;
    if (count === 1) this.local.delete(userId);
    else this.local.set(userId, count - 1);
    const total = await this.write(() =>
      DISCONNECT.run(this.client, [this.keys.node(this.nodeId), this.keys.online], [userId]),
    );
    return total === 0;
  }

  async onlineAmong(userIds: readonly string[]): Promise<ReadonlySet<string>> {
    if (userIds.length === 0) return new Set();
    const counts = await this.client.hmGet(this.keys.online, [...userIds]);
    return new Set(userIds.filter((_, i) => Number(counts[i] ?? 0) > 0));
  }

  onExternalChange(listener: PresenceChangeListener): void {
    this.listeners.push(listener);
  }

  /** Runs one sweep now (tests use it instead of waiting for the timer). */
  sweepNow(): Promise<void> {
    return this.sweeper.tick();
  }

  /** Runs one heartbeat now (tests use it instead of waiting for the timer). */
  heartbeatNow(): Promise<void> {
    return this.heartbeat.tick();
  }

  /** A failed write leaves Redis behind this node's own counts: the next heartbeat reconciles. */
  private async write<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      this.stale = true;
      throw err;
    }
  }

  private async beat(): Promise<void> {
    const lapsed = await HEARTBEAT.run(
      this.client,
      [this.keys.nodes, this.keys.alive(this.nodeId)],
      [this.nodeId, Math.floor((this.ttlMs * 2) / 3)],
    );
    // The heartbeat lapsed since the last one: another node may have taken this one for dead and
    // reaped its record (a CONNECT meanwhile re-adds the node to the set, so set membership can't tell).
    if (lapsed === 1 && this.registered) this.stale = true;
    this.registered = true;
    if (this.stale) await this.reconcile();
  }

  private async reconcile(): Promise<void> {
    this.stale = false;
    const counts = [...this.local].flat();
    const [came, went] = await this.write(() =>
      RECONCILE.run(this.client, [this.keys.node(this.nodeId), this.keys.online], counts),
    );
    if (came.length + went.length > 0) {
      this.logger.info('presence restored after an outage', {
        came_online: came.length,
        went_offline: went.length,
      });
    }
    await this.notify(came, 'online');
    await this.notify(went, 'offline');
  }

  private async sweep(): Promise<void> {
    const nodes = await this.client.sMembers(this.keys.nodes);
    for (const nodeId of nodes) {
      if (nodeId === this.nodeId || (await this.client.exists(this.keys.alive(nodeId))) > 0) continue;
      const [claimed, gone] = await REAP.run(
        this.client,
        [this.keys.nodes, this.keys.alive(nodeId), this.keys.node(nodeId), this.keys.online],
        [nodeId],
      );
      if (claimed === 0) continue;
      this.logger.info('reaped a node that stopped heartbeating', {
        node: nodeId,
        went_offline: gone.length,
      });
      await this.notify(gone, 'offline');
    }
  }

  private async notify(userIds: readonly string[], status: PresenceStatus): Promise<void> {
    if (userIds.length === 0) return;
    for (const listener of this.listeners) {
      await listener(userIds, status).catch((err: unknown) => {
        this.logger.error('announcing a presence change failed', { status, users: userIds.length, err });
      });
    }
  }
}
