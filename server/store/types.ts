import type { HistoryPage, Member, MemberRole, Message, Reaction, Room } from '../../shared/schemas/objects';
import type { MessageType } from '../../shared/schemas/primitives';

/**
 * The one storage interface. Every method is asynchronous so that network databases and batched
 * commits fit behind it without touching callers. Implementations: ./sqlite and ./postgres, all
 * run through the same test suite (tests/store).
 */
export interface ChatStore {
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
  /** Public rooms and the private rooms `viewerId` belongs to, oldest first. */
  listRooms(viewerId: string): Promise<Room[]>;
  listMembers(roomId: string): Promise<StoredMember[]>;
  getMember(roomId: string, userId: string): Promise<StoredMember | null>;
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
   * Stores a message with the room's next seq, in one transaction with: the parent's reply_count,
   * the sender's read position, and the `(room, user, client_id)` idempotency check.
   */
  insertMessage(message: NewMessage): Promise<InsertedMessage>;
  getMessage(messageId: string): Promise<Message | null>;
  listMessages(query: HistoryQuery): Promise<HistoryPage>;
  /**
   * Replaces the content and sets edited_at; null when the message does not exist or is deleted
   * (checked in the same statement, so an edit racing a delete cannot revive a tombstone).
   */
  editMessage(messageId: string, content: string, editedAt: string): Promise<Message | null>;
  /**
   * Turns the message into its tombstone (content "", deleted, reactions gone; id, seq, thread
   * and reply_count kept). Null when the message does not exist.
   */
  deleteMessage(messageId: string): Promise<Message | null>;

  /** One reaction per (message, user, emoji): false when it was already there. */
  addReaction(messageId: string, userId: string, emoji: string, at: string): Promise<boolean>;
  /** False when there was nothing to remove. */
  removeReaction(messageId: string, userId: string, emoji: string): Promise<boolean>;
  /** The message's reactions: each emoji with its count and users, ordered by first use. */
  reactionsOf(messageId: string): Promise<Reaction[]>;
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
