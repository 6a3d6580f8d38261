import * as z from 'zod';
import { entityIdSchema, messageTypeSchema, seqSchema, timestampSchema, userIdSchema } from './primitives';

/** Objects the server sends. Every field is always present; an absent value is null. */

export const reactionSchema = z.object({
  emoji: z.string(),
  count: z.number().int().positive(),
  user_ids: z.array(userIdSchema),
});
export type Reaction = z.infer<typeof reactionSchema>;

export const messageSchema = z.object({
  id: entityIdSchema,
  room_id: entityIdSchema,
  seq: z.number().int().positive(),
  user_id: userIdSchema,
  username: z.string(),
  content: z.string(),
  message_type: messageTypeSchema,
  parent_id: entityIdSchema.nullable(),
  reply_count: z.number().int().nonnegative(),
  reactions: z.array(reactionSchema),
  client_id: z.string().nullable(),
  timestamp: timestampSchema,
  edited_at: timestampSchema.nullable(),
  deleted: z.boolean(),
  /**
   * The room's version at the message's latest change (new, edit, delete, reaction, reply count):
   * versions rise by one with every change in the room; `room:sync` lists what changed after one.
   */
  version: z.number().int().nonnegative(),
  /**
   * The room members this message mentions (`@user_id` in its content, read on send and on every
   * edit), each once, in the order they first appear. Ids that are not members are left out.
   */
  mentions: z.array(userIdSchema),
  /** When the message was pinned and by whom; both null while it is not pinned. */
  pinned_at: timestampSchema.nullable(),
  pinned_by: userIdSchema.nullable(),
});
export type Message = z.infer<typeof messageSchema>;

export const roomSchema = z.object({
  id: entityIdSchema,
  name: z.string(),
  description: z.string().nullable(),
  is_private: z.boolean(),
  created_by: userIdSchema,
  created_at: timestampSchema,
  member_count: z.number().int().nonnegative(),
  is_member: z.boolean(),
  /** The caller's read position; null when the caller is not a member. */
  last_read_seq: seqSchema.nullable(),
  unread_count: z.number().int().nonnegative(),
  last_message_seq: seqSchema,
  /** A direct message: the one private room of two users (`dm:open`); never joined by anyone else. */
  is_dm: z.boolean(),
  /** Unread messages (after the caller's read position, not deleted) that mention the caller. */
  unread_mentions: z.number().int().nonnegative(),
  /** Until when the caller is muted in this room; null when the caller is not muted. */
  muted_until: timestampSchema.nullable(),
});
export type Room = z.infer<typeof roomSchema>;

/**
 * The owner (one per room) promotes and demotes moderators; the owner and moderators remove, ban,
 * mute and pin. In a direct message both users are members.
 */
export const memberRoleSchema = z.enum(['owner', 'moderator', 'member']);
export type MemberRole = z.infer<typeof memberRoleSchema>;

export const memberSchema = z.object({
  user_id: userIdSchema,
  username: z.string(),
  role: memberRoleSchema,
  joined_at: timestampSchema,
  online: z.boolean(),
});
export type Member = z.infer<typeof memberSchema>;

/**
 * `members`: the first ROOM_MEMBERS_SHOWN (see ../limits) by `joined_at`; when `member_count` is
 * larger, `room:members` pages through the rest.
 */
export const roomDetailSchema = roomSchema.extend({ members: z.array(memberSchema) });
export type RoomDetail = z.infer<typeof roomDetailSchema>;

/** `next_cursor` asks for the page after this one; null on the last page. */
const nextCursorSchema = z.string().nullable();

/** A page of a room's members in `joined_at` order (online flags as in a RoomDetail). */
export const memberListSchema = z.object({ members: z.array(memberSchema), next_cursor: nextCursorSchema });
export type MemberList = z.infer<typeof memberListSchema>;

export const roomListSchema = z.object({ rooms: z.array(roomSchema), next_cursor: nextCursorSchema });
export type RoomList = z.infer<typeof roomListSchema>;

/**
 * A pending invitation, as its invitee sees it: what the room is and who asked. The invitee is not
 * a member until they join (accept); they may also decline.
 */
export const inviteSchema = z.object({
  room_id: entityIdSchema,
  room_name: z.string(),
  description: z.string().nullable(),
  is_private: z.boolean(),
  invited_by: userIdSchema,
  inviter_username: z.string(),
  invited_at: timestampSchema,
});
export type Invite = z.infer<typeof inviteSchema>;

export const inviteListSchema = z.object({ invites: z.array(inviteSchema), next_cursor: nextCursorSchema });
export type InviteList = z.infer<typeof inviteListSchema>;

export const historyPageSchema = z.object({
  messages: z.array(messageSchema),
  has_more: z.boolean(),
});
export type HistoryPage = z.infer<typeof historyPageSchema>;

/**
 * What changed in a room after a version (`room:sync`): each message changed since, once, in its
 * current state (tombstones included), ascending by `version`.
 */
export const changesPageSchema = z.object({
  room_id: entityIdSchema,
  messages: z.array(messageSchema),
  /**
   * Where this page leaves the reader: pass it as `after_version` next time. The last listed
   * message's version while `has_more`, the room's latest version after the last page.
   */
  version: z.number().int().nonnegative(),
  has_more: z.boolean(),
});
export type ChangesPage = z.infer<typeof changesPageSchema>;

/** The caller's mentions, newest first: messages (not deleted) of rooms the caller is still in. */
export const mentionListSchema = z.object({
  messages: z.array(messageSchema),
  next_cursor: nextCursorSchema,
});
export type MentionList = z.infer<typeof mentionListSchema>;

