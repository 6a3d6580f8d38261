import type {
  HistoryPage,
  Invite,
  Member,
  MemberRole,
  Message,
  Reaction,
  Room,
} from '../../shared/schemas/objects';
import type { PageKey } from '../../shared/schemas/page-cursor';
import type { MessageType } from '../../shared/schemas/primitives';
import type { WebhookStore } from './webhook-types';
import type { ConversationStore } from './conversation-types';
import { WEBHOOK_EVENT_TYPES } from '../../shared/schemas/webhooks';

/**
 * The one storage interface. Every method is asynchronous so that network databases and batched
 * commits fit behind it without touching callers. Implementations: ./sqlite and ./postgres, all
 * run through the same test suite (tests/store).
 */
export interface ChatStore extends ConversationStore {
  /** Resolves when storage answers; rejects when it does not (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;

  /** Records a user's latest display name (used for members who have not spoken yet). */
  rememberUser(user: { id: string; name: string }): Promise<void>;
  /** Records when a user was last seen (came online or went offline). */
  setLastSeen(userId: string, at: string): Promise<void>;
  /** The known users among `userIds` (unknown ids are left out). */
  getUsers(userIds: readonly string[]): Promise<StoredUser[]>;
  /** Those of `userIds` who share at least one room with `viewerId`. */
  usersSharingRoomWith(viewerId: string, userIds: readonly string[]): Promise<string[]>;

  createRoom(room: NewRoom, members: NewMember[]): Promise<void>;
  /** The room as `viewerId` sees it (membership and read state), or null when it does not exist. */
  getRoom(roomId: string, viewerId: string): Promise<Room | null>;
  /**
   * Public rooms and the private rooms `viewerId` belongs to, oldest first (created_at, then id).
   * With a page: at most `limit` of them, those after its key.
   */
  listRooms(viewerId: string, page?: PageQuery): Promise<Room[]>;
  /**
   * The room's members in `(joined_at, user_id)` order; with a page, at most `limit` of them after
   * its key (`at`: joined_at, `id`: user_id).
   */
  listMembers(roomId: string, page?: PageQuery): Promise<StoredMember[]>;
  getMember(roomId: string, userId: string): Promise<StoredMember | null>;
  /**
   * What access checks need of a room and one user, without counting members or reading state:
   * null when the room does not exist. Cheap enough for every event; cached above the store.
   */
  roomAccess(roomId: string, userId: string): Promise<RoomAccess | null>;
  /** Adds the ones not yet members, with their read position at the room's last seq; returns those. */
  addMembers(roomId: string, members: NewMember[]): Promise<StoredMember[]>;
  /** Removes a member; when the last owner leaves, the longest-standing member becomes owner. */
  removeMember(roomId: string, userId: string): Promise<RemovedMember>;
  roomIdsOf(userId: string): Promise<string[]>;
  /** Every member's read position in the room. */
  memberReadPositions(roomId: string): Promise<{ user_id: string; last_read_seq: number }[]>;
  /**
   * Moves a member's read position forward to `seq` (clamped to the room's last seq; never
   * backwards). Null when the user is not a member.
   */
  markRead(roomId: string, userId: string, seq: number): Promise<ReadPosition | null>;

  /**
   * Invites each of `userIds` (each once) who is neither a member nor already invited; answers
   * those newly invited, in the order given. Nothing for a room that does not exist.
   */
  addInvites(roomId: string, userIds: readonly string[], invitedBy: string, at: string): Promise<string[]>;
  /** Whether the user has a pending invite to the room. */
  hasInvite(roomId: string, userId: string): Promise<boolean>;
  /**
   * Accepts a pending invite in one transaction: deletes it and adds the member with their read
   * position at the room's last seq. Answers the new member; null when there was no pending invite
   * (nothing changes) or the user already was a member (the invite is gone).
   */
  acceptInvite(roomId: string, member: NewMember): Promise<StoredMember | null>;
  /** Deletes a pending invite; false when there was none. */
  declineInvite(roomId: string, userId: string): Promise<boolean>;
  /**
   * The user's pending invites, oldest first (invited_at, then room id; the key's `id` is the room
   * id), at most `limit` after the page's key. Rooms the user is already a member of are left out.
   */
  listInvites(userId: string, page: PageQuery): Promise<Invite[]>;

  /**
   * Stores a message with the room's next seq, in one transaction with: the parent's reply_count,
   * the sender's read position, and the `(room, user, client_id)` idempotency check.
   */
  insertMessage(message: NewMessage): Promise<InsertedMessage>;
  getMessage(messageId: string): Promise<Message | null>;
  listMessages(query: HistoryQuery): Promise<HistoryPage>;
  /**
   * Replaces the content and its mentions and sets edited_at; null when the message does not
   * exist or is deleted
   * (checked in the same statement, so an edit racing a delete cannot revive a tombstone).
   */
  editMessage(
    messageId: string,
    content: string,
    editedAt: string,
    mentions: readonly string[],
  ): Promise<Message | null>;
  /**
   * Turns the message into its tombstone (content "", deleted, reactions, mentions and pin gone;
   * id, seq, thread and reply_count kept). Null when the message does not exist.
   */
  deleteMessage(messageId: string): Promise<Message | null>;

