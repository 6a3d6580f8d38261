/**
 * What is rate limited. Per user for authenticated calls; per client address for calls without a
 * valid token, Socket.IO / WebSocket handshakes and Admin UI logins.
 */
export const RATE_LIMIT_KINDS = [
  /** message:send, message:edit, message:delete, message:pin, message:unpin */
  'message',
  /** typing:update */
  'typing',
  /** reaction:add, reaction:remove */
  'reaction',
  /**
   * Reads: room:list, room:get, invite:list, message:history, presence:get, mention:list,
   * message:search, room:pins and their HTTP routes.
   */
  'read',
  /**
   * room:join, room:leave, room:decline, room:read and the moderation events member:role, remove,
   * ban, unban, mute, unmute (writes that change membership, roles or read state).
   */
  'membership',
  /** room:create, dm:open (every call, whether or not it creates the room) */
  'room',
  /** One point per user invited (room:invite, or room:create's invited_users). */
  'invite',
  /** Calls without a valid token, per client address. */
  'unauthenticated',
  /** New Socket.IO and /ws connections, per client address. */
  'handshake',
  /** Admin UI login attempts with a password, per client address (before any hash is computed). */
  'adminLogin',
] as const;
export type RateLimitKind = (typeof RATE_LIMIT_KINDS)[number];

/**
 * Spends `points` (default 1) of `kind` for `key`; rejects with a RATE_LIMITED ChatError (carrying
 * the retry delay) when the budget is spent. In-process, or shared through Redis across nodes.
 */
export interface RateLimiter {
  consume(kind: RateLimitKind, key: string, points?: number): Promise<void>;
}

/**
 * Every budget, as configured. Only the first three are required so that tests can build a limiter
 * for what they exercise; the rest default to DEFAULT_RATE_BUDGETS (listed in docs/limits.md).
 */
export interface RateBudgets {
  messagesPerSecond: number;
  typingPerSecond: number;
  unauthenticatedPerMinute: number;
  reactionsPerSecond?: number;
  readsPerSecond?: number;
  membershipPerSecond?: number;
  roomsPerMinute?: number;
  invitesPerMinute?: number;
  handshakesPerMinute?: number;
  adminLoginsPerMinute?: number;
}

export const DEFAULT_RATE_BUDGETS: Readonly<Required<RateBudgets>> = Object.freeze({
  messagesPerSecond: 20,
  typingPerSecond: 10,
  unauthenticatedPerMinute: 120,
  reactionsPerSecond: 10,
  readsPerSecond: 50,
  membershipPerSecond: 10,
  roomsPerMinute: 10,
  invitesPerMinute: 1000,
  handshakesPerMinute: 1200,
  adminLoginsPerMinute: 10,
});
