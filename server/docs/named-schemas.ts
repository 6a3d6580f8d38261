import type { z } from 'zod';
import { errorBodySchema, errorDetailSchema, httpErrorSchema } from '../../shared/errors';
import {
  MUTE_MAX_MS,
  MUTE_MIN_MS,
  PINS_PER_ROOM_MAX,
  ROOM_MEMBERS_SHOWN,
  SEARCH_DEPTH_MAX,
} from '../../shared/limits';
import {
  emptySchema,
  healthSchema,
  changesPageSchema,
  historyPageSchema,
  inviteListSchema,
  inviteSchema,
  joinedUserSchema,
  memberListSchema,
  memberSchema,
  membershipEventSchema,
  mentionListSchema,
  messageDeletedSchema,
  messageSchema,
  moderationEventSchema,
  pinListSchema,
  presenceEntrySchema,
  presenceListSchema,
  presenceUpdateSchema,
  presenceUpdatesSchema,
  reactionSchema,
  reactionsStateSchema,
  readStateSchema,
  receiptUpdateSchema,
  roomDetailSchema,
  roomListSchema,
  roomSchema,
  searchPageSchema,
  searchResultSchema,
  typingBroadcastSchema,
  typingStateSchema,
  typingUserSchema,
  usersJoinedSchema,
} from '../../shared/schemas/objects';
import type { PayloadSchemas } from '../../shared/schemas/payloads';
import { SERVICE_NAME, SERVICE_VERSION } from '../version';
import * as ex from './examples';
import { livenessSchema, readinessSchema } from './health-schemas';

/** A schema of the contract under the name both documents give it, with a description and an example. */
export interface NamedSchema {
  name: string;
  schema: z.ZodType;
  description: string;
  example?: unknown;
  /** The named schema this one extends with `.extend()` (documented as allOf: [parent, additions]). */
  extends?: { name: string; schema: z.ZodObject };
}

/** Ties an example to its schema's type, so an example that does not fit fails to compile. */
function named<S extends z.ZodType>(
  name: string,
  schema: S,
  description: string,
  example?: z.input<S> | z.output<S>,
): NamedSchema {
  return { name, schema, description, example };
}

