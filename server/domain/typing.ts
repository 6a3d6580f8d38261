import type { TypingUser } from '../../shared/schemas/objects';

/**
 * Who is typing in which room, each entry expiring unless renewed. In-process today; a shared
 * implementation can replace it.
 */
export interface TypingTracker {
  /**
   * An entry neither renewed nor stopped has expired, and its expiry been reported, at most this
   * long after it was last set (the timeout plus one sweep).
   */
  readonly lifetimeMs: number;
  /** Starts, renews or stops `user` typing in `roomId`; the room's new list when it changed, else null. */
  set(roomId: string, user: TypingUser, isTyping: boolean): Promise<TypingUser[] | null>;
  /** Stops the user typing everywhere; the rooms whose list changed, with their new lists. */
  clearUser(userId: string): Promise<Map<string, TypingUser[]>>;
  list(roomId: string): Promise<TypingUser[]>;
  /** Called with each room whose list changed because entries expired. */
  onExpired(listener: (roomId: string, users: TypingUser[]) => void): void;
  close(): void;
}
