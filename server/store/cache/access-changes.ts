/** These users' membership or role in this room changed (joined, left, accepted an invite, became owner). */
export interface AccessChange {
  roomId: string;
  userIds: readonly string[];
}

/** What a node does with the changes the other nodes make. */
export interface AccessChangeListener {
  /** Another node changed these users' access: forget what was cached of it. */
  changed(change: AccessChange): void;
  /** Changes may have been missed (the channel dropped): forget everything. */
  missed(): void;
}

/**
 * How the nodes of one service tell each other that access changed, so that each node's cache
 * of room access (./access-cache.ts) never outlives a change another node made. One node needs
 * nobody to tell: ./single-node-access-changes.ts; with Redis: shared-state/redis.
 */
export interface AccessChanges {
  /**
   * False while changes made elsewhere might not arrive (the channel is down): the cache then
   * keeps nothing and every check reads the store.
   */
  readonly live: boolean;
  /**
   * Tells every other node; resolves once each has applied the change, or after a bounded wait
   * (a node that answers late has still received it). Never rejects: the write it follows is
   * committed already, and the TTL of cached entries covers a change that got lost.
   */
  publish(change: AccessChange): Promise<void>;
  /** The one listener (the node's cache). */
  listen(listener: AccessChangeListener): void;
}