/** Objects the server sends (HTTP answers, acks, broadcasts) and the error shapes: the same instances the server uses. */
export const objectSchemas: readonly NamedSchema[] = [
  named('Reaction', reactionSchema, 'One emoji on a message: how many users used it and who.'),
  named(
    'Message',
    messageSchema,
    'A message. `seq` numbers a room’s messages from 1 without gaps; a deleted message keeps its id and seq with `deleted: true` and `content: ""` (and loses its reactions, mentions and pin). `mentions` are the room members its text names as `@user_id`; `pinned_at`/`pinned_by` are set while it is pinned.',
    ex.messageExample,
  ),
  named(
    'Room',
    roomSchema,
    'A room as the caller sees it: `is_member`, `last_read_seq`, `unread_count`, `unread_mentions` and `muted_until` are the caller’s own. `is_dm`: the direct-message room of two users (`dm:open`).',
    ex.roomExample,
  ),
  named(
    'Member',
    memberSchema,
    'A member of a room: `role` is `owner` (one per room), `moderator` or `member`; `online` is shown to members only.',
    ex.memberExample,
  ),
  {
    ...named(
      'RoomDetail',
      roomDetailSchema,
      `A room with its first ${ROOM_MEMBERS_SHOWN} members by \`joined_at\`; \`member_count\` counts them all, and the member list (\`room:members\`, \`GET /api/rooms/{room_id}/members\`) pages through the rest.`,
      ex.roomDetailExample,
    ),
    extends: { name: 'Room', schema: roomSchema },
  },
  named(
    'RoomList',
    roomListSchema,
    'A page of the public rooms and the private rooms the caller is in, oldest first. `next_cursor`, passed back as `cursor`, asks for the next page; null on the last one.',
    ex.roomListExample,
  ),
  named(
    'MemberList',
    memberListSchema,
    'A page of a room’s members, longest-standing first. `next_cursor`, passed back as `cursor`, asks for the next page; null on the last one.',
    ex.memberListExample,
  ),
  named(
    'Invite',
    inviteSchema,
    'A pending invitation, as its invitee sees it. The invitee is not a member until they join the room (accept); they may decline instead.',
    ex.inviteExample,
  ),
  named(
    'InviteList',
    inviteListSchema,
    'A page of the caller’s pending invitations, oldest first. `next_cursor`, passed back as `cursor`, asks for the next page; null on the last one.',
    ex.inviteListExample,
  ),
  named(
    'HistoryPage',
    historyPageSchema,
    'Messages in ascending `seq`; `has_more` says whether more exist beyond this page in the direction read.',
    ex.historyPageExample,
  ),
  named(
    'ChangesPage',
    changesPageSchema,
    'The messages of a room changed after a version, each once in its current state (tombstones included), ascending by `version`; pass `version` back as `after_version` for the next page or the next sync.',
    ex.changesPageExample,
  ),
  named(
    'ReadState',
    readStateSchema,
    'The caller’s read position in a room, with what is unread after it (`unread_mentions`: of those, the messages that mention the caller).',
    ex.readStateExample,
  ),
  named(
    'MentionList',
    mentionListSchema,
    'A page of the messages that mention the caller, newest first, from the rooms the caller is still a member of (deleted ones left out). `next_cursor`, passed back as `cursor`, asks for the next page; null on the last one.',
    ex.mentionListExample,
  ),
  named(
    'PinList',
    pinListSchema,
    `A room’s pinned messages, the most recently pinned first (at most ${PINS_PER_ROOM_MAX}).`,
    ex.pinListExample,
  ),
  named(
    'SearchResult',
    searchResultSchema,
    'One match: the message, its matching passage as HTML (the text escaped, each match in `<mark>`), and its relevance (higher is better, comparable within one search).',
  ),
  named(
    'SearchPage',
    searchPageSchema,
    `Search results, best first (ties: newest first). \`next_cursor\`, passed back as \`cursor\`, asks for the next page; null on the last one, and once ${SEARCH_DEPTH_MAX} results have been served.`,
    ex.searchPageExample,
  ),
  named(
    'ModerationEvent',
    moderationEventSchema,
    'A moderation action: what (`promote`, `demote`, `remove`, `ban`, `unban`, `mute`, `unmute`), to whom (`user_id`, `username`), by whom (`by`), and with `mute` until when.',
    ex.moderationEventExample,
  ),
  named('TypingUser', typingUserSchema, 'A user who is typing.'),
  named('TypingState', typingStateSchema, 'Who is typing in a room now.', ex.typingStateExample),
  named(
    'ReactionsState',
    reactionsStateSchema,
    'The reactions of a message, each emoji with its count and user ids, ordered by first use.',
    ex.reactionsStateExample,
  ),
  named(
    'PresenceEntry',
    presenceEntrySchema,
    'Whether a user is online; `last_seen` is null for a user never seen.',
  ),
  named('PresenceList', presenceListSchema, 'Presence of the users asked for.', ex.presenceListExample),
  named('Empty', emptySchema, 'No data.', {}),
  named('MessageDeleted', messageDeletedSchema, 'A message became a tombstone.', ex.messageDeletedExample),
  named(
    'TypingBroadcast',
    typingBroadcastSchema,
    'The full list of users typing in a room, after a change.',
    ex.typingBroadcastExample,
  ),
  named('MembershipEvent', membershipEventSchema, 'A user joined or left a room.', ex.membershipEventExample),
  named('JoinedUser', joinedUserSchema, 'One user of a `room:users_joined` batch.'),
  named(
    'UsersJoined',
    usersJoinedSchema,
    'Users who joined a room during a burst, announced together in the order they joined.',
    ex.usersJoinedExample,
  ),
  named(
    'PresenceUpdate',
    presenceUpdateSchema,
    'A user came online or went offline.',
    ex.presenceUpdateExample,
  ),
  named(
    'PresenceUpdates',
    presenceUpdatesSchema,
    'Presence changes made during a burst, announced together: each user once, with their latest state.',
    ex.presenceUpdatesExample,
  ),
  named('ReceiptUpdate', receiptUpdateSchema, 'A member’s read position moved.', ex.receiptUpdateExample),
  named('ErrorDetail', errorDetailSchema, 'Which field (dotted path, "" for the whole payload) and why.'),
  named(
    'ErrorBody',
    errorBodySchema,
    'An error: one of the contract’s codes, a message for humans, per-field details for validation errors and, with RATE_LIMITED, `retry_after_ms`.',
    ex.errorBodyExample,
  ),
  named('HttpError', httpErrorSchema, 'The body of every HTTP error answer.', ex.httpErrorExample),
];

