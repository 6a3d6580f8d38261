import type {
  MemberRole,
  Message,
  ModerationActionKind,
  ModerationEvent,
} from '../../shared/schemas/objects';
import type { PageQuery } from './types';

/**
 * What the store keeps for the conversation features of hosted chat APIs: direct messages,
 * mentions, search, moderation and pins. Part of ChatStore (./types.ts); both stores implement
 * it and tests/store runs the same tests against each.
 */
export interface ConversationStore {
  /**
   * The direct-message room of a pair: creates it (private, `is_dm`, both users members with role
   * 'member', read positions at 0) unless the pair has one, in one atomic step keyed by the pair,
   * so concurrent opens from any node all answer the same room. `created` is true for the one call
   * that made it; every other call answers the existing room's id (and ignores `id`/`name`).
   */
  openDirectRoom(room: NewDirectRoom): Promise<{ room_id: string; created: boolean }>;

  /** Those of `userIds` who are members of the room, in the order given. */
  membersAmong(roomId: string, userIds: readonly string[]): Promise<string[]>;
  /**
   * The messages mentioning `userId`, newest first by (timestamp, id), strictly before the page's
   * key (`at`: the message's timestamp, `id`: its id), at most `limit`. Deleted messages and rooms
   * the user is no longer a member of are left out.
   */
  listMentions(userId: string, page: PageQuery): Promise<Message[]>;

  /**
   * Full-text search with stemming (SQLite FTS5 porter, PostgreSQL `english` tsvector) over the
   * messages that are not deleted, in the rooms `viewer_id` may read: public rooms and the rooms
   * they are a member of (only `room_id` when given). A message matches when it holds every term
   * (by stem). Best first (then newest first), `offset` results skipped, at most `limit`.
   */
  searchMessages(query: SearchQuery): Promise<SearchHit[]>;

  /**
   * Applies one moderation action in one transaction with its record (and its outbox entry, type
   * `member.moderated`); answers the record, or null when nothing changed (nothing is recorded):
   * - promote: a 'member' becomes 'moderator'; demote: a 'moderator' becomes 'member';
   * - remove: the member (never the owner) is removed, as a leave but without owner hand-over;
   * - ban: as remove (when a member) plus their pending invite dropped and a ban recorded, so
   *   that they cannot join or be invited; a non-member can be banned too; changed when either
   *   the membership or the ban is new;
   * - unban: the ban is lifted;
   * - mute: a member is muted until `muted_until` (replacing an earlier mute; kept if they leave
   *   and rejoin); unmute: the mute is lifted.
   * The owner is never the target of remove, ban, mute, promote or demote (null).
   */
  moderate(action: NewModerationAction): Promise<ModerationEvent | null>;
  /** Whether the user is banned from the room. */
  isBanned(roomId: string, userId: string): Promise<boolean>;
  /** A moderation record by its id (what a `member.moderated` outbox entry names). */
  getModerationAction(id: number): Promise<ModerationEvent | null>;

  /**
   * Pins a message (not deleted) unless pinned; 'full' when the room already has `maxPins`
   * pinned (checked in the same atomic step). Pinning changes the message: it takes the room's
   * next version and is announced as `message.updated`.
   */
  pinMessage(messageId: string, by: string, at: string, maxPins: number): Promise<PinOutcome>;
  /** Unpins; false when the message was not pinned. A deleted message loses its pin. */
  unpinMessage(messageId: string): Promise<boolean>;
  /** The room's pinned messages, the most recently pinned first. */
  listPins(roomId: string): Promise<Message[]>;
}

export interface NewDirectRoom {
  id: string;
  name: string;
  /** The pair, in ascending order (the store's key for it); two different users. */
  user_ids: readonly [string, string];
  created_by: string;
  created_at: string;
}

export interface SearchQuery {
  viewer_id: string;
  /** Words to match (letters and digits only, lower case, 1 to 16 of them). */
  terms: readonly string[];
  room_id: string | null;
  limit: number;
  offset: number;
}

/** Marks the store puts around each match in `highlight`; the domain turns them into HTML. */
export const HIGHLIGHT_START = '\u0002';
export const HIGHLIGHT_END = '\u0003';

export interface SearchHit {
  message: Message;
  /**
   * The content (or, for long contents, the passage around the matches, `…` where cut) with each
   * match between HIGHLIGHT_START and HIGHLIGHT_END. Not escaped.
   */
  highlight: string;
  /** Higher is better. */
  rank: number;
}

export interface NewModerationAction {
  room_id: string;
  action: ModerationActionKind;
  user_id: string;
  by: string;
  /** With `mute` only; null otherwise. */
  muted_until: string | null;
  at: string;
}

export type PinOutcome = 'pinned' | 'already' | 'full' | 'missing';

/** The roles moderation sets. */
export type GrantedRole = Exclude<MemberRole, 'owner'>;
