import type { z } from 'zod';
import type { ErrorBody, HttpError } from '../../shared/errors';
import type {
  ChangesPage,
  HistoryPage,
  Invite,
  InviteList,
  Member,
  MemberList,
  MembershipEvent,
  MentionList,
  Message,
  MessageDeleted,
  ModerationEvent,
  PinList,
  PresenceList,
  PresenceUpdate,
  PresenceUpdates,
  ReactionsState,
  ReadState,
  ReceiptUpdate,
  Room,
  RoomDetail,
  RoomList,
  SearchPage,
  TypingBroadcast,
  TypingState,
  UsersJoined,
} from '../../shared/schemas/objects';
import type { PayloadSchemas } from '../../shared/schemas/payloads';

/**
 * Example values for the documents, one conversation told consistently. Typed with the contract's
 * types so they cannot drift from the schemas at compile time; tests/docs parse each with its
 * schema at run time too.
 */

const ROOM_ID = 'V1StGXR8_Z5jdHi6B-myT';
const MESSAGE_ID = 'Uakgb_J5m9g-0JDMbcJqL';
const REPLY_ID = 'dX3yqkU8lHnTq0bYzQ1pA';
const MENTION_ID = 'h8Vb2kQ_x1YtN3mZpL0aR';
const DM_ID = 'pQ7rT2vX9_aB4cD6eF8gH';
const CREATED_AT = '2025-01-15T09:30:00.000Z';
const SENT_AT = '2025-01-15T09:41:07.125Z';

type Input<K extends keyof PayloadSchemas> = z.input<PayloadSchemas[K]>;

export const memberExample: Member = {
  user_id: 'alice',
  username: 'Alice Liddell',
  role: 'owner',
  joined_at: CREATED_AT,
  online: true,
};

export const roomExample: Room = {
  id: ROOM_ID,
  name: 'general',
  description: 'Company-wide announcements',
  is_private: false,
  created_by: 'alice',
  created_at: CREATED_AT,
  member_count: 2,
  is_member: true,
  last_read_seq: 41,
  unread_count: 1,
  last_message_seq: 42,
  is_dm: false,
  unread_mentions: 0,
  muted_until: null,
};

export const roomDetailExample: RoomDetail = {
  ...roomExample,
  members: [
    memberExample,
    { user_id: 'bob', username: 'Bob', role: 'member', joined_at: '2025-01-15T09:35:12.000Z', online: false },
  ],
};

/** What a `next_cursor` looks like (opaque: clients pass it back as `cursor`). */
const NEXT_CURSOR = 'WyIyMDI1LTAxLTE1VDA5OjMwOjAwLjAwMFoiLCJWMVN0R1hSOF9aNWpkSGk2Qi1teVQiXQ';

export const roomListExample: RoomList = { rooms: [roomExample], next_cursor: NEXT_CURSOR };

/** A member list's `next_cursor`: the last member's `joined_at` and user id (bob's, below). */
const MEMBER_CURSOR = 'WyIyMDI1LTAxLTE1VDA5OjM1OjEyLjAwMFoiLCJib2IiXQ';

export const memberListExample: MemberList = {
  members: roomDetailExample.members,
  next_cursor: MEMBER_CURSOR,
};

export const inviteExample: Invite = {
  room_id: ROOM_ID,
  room_name: 'general',
  description: 'Company-wide announcements',
  is_private: false,
  invited_by: 'alice',
  inviter_username: 'Alice Liddell',
  invited_at: '2025-01-15T09:34:02.000Z',
};

export const inviteListExample: InviteList = { invites: [inviteExample], next_cursor: null };

export const messageExample: Message = {
  id: MESSAGE_ID,
  room_id: ROOM_ID,
  seq: 42,
  user_id: 'alice',
  username: 'Alice Liddell',
  content: 'deploy finished',
  message_type: 'text',
  parent_id: null,
  reply_count: 1,
  reactions: [{ emoji: '🎉', count: 2, user_ids: ['bob', 'carol'] }],
  client_id: 'deploy-4711',
  timestamp: SENT_AT,
  edited_at: null,
  deleted: false,
  version: 57,
  mentions: [],
  pinned_at: null,
  pinned_by: null,
};

export const replyExample: Message = {
  ...messageExample,
  id: REPLY_ID,
  seq: 43,
  user_id: 'bob',
  username: 'Bob',
  content: 'thanks!',
  parent_id: MESSAGE_ID,
  reply_count: 0,
  reactions: [],
  client_id: null,
  timestamp: '2025-01-15T09:41:30.500Z',
  version: 55,
};

export const historyPageExample: HistoryPage = { messages: [messageExample, replyExample], has_more: true };

export const changesPageExample: ChangesPage = {
  room_id: ROOM_ID,
  messages: [replyExample, messageExample],
  version: 57,
  has_more: false,
};