  /**
   * One reaction per (message, user, emoji), within `caps`: the count check and the insert are one
   * atomic step, so concurrent adds from any socket or node never overshoot a cap. 'exists' when
   * the user already had this emoji there (nothing changes, whatever the caps).
   */
  addReaction(
    messageId: string,
    userId: string,
    emoji: string,
    at: string,
    caps: ReactionCaps,
  ): Promise<AddReactionOutcome>;
  /** False when there was nothing to remove. */
  removeReaction(messageId: string, userId: string, emoji: string): Promise<boolean>;
  /**
   * The message's reactions: each emoji with its exact count and its first users (at most the
   * store's `reactionUsersShown`), ordered by first use. Every Message a store returns carries these.
   */
  reactionsOf(messageId: string): Promise<Reaction[]>;

  /**
   * The change feed: the room's messages changed after `afterVersion` (new, edited, deleted,
   * reacted to, replied to), each once in its current state with the version of its latest change,
   * ascending by version, at most `limit`. Versions are taken per room with no gap, in the
   * transaction of each change (see sqlite/changes-sql.ts).
   */
  listChanges(roomId: string, afterVersion: number, limit: number): Promise<ChangesPage>;
  /** The outbox: room events after `afterId` (0 for the first), oldest first, at most `limit`. */
  readOutbox(afterId: number, limit: number): Promise<OutboxEntry[]>;

  /** Outgoing webhooks: the hooks, their deliveries and the dispatcher's lease (webhook-types.ts). */
  readonly webhooks: WebhookStore;
}

export interface MessageChange {
  /** The version of the message's latest change. */
  version: number;
  message: Message;
}

export interface ChangesPage {
  changes: MessageChange[];
  /** Whether changes after the last one listed exist. */
  has_more: boolean;
  /** The room's latest version when the page was read. */
  room_version: number;
}

/** What the outbox records: exactly the events webhooks deliver. */
export const OUTBOX_TYPES = WEBHOOK_EVENT_TYPES;
export type OutboxType = (typeof OUTBOX_TYPES)[number];

/** One room event, appended in the transaction of the change it names. */
export interface OutboxEntry {
  /** Increasing in commit order within a room (and across rooms on one database). */
  id: number;
  room_id: string;
  /** The room's version the change took; null for joins and leaves. */
  version: number | null;
  type: OutboxType;
  /** The message changed (message and reaction events). */
  message_id: string | null;
  /** The member who joined or left, or the target of a moderation action (member events). */
  user_id: string | null;
  /** The moderation record (`member.moderated`; see getModerationAction); null otherwise. */
  action_id: number | null;
  created_at: string;
}

/** A keyset page: at most `limit` rows after `after` (from the first row when null). */
export interface PageQuery {
  limit: number;
  after: PageKey | null;
}

/** The bounds on one message's reactions, enforced by `addReaction`. */
export interface ReactionCaps {
  /** Distinct emoji on the message. */
  perMessage: number;
  /** Distinct emoji one user has on the message (an emoji others already use counts here only). */
  perUser: number;
}

/** 'message_full': a new emoji past `perMessage`; 'user_full': past the user's `perUser`. */
export type AddReactionOutcome = 'added' | 'exists' | 'message_full' | 'user_full';

export interface RoomAccess {
  is_private: boolean;
  /** The user's role in the room; null when not a member. */
  role: MemberRole | null;
  /** A direct message (no moderation, no invites, never left). */
  is_dm: boolean;
  /** Until when the user is muted (a past time: no longer muted); null when never muted. */
  muted_until: string | null;
}

export interface StoredUser {
  user_id: string;
  username: string;
  last_seen: string | null;
}

export interface ReadPosition {
  last_read_seq: number;
  last_message_seq: number;
  /** False when the position did not move (an older or equal seq). */
  changed: boolean;
}

export interface NewRoom {
  id: string;
  name: string;
  description: string | null;
  is_private: boolean;
  created_by: string;
  created_at: string;
}

export interface NewMember {
  user_id: string;
  role: MemberRole;
  joined_at: string;
}

export type StoredMember = Omit<Member, 'online'>;

export interface RemovedMember {
  removed: boolean;
  /** The member who became owner because of this removal, if any. */
  newOwnerId: string | null;
}

export interface NewMessage {
  id: string;
  room_id: string;
  user_id: string;
  username: string;
  content: string;
  message_type: MessageType;
  parent_id: string | null;
  client_id: string | null;
  timestamp: string;
  /** Member ids mentioned (already filtered to members, deduplicated, capped). */
  mentions: readonly string[];
}

export interface InsertedMessage {
  message: Message;
  /** False when `client_id` matched an earlier message, which is returned instead. */
  created: boolean;
  /** The thread parent after its reply_count rose, when this was a new reply. */
  parent: Message | null;
}

export interface HistoryQuery {
  room_id: string;
  /** Only this thread's replies; null for every message of the room. */
  parent_id: string | null;
  before_seq: number | null;
  after_seq: number | null;
  limit: number;
}
