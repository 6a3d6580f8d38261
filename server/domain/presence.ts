/**
 * Who is online: a user is online while they hold at least one socket. The realtime layer reports
 * connects and disconnects; an implementation shared between nodes can replace the in-process one.
 */
export interface PresenceTracker {
  /** Counts a new socket of the user; true when it is their first (they came online). */
  connected(userId: string): Promise<boolean>;
  /** Counts a closed socket of the user; true when it was their last (they went offline). */
  disconnected(userId: string): Promise<boolean>;
  onlineAmong(userIds: readonly string[]): Promise<ReadonlySet<string>>;
}
