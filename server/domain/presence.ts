export type PresenceStatus = 'online' | 'offline';

/**
 * Users whose presence changed without a socket of this node connecting or closing: another node
 * died with their sockets, or this node's own entries were restored after it had been taken for
 * dead. Called on one node only, so each change is announced once.
 */
export type PresenceChangeListener = (userIds: readonly string[], status: PresenceStatus) => Promise<void>;

/**
 * Who is online: a user is online while they hold at least one socket on any node. The realtime
 * layer reports connects and disconnects; an implementation shared between nodes can replace the
 * in-process one.
 */
export interface PresenceTracker {
  /** Counts a new socket of the user; true when it is their first (they came online). */
  connected(userId: string): Promise<boolean>;
  /** Counts a closed socket of the user; true when it was their last (they went offline). */
  disconnected(userId: string): Promise<boolean>;
  onlineAmong(userIds: readonly string[]): Promise<ReadonlySet<string>>;
  /** Registers the listener for changes no connect or disconnect reported (see PresenceChangeListener). */
  onExternalChange(listener: PresenceChangeListener): void;
}