/** A room's pinned messages, the most recently pinned first (at most PINS_PER_ROOM_MAX). */
export const pinListSchema = z.object({ room_id: entityIdSchema, messages: z.array(messageSchema) });
export type PinList = z.infer<typeof pinListSchema>;

export const searchResultSchema = z.object({
  message: messageSchema,
  /**
   * The matching part of the content as HTML: the text escaped (`&<>"'`), each match wrapped in
   * `<mark>`…`</mark>`, long contents cut to the passage around the matches (`…` marks a cut).
   */
  highlight: z.string(),
  /** Relevance: higher is better; comparable within one search only. */
  rank: z.number(),
});
export type SearchResult = z.infer<typeof searchResultSchema>;

/** Search results, best first. */
export const searchPageSchema = z.object({
  results: z.array(searchResultSchema),
  next_cursor: nextCursorSchema,
});
export type SearchPage = z.infer<typeof searchPageSchema>;

export const MODERATION_ACTIONS = ['promote', 'demote', 'remove', 'ban', 'unban', 'mute', 'unmute'] as const;
export const moderationActionSchema = z.enum(MODERATION_ACTIONS);
export type ModerationActionKind = z.infer<typeof moderationActionSchema>;

/**
 * One moderation action, as stored and as announced (`room:moderated`, the `member.moderated`
 * webhook, the ack of the action).
 */
export const moderationEventSchema = z.object({
  room_id: entityIdSchema,
  action: moderationActionSchema,
  /** Who it was done to. */
  user_id: userIdSchema,
  username: z.string(),
  /** Who did it (the owner or a moderator). */
  by: userIdSchema,
  /** With `mute`: until when. Null for every other action. */
  muted_until: timestampSchema.nullable(),
  timestamp: timestampSchema,
});
export type ModerationEvent = z.infer<typeof moderationEventSchema>;

export const readStateSchema = z.object({
  room_id: entityIdSchema,
  last_read_seq: seqSchema,
  unread_count: z.number().int().nonnegative(),
  /** Of the unread messages, those that mention the reader. */
  unread_mentions: z.number().int().nonnegative(),
});
export type ReadState = z.infer<typeof readStateSchema>;

export const typingUserSchema = z.object({ user_id: userIdSchema, username: z.string() });
export type TypingUser = z.infer<typeof typingUserSchema>;

export const typingStateSchema = z.object({
  room_id: entityIdSchema,
  typing_users: z.array(typingUserSchema),
});
export type TypingState = z.infer<typeof typingStateSchema>;

export const reactionsStateSchema = z.object({
  room_id: entityIdSchema,
  message_id: entityIdSchema,
  reactions: z.array(reactionSchema),
  /** The message's version after this change (its current one when nothing changed). */
  version: z.number().int().nonnegative(),
});
export type ReactionsState = z.infer<typeof reactionsStateSchema>;

export const presenceStatusSchema = z.enum(['online', 'offline']);
export type PresenceStatus = z.infer<typeof presenceStatusSchema>;

export const presenceEntrySchema = z.object({
  user_id: userIdSchema,
  status: presenceStatusSchema,
  last_seen: timestampSchema.nullable(),
});
export type PresenceEntry = z.infer<typeof presenceEntrySchema>;

export const presenceListSchema = z.object({ presence: z.array(presenceEntrySchema) });
export type PresenceList = z.infer<typeof presenceListSchema>;

export const emptySchema = z.object({});
export type Empty = z.infer<typeof emptySchema>;

/** Payloads of server-to-client events that are not whole objects. */
export const messageDeletedSchema = z.object({
  room_id: entityIdSchema,
  message_id: entityIdSchema,
  seq: z.number().int().positive(),
  /** The room's version the deletion took. */
  version: z.number().int().nonnegative(),
});
export type MessageDeleted = z.infer<typeof messageDeletedSchema>;

export const typingBroadcastSchema = typingStateSchema.extend({ timestamp: timestampSchema });
export type TypingBroadcast = z.infer<typeof typingBroadcastSchema>;

export const membershipEventSchema = z.object({
  room_id: entityIdSchema,
  user_id: userIdSchema,
  username: z.string(),
  timestamp: timestampSchema,
});
export type MembershipEvent = z.infer<typeof membershipEventSchema>;

/** One user of a `room:users_joined` batch: a `room:user_joined` without the room. */
export const joinedUserSchema = membershipEventSchema.omit({ room_id: true });
export type JoinedUser = z.infer<typeof joinedUserSchema>;

/** Joins to one room announced together, in the order they happened. */
export const usersJoinedSchema = z.object({ room_id: entityIdSchema, users: z.array(joinedUserSchema) });
export type UsersJoined = z.infer<typeof usersJoinedSchema>;

export const presenceUpdateSchema = z.object({
  user_id: userIdSchema,
  username: z.string(),
  status: presenceStatusSchema,
  last_seen: timestampSchema.nullable(),
});
export type PresenceUpdate = z.infer<typeof presenceUpdateSchema>;

/**
 * Presence changes announced together (held back during a burst in a room the receiver is in): each
 * user at most once, with their latest state, in the order of those changes.
 */
export const presenceUpdatesSchema = z.object({ updates: z.array(presenceUpdateSchema) });
export type PresenceUpdates = z.infer<typeof presenceUpdatesSchema>;

export const receiptUpdateSchema = z.object({
  room_id: entityIdSchema,
  user_id: userIdSchema,
  last_read_seq: seqSchema,
});
export type ReceiptUpdate = z.infer<typeof receiptUpdateSchema>;

export const healthSchema = z.object({
  status: z.literal('ok'),
  service: z.string(),
  version: z.string(),
});
export type Health = z.infer<typeof healthSchema>;