/** The HTTP request bodies, named as the seed's data models. */
export function httpBodySchemas(p: PayloadSchemas): NamedSchema[] {
  return [
    named(
      'CreateRoomRequest',
      p.createRoomRequest,
      'A new room. `creator_id` (the seed’s field) is optional and must equal the token’s subject. `invited_users` are invited: each becomes a member only by joining (accepting).',
      ex.createRoomRequestExample,
    ),
    named(
      'MessageRequest',
      p.messageRequest,
      'A message to post. `user_id` must equal the token’s subject when given; `username` is accepted and ignored (the token’s `name` is stored). A repeated `client_id` returns the stored message. `image` and `file` messages carry an http(s) URL as content.',
      ex.messageRequestExample,
    ),
    named(
      'TypingRequest',
      p.typingRequest,
      'Start or stop typing. `is_typing: true` holds for TYPING_TIMEOUT_MS unless renewed.',
      ex.typingRequestExample,
    ),
    named(
      'ReactionRequest',
      p.reactionRequest,
      'An emoji reaction to add: exactly one emoji (ZWJ sequences, skin tones and flags included) or a `:short_code:` (`[a-z0-9_+-]{1,30}` between colons). `user_id` must equal the token’s subject when given.',
      ex.reactionRequestExample,
    ),
    named(
      'InviteRequest',
      p.inviteRequest,
      'Users to invite to the room; each becomes a member only by joining (accepting).',
      ex.inviteRequestExample,
    ),
    named('ReadRequest', p.readRequest, 'Read up to this seq.', ex.readRequestExample),
    named('EditMessageRequest', p.editRequest, 'The new content.', ex.editRequestExample),
    named(
      'DirectMessageRequest',
      p.dmRequest,
      'The other user of the direct message: any valid user id but the caller’s own.',
      ex.dmRequestExample,
    ),
    named(
      'RoleRequest',
      p.roleRequest,
      'The role to give a member: `moderator` or `member` (the owner’s role is never given).',
      ex.roleRequestExample,
    ),
    named(
      'MuteRequest',
      p.muteRequest,
      `How long the mute lasts, in milliseconds: ${MUTE_MIN_MS} (one second) to ${MUTE_MAX_MS} (thirty days).`,
      ex.muteRequestExample,
    ),
  ];
}

/** The answers of the service routes (`/`, `/healthz`, `/readyz`); HTTP only. */
export const serviceSchemas: readonly NamedSchema[] = [
  named('Health', healthSchema, 'The service answers (the seed’s health check).', {
    status: 'ok',
    service: SERVICE_NAME,
    version: SERVICE_VERSION,
  }),
  named('Liveness', livenessSchema, 'The process serves HTTP.', { status: 'ok' }),
  named(
    'Readiness',
    readinessSchema,
    'Each dependency the server checks, `up` or `down`; the status code says whether all are up.',
    { status: 'unavailable', checks: { storage: 'up', redis: 'down' } },
  ),
];