export const readStateExample: ReadState = {
  room_id: ROOM_ID,
  last_read_seq: 42,
  unread_count: 0,
  unread_mentions: 0,
};

/** Bob names Alice: `@alice` in the content puts her in `mentions` and sends her `mention:new`. */
export const mentionExample: Message = {
  ...messageExample,
  id: MENTION_ID,
  seq: 44,
  user_id: 'bob',
  username: 'Bob',
  content: '@alice the deploy looks good, shall I announce it?',
  reply_count: 0,
  reactions: [],
  client_id: null,
  timestamp: '2025-01-15T09:42:10.000Z',
  version: 59,
  mentions: ['alice'],
};

/** Alice pinned her deploy message: the pin changed the message, so its version moved. */
export const pinnedMessageExample: Message = {
  ...messageExample,
  version: 60,
  pinned_at: '2025-01-15T09:45:00.000Z',
  pinned_by: 'alice',
};

/** A mention list's `next_cursor`: the last listed message's timestamp and id. */
const MENTION_CURSOR = 'WyIyMDI1LTAxLTE1VDA5OjQyOjEwLjAwMFoiLCJoOFZiMmtRX3gxWXROM21acEwwYVIiXQ';

export const mentionListExample: MentionList = { messages: [mentionExample], next_cursor: MENTION_CURSOR };

export const pinListExample: PinList = { room_id: ROOM_ID, messages: [pinnedMessageExample] };

/** A search page's `next_cursor`: how many results the pages so far held (20). */
const SEARCH_CURSOR = 'WyJzIiwyMF0';

export const searchPageExample: SearchPage = {
  results: [
    { message: messageExample, highlight: '<mark>deploy</mark> finished', rank: 0.0759 },
    {
      message: mentionExample,
      highlight: '@alice the <mark>deploy</mark> looks good, shall I announce it?',
      rank: 0.0607,
    },
  ],
  next_cursor: SEARCH_CURSOR,
};

/** Alice (the owner) muted Bob for ten minutes. */
export const moderationEventExample: ModerationEvent = {
  room_id: ROOM_ID,
  action: 'mute',
  user_id: 'bob',
  username: 'Bob',
  by: 'alice',
  muted_until: '2025-01-15T09:56:00.000Z',
  timestamp: '2025-01-15T09:46:00.000Z',
};

/** The direct-message room of Alice and Bob, as Alice opens it. */
export const dmDetailExample: RoomDetail = {
  id: DM_ID,
  name: 'Alice Liddell, Bob',
  description: null,
  is_private: true,
  created_by: 'alice',
  created_at: '2025-01-15T10:02:00.000Z',
  member_count: 2,
  is_member: true,
  last_read_seq: 0,
  unread_count: 0,
  last_message_seq: 0,
  is_dm: true,
  unread_mentions: 0,
  muted_until: null,
  members: [
    {
      user_id: 'alice',
      username: 'Alice Liddell',
      role: 'member',
      joined_at: '2025-01-15T10:02:00.000Z',
      online: true,
    },
    { user_id: 'bob', username: 'Bob', role: 'member', joined_at: '2025-01-15T10:02:00.000Z', online: false },
  ],
};

export const typingStateExample: TypingState = {
  room_id: ROOM_ID,
  typing_users: [{ user_id: 'alice', username: 'Alice Liddell' }],
};

export const typingBroadcastExample: TypingBroadcast = { ...typingStateExample, timestamp: SENT_AT };

export const reactionsStateExample: ReactionsState = {
  room_id: ROOM_ID,
  message_id: MESSAGE_ID,
  reactions: messageExample.reactions,
  version: messageExample.version,
};

export const presenceListExample: PresenceList = {
  presence: [{ user_id: 'bob', status: 'offline', last_seen: '2025-01-15T08:02:44.000Z' }],
};

export const messageDeletedExample: MessageDeleted = {
  room_id: ROOM_ID,
  message_id: MESSAGE_ID,
  seq: 42,
  version: 58,
};

export const membershipEventExample: MembershipEvent = {
  room_id: ROOM_ID,
  user_id: 'bob',
  username: 'Bob',
  timestamp: '2025-01-15T09:35:12.000Z',
};

export const presenceUpdateExample: PresenceUpdate = {
  user_id: 'bob',
  username: 'Bob',
  status: 'online',
  last_seen: SENT_AT,
};

export const usersJoinedExample: UsersJoined = {
  room_id: ROOM_ID,
  users: [
    { user_id: 'carol', username: 'Carol', timestamp: '2025-01-15T09:35:12.020Z' },
    { user_id: 'dave', username: 'Dave', timestamp: '2025-01-15T09:35:12.031Z' },
  ],
};

