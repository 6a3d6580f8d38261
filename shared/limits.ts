import * as z from 'zod';

/**
 * Every limit of the contract. The server reads them from the environment (see server/config);
 * clients get the defaults so they can validate before sending.
 */
export const limitsSchema = z.object({
  contentMax: z.number().int().positive(),
  roomNameMax: z.number().int().positive(),
  descriptionMax: z.number().int().nonnegative(),
  emojiMax: z.number().int().positive(),
  invitedUsersMax: z.number().int().positive(),
  historyMax: z.number().int().positive(),
  historyDefault: z.number().int().positive(),
  /** room:list / GET /api/rooms (and the pending-invite list) page size. */
  roomListMax: z.number().int().positive(),
  roomListDefault: z.number().int().positive(),
  /** Distinct emoji on one message. */
  reactionsPerMessageMax: z.number().int().positive(),
  /** Distinct emoji one user may put on one message. */
  reactionsPerUserMax: z.number().int().positive(),
  /** A reaction lists at most this many `user_ids` (its `count` is always exact). */
  reactionUsersShown: z.number().int().positive(),
  clientIdMax: z.number().int().positive(),
  messagesPerSecond: z.number().positive(),
  typingPerSecond: z.number().positive(),
  packetBytes: z.number().int().positive(),
  bodyBytes: z.number().int().positive(),
});
export type Limits = z.infer<typeof limitsSchema>;

export const DEFAULT_LIMITS: Limits = Object.freeze({
  contentMax: 4000,
  roomNameMax: 100,
  descriptionMax: 1000,
  emojiMax: 32,
  invitedUsersMax: 1000,
  historyMax: 100,
  historyDefault: 50,
  roomListMax: 100,
  roomListDefault: 50,
  reactionsPerMessageMax: 32,
  reactionsPerUserMax: 10,
  reactionUsersShown: 10,
  clientIdMax: 64,
  messagesPerSecond: 20,
  typingPerSecond: 10,
  packetBytes: 1_000_000,
  bodyBytes: 1_000_000,
});

/**
 * A RoomDetail lists at most this many members, the longest-standing first; its `member_count` is
 * always exact and `room:members` pages through them all. Fixed, so a join's answer costs the same
 * in a room of ten and in a room of a hundred thousand.
 */
export const ROOM_MEMBERS_SHOWN = 100;

/** Lengths that are part of the identity model rather than tunable limits. */
export const USER_ID_PATTERN = /^[A-Za-z0-9_.:@-]{1,64}$/;
export const DISPLAY_NAME_MAX = 64;
export const SHORT_CODE_PATTERN = /^:[a-z0-9_+-]{1,30}:$/;

/** Pinned messages in one room at most: pinning past it is a CONFLICT (unpin one first). */
export const PINS_PER_ROOM_MAX = 100;
/** Mentions one message records at most (the first ones in the content). */
export const MENTIONS_PER_MESSAGE_MAX = 50;
/** Search: longest query (UTF-16 units), page size, and how deep pages go (results past it are not served). */
export const SEARCH_QUERY_MAX = 200;
export const SEARCH_PAGE_MAX = 50;
export const SEARCH_PAGE_DEFAULT = 20;
export const SEARCH_DEPTH_MAX = 500;
/** A mute lasts from one second to thirty days. */
export const MUTE_MIN_MS = 1000;
export const MUTE_MAX_MS = 30 * 24 * 60 * 60 * 1000;