export const presenceUpdatesExample: PresenceUpdates = {
  updates: [
    { user_id: 'carol', username: 'Carol', status: 'online', last_seen: '2025-01-15T09:35:12.004Z' },
    { user_id: 'dave', username: 'Dave', status: 'online', last_seen: '2025-01-15T09:35:12.017Z' },
  ],
};

export const receiptUpdateExample: ReceiptUpdate = { room_id: ROOM_ID, user_id: 'bob', last_read_seq: 42 };

export const errorBodyExample: ErrorBody = {
  code: 'VALIDATION_ERROR',
  message: 'Invalid field "content": must not be empty',
  details: [{ field: 'content', reason: 'must not be empty' }],
};

export const httpErrorExample: HttpError = { error: errorBodyExample };

/** HTTP request bodies (the seed's models) and socket payloads, as a client sends them. */
export const createRoomRequestExample: Input<'createRoomRequest'> = {
  name: 'general',
  description: 'Company-wide announcements',
  is_private: false,
  invited_users: ['bob'],
};

export const messageRequestExample: Input<'messageRequest'> = {
  room_id: ROOM_ID,
  content: 'deploy finished',
  message_type: 'text',
  client_id: 'deploy-4711',
};

export const typingRequestExample: Input<'typingRequest'> = { room_id: ROOM_ID, is_typing: true };
export const reactionRequestExample: Input<'reactionRequest'> = { message_id: MESSAGE_ID, emoji: '🎉' };
export const inviteRequestExample: Input<'inviteRequest'> = { user_ids: ['carol', 'dave'] };
export const readRequestExample: Input<'readRequest'> = { seq: 42 };
export const editRequestExample: Input<'editRequest'> = { content: 'deploy finished (v2.4.1)' };

export const roomCreatePayloadExample: Input<'roomCreate'> = {
  name: 'general',
  description: 'Company-wide announcements',
  invited_users: ['bob'],
};
export const roomRefPayloadExample: Input<'roomRef'> = { room_id: ROOM_ID };
export const roomMembersPayloadExample: Input<'roomMembers'> = {
  room_id: ROOM_ID,
  limit: 50,
  cursor: MEMBER_CURSOR,
};
export const roomInvitePayloadExample: Input<'roomInvite'> = { room_id: ROOM_ID, user_ids: ['carol'] };
export const roomReadPayloadExample: Input<'roomRead'> = { room_id: ROOM_ID, seq: 42 };
export const messageSendPayloadExample: Input<'messageSend'> = {
  room_id: ROOM_ID,
  content: 'deploy finished',
  client_id: 'deploy-4711',
};
export const messageEditPayloadExample: Input<'messageEdit'> = {
  message_id: MESSAGE_ID,
  content: 'deploy finished (v2.4.1)',
};
export const messageRefPayloadExample: Input<'messageRef'> = { message_id: MESSAGE_ID };
export const messageHistoryPayloadExample: Input<'messageHistory'> = {
  room_id: ROOM_ID,
  after_seq: 40,
  limit: 50,
};
export const roomSyncPayloadExample: Input<'roomSync'> = { room_id: ROOM_ID, after_version: 50, limit: 50 };
export const typingUpdatePayloadExample: Input<'typingUpdate'> = { room_id: ROOM_ID, is_typing: true };
export const reactionPayloadExample: Input<'reaction'> = { message_id: MESSAGE_ID, emoji: '🎉' };
export const presenceGetPayloadExample: Input<'presenceGet'> = { user_ids: ['bob'] };
export const roomListPayloadExample: Input<'roomList'> = { limit: 50, cursor: NEXT_CURSOR };
export const inviteListPayloadExample: Input<'inviteList'> = { limit: 50 };
export const dmOpenPayloadExample: Input<'dmOpen'> = { user_id: 'bob' };
export const mentionListPayloadExample: Input<'mentionList'> = { limit: 20 };
export const messageSearchPayloadExample: Input<'messageSearch'> = {
  q: 'deploy',
  room_id: ROOM_ID,
  limit: 20,
};
export const memberRolePayloadExample: Input<'memberRole'> = {
  room_id: ROOM_ID,
  user_id: 'bob',
  role: 'moderator',
};
export const memberRefPayloadExample: Input<'memberRef'> = { room_id: ROOM_ID, user_id: 'bob' };
export const memberMutePayloadExample: Input<'memberMute'> = {
  room_id: ROOM_ID,
  user_id: 'bob',
  duration_ms: 600_000,
};
export const dmRequestExample: Input<'dmRequest'> = { user_id: 'bob' };
export const roleRequestExample: Input<'roleRequest'> = { role: 'moderator' };
export const muteRequestExample: Input<'muteRequest'> = { duration_ms: 600_000 };
