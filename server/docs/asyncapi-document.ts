import { z } from 'zod';
import { errorBodySchema, type ErrorCode } from '../../shared/errors';
import {
  createClientEvents,
  serverEvents,
  type AckData,
  type ClientEventName,
  type ClientPayload,
  type ServerEventName,
  type ServerPayload,
} from '../../shared/events';
import {
  DEFAULT_LIMITS,
  MUTE_MAX_MS,
  MUTE_MIN_MS,
  PINS_PER_ROOM_MAX,
  ROOM_MEMBERS_SHOWN,
  SEARCH_DEPTH_MAX,
  SEARCH_PAGE_DEFAULT,
  SEARCH_PAGE_MAX,
  type Limits,
} from '../../shared/limits';
import { DEFAULT_RATE_BUDGETS as BUDGET } from '../domain/rate-limits';
import { SERVICE_VERSION } from '../version';
import * as ex from './examples';
import { objectSchemas } from './named-schemas';

/** An AsyncAPI 3.0 document as plain data (the parser in tests/docs validates its shape). */
export type AsyncApiDocument = Record<string, unknown>;

interface ClientEventDoc<E extends ClientEventName> {
  summary: string;
  /** Codes the ack can carry besides those every event can answer (VALIDATION_ERROR, UNAUTHORIZED, INTERNAL_ERROR). */
  errors: Partial<Record<ErrorCode, string>>;
  example: ClientPayload<E>;
  ackExample: AckData<E>;
}

const NOT_VISIBLE = 'the room does not exist or is private and the caller is not a member';
const MESSAGE_NOT_VISIBLE = 'the message does not exist or is in a private room the caller is not in';
const NOT_MEMBER = 'the room is public but the caller has not joined it';
const NOT_INVITED = 'the room does not exist, or is private and the caller is neither a member nor invited';
const READ_LIMITED = `more than the per-user read budget (default ${BUDGET.readsPerSecond} a second, socket and HTTP together)`;
const MEMBERSHIP_LIMITED = `more than the per-user membership budget (joins, leaves, declines, read positions and moderation; default ${BUDGET.membershipPerSecond} a second)`;
const MESSAGE_LIMITED = `more than the per-user message budget (default ${BUDGET.messagesPerSecond} a second, socket and HTTP together)`;
const MUTED = 'the caller is muted in the room (the message says until when)';
const IN_A_DM = 'a direct message has no moderation';
const MODERATOR_ONLY = 'the caller is neither the owner nor a moderator of the room';
const NOT_A_MEMBER_TARGET = '`user_id` is not a member of the room (`details[].field` = `user_id`)';
const SELF_TARGET = '`user_id` is the caller’s own';
const PIN_FORBIDDEN =
  'the caller is neither the owner nor a moderator of the message’s room (in a direct message: not one of its two members)';
const ANNOUNCED =
  'A change is announced as `room:moderated`; an action that changes nothing is answered all the same and announced to nobody.';

/** What each client event does; a Record over the event names, so a new event cannot go undocumented. */
const CLIENT_EVENTS: { [E in ClientEventName]: ClientEventDoc<E> } = {
  'room:create': {
    summary:
      'Create a room; the caller becomes its owner and only member. Each of `invited_users` gets a pending invitation (`room:invited`); the answer shows members only.',
    errors: {
      RATE_LIMITED: `more than the per-user room budget (default ${BUDGET.roomsPerMinute} a minute) or invite budget (one point per invitee; default ${BUDGET.invitesPerMinute} a minute)`,
    },
    example: ex.roomCreatePayloadExample,
    ackExample: ex.roomDetailExample,
  },
  'room:list': {
    summary:
      'List public rooms and the private rooms the caller is in, oldest first, a page at a time (`limit`, and `cursor` = the previous page’s `next_cursor`).',
    errors: { RATE_LIMITED: READ_LIMITED },
    example: ex.roomListPayloadExample,
    ackExample: ex.roomListExample,
  },
  'room:get': {
    summary: `Get a room with its first ${ROOM_MEMBERS_SHOWN} members (\`member_count\` counts them all; \`room:members\` pages through them).`,
    errors: { NOT_FOUND: NOT_VISIBLE, RATE_LIMITED: READ_LIMITED },
    example: ex.roomRefPayloadExample,
    ackExample: ex.roomDetailExample,
  },
  'room:join': {
    summary:
      'Join a room (idempotent). Joining accepts the caller’s pending invitation, if any; a private room can be joined only with one. A user banned from the room cannot join it.',
    errors: {
      FORBIDDEN: 'the caller is banned from this public room',
      NOT_FOUND: `${NOT_INVITED} (a private room the caller is banned from answers this too)`,
      RATE_LIMITED: MEMBERSHIP_LIMITED,
    },
    example: ex.roomRefPayloadExample,
    ackExample: ex.roomDetailExample,
  },
  'room:members': {
    summary:
      'List a room’s members, longest-standing first, a page at a time (`limit`, and `cursor` = the previous page’s `next_cursor`). Online flags are shown to members only.',
    errors: { NOT_FOUND: NOT_VISIBLE, RATE_LIMITED: READ_LIMITED },
    example: ex.roomMembersPayloadExample,
    ackExample: ex.memberListExample,
  },
  'room:leave': {
    summary: 'Leave a room (idempotent). A direct message cannot be left.',
    errors: {
      FORBIDDEN: 'the room is a direct message',
      NOT_FOUND: NOT_VISIBLE,
      RATE_LIMITED: MEMBERSHIP_LIMITED,
    },
    example: ex.roomRefPayloadExample,
    ackExample: {},
  },
  'room:invite': {
    summary:
      'Invite users to a room (owner only): each gets a pending invitation (`room:invited`) and becomes a member only by joining. Members, pending invitees and users banned from the room are skipped; the answer shows members only.',
    errors: {
      FORBIDDEN: 'the caller is not an owner of the room, or the room is a direct message',
      NOT_FOUND: NOT_VISIBLE,
      RATE_LIMITED: `more than the per-user invite budget (one point per distinct user invited; default ${BUDGET.invitesPerMinute} a minute)`,
    },
    example: ex.roomInvitePayloadExample,
    ackExample: ex.roomDetailExample,
  },
  'room:decline': {
    summary: 'Decline a pending invitation; nobody is told, and the room can invite again.',
    errors: {
      NOT_FOUND: 'the caller has no pending invitation to this room',
      RATE_LIMITED: MEMBERSHIP_LIMITED,
    },
    example: ex.roomRefPayloadExample,
    ackExample: {},
  },
  'invite:list': {
    summary:
      'List the caller’s pending invitations, oldest first, a page at a time (`limit`, and `cursor` = the previous page’s `next_cursor`).',
    errors: { RATE_LIMITED: READ_LIMITED },
    example: ex.inviteListPayloadExample,
    ackExample: ex.inviteListExample,
  },
  'room:read': {
    summary: 'Move the caller’s read position forward.',
    errors: { FORBIDDEN: NOT_MEMBER, NOT_FOUND: NOT_VISIBLE, RATE_LIMITED: MEMBERSHIP_LIMITED },
    example: ex.roomReadPayloadExample,
    ackExample: ex.readStateExample,
  },
  'message:send': {
    summary:
      'Post a message. Acked once stored; a repeated `client_id` answers the stored message without a second broadcast. Members named as `@user_id` in a text message are listed in `mentions` and get `mention:new`.',
    errors: {
      FORBIDDEN: `${NOT_MEMBER}, or ${MUTED}`,
      NOT_FOUND: `${NOT_VISIBLE}, or \`parent_id\` is not a message of this room`,
      RATE_LIMITED: MESSAGE_LIMITED,
    },
    example: ex.messageSendPayloadExample,
    ackExample: ex.messageExample,
  },
  'message:edit': {
    summary:
      'Edit a message (author only). Its `mentions` are read again; members it newly mentions get `mention:new`.',
    errors: {
      FORBIDDEN: `the caller is not the author, or no longer a member of the room, or ${MUTED}`,
      NOT_FOUND: MESSAGE_NOT_VISIBLE,
      CONFLICT: 'the message is deleted',
      RATE_LIMITED: MESSAGE_LIMITED,
    },
    example: ex.messageEditPayloadExample,
    ackExample: ex.messageExample,
  },
  'message:delete': {
    summary:
      'Delete a message (author, room owner or moderator); it stays as a tombstone (its reactions, mentions and pin gone).',
    errors: {
      FORBIDDEN: 'the caller is neither the author nor the owner or a moderator of the room, or not a member',
      NOT_FOUND: MESSAGE_NOT_VISIBLE,
      RATE_LIMITED: MESSAGE_LIMITED,
    },
    example: ex.messageRefPayloadExample,
    ackExample: {},
  },
  'message:history': {
    summary:
      'Read a page of history in ascending seq: newest without a cursor, `before_seq` backwards, `after_seq` forwards (catch-up after a reconnect), `parent_id` for a thread.',
    errors: { NOT_FOUND: `${NOT_VISIBLE}, or \`parent_id\` is not a message of this room` },
    example: ex.messageHistoryPayloadExample,
    ackExample: ex.historyPageExample,
  },
  'room:sync': {
    summary:
      'The change feed: every message of the room changed after `after_version` (new, edited, deleted, reacted to, replied to, pinned, unpinned), each once in its current state, ascending by `version`; page while `has_more`, then keep the answer’s `version` for the next sync (the typed client does this after a reconnect).',
    errors: { NOT_FOUND: NOT_VISIBLE },
    example: ex.roomSyncPayloadExample,
    ackExample: ex.changesPageExample,
  },
  'typing:update': {
    summary:
      'Start or stop typing; `is_typing: true` holds for TYPING_TIMEOUT_MS unless renewed. A muted member’s typing is acked and ignored.',
    errors: {
      FORBIDDEN: NOT_MEMBER,
      NOT_FOUND: NOT_VISIBLE,
      RATE_LIMITED: 'more than the per-user typing budget (default 10 a second, socket and HTTP together)',
    },
    example: ex.typingUpdatePayloadExample,
    ackExample: {},
  },
  'reaction:add': {
    summary: 'Add a reaction (one per user, message and emoji; adding twice is a no-op).',
    errors: {
      FORBIDDEN: `the caller is not a member of the message’s room, or ${MUTED}`,
      NOT_FOUND: MESSAGE_NOT_VISIBLE,
      CONFLICT: 'the message is deleted',
    },
    example: ex.reactionPayloadExample,
    ackExample: ex.reactionsStateExample,
  },
  'reaction:remove': {
    summary: 'Remove the caller’s reaction (a no-op when there is none).',
    errors: {
      FORBIDDEN: `the caller is not a member of the message’s room, or ${MUTED}`,
      NOT_FOUND: MESSAGE_NOT_VISIBLE,
    },
    example: ex.reactionPayloadExample,
    ackExample: ex.reactionsStateExample,
  },
  'presence:get': {
    summary: 'Get the presence of users who share a room with the caller.',
    errors: { NOT_FOUND: 'a user shares no room with the caller (`details[].field` = `user_ids.<i>`)' },
    example: ex.presenceGetPayloadExample,
    ackExample: ex.presenceListExample,
  },
  'dm:open': {
    summary:
      'Open the direct message with a user: the one private room of the pair (`is_dm: true`), created on the first call (both members with role `member`; each user is sent `room:updated`), the same room on every later one. An unknown `user_id` is accepted, as for invitations.',
    errors: {
      VALIDATION_ERROR: '`user_id` is the caller’s own (`cannot open a direct message with yourself`)',
      RATE_LIMITED: `more than the per-user room budget (every call; default ${BUDGET.roomsPerMinute} a minute)`,
    },
    example: ex.dmOpenPayloadExample,
    ackExample: ex.dmDetailExample,
  },
  'mention:list': {
    summary:
      'List the messages that mention the caller, newest first, a page at a time (`limit`, and `cursor` = the previous page’s `next_cursor`): rooms the caller is a member of now, deleted messages left out.',
    errors: { RATE_LIMITED: READ_LIMITED },
    example: ex.mentionListPayloadExample,
    ackExample: ex.mentionListExample,
  },
  'message:search': {
    summary: `Full-text search of the messages (not deleted) of the public rooms and the caller’s rooms, or of \`room_id\` only. Every word of \`q\` must match by its stem; best first, newest first among equals; \`limit\` ${SEARCH_PAGE_DEFAULT} by default (at most ${SEARCH_PAGE_MAX}), no page past ${SEARCH_DEPTH_MAX} results. \`highlight\` is escaped HTML with each match in \`<mark>\`.`,
    errors: {
      VALIDATION_ERROR: '`q` is empty, longer than 200 characters or has no word (letters or digits)',
      NOT_FOUND: `\`room_id\` is given and ${NOT_VISIBLE}`,
      RATE_LIMITED: READ_LIMITED,
    },
    example: ex.messageSearchPayloadExample,
    ackExample: ex.searchPageExample,
  },
  'message:pin': {
    summary: `Pin a message (owner or moderator; either member in a direct message): \`message:updated\` tells the room. Pinning a pinned message answers it and announces nothing. At most ${PINS_PER_ROOM_MAX} pins per room.`,
    errors: {
      FORBIDDEN: PIN_FORBIDDEN,
      NOT_FOUND: MESSAGE_NOT_VISIBLE,
      CONFLICT: `the message is deleted, or the room already has ${PINS_PER_ROOM_MAX} pinned messages (unpin one first)`,
      RATE_LIMITED: MESSAGE_LIMITED,
    },
    example: ex.messageRefPayloadExample,
    ackExample: ex.pinnedMessageExample,
  },
  'message:unpin': {
    summary:
      'Unpin a message (owner or moderator; either member in a direct message): `message:updated` tells the room. Unpinning a message that is not pinned answers it and announces nothing.',
    errors: {
      FORBIDDEN: PIN_FORBIDDEN,
      NOT_FOUND: MESSAGE_NOT_VISIBLE,
      CONFLICT: 'the message is deleted',
      RATE_LIMITED: MESSAGE_LIMITED,
    },
    example: ex.messageRefPayloadExample,
    ackExample: ex.messageExample,
  },
  'room:pins': {
    summary:
      'List a room’s pinned messages, the most recently pinned first (readable wherever the history is).',
    errors: { NOT_FOUND: NOT_VISIBLE, RATE_LIMITED: READ_LIMITED },
    example: ex.roomRefPayloadExample,
    ackExample: ex.pinListExample,
  },
  'member:role': {
    summary: `Make a member a moderator (\`role: "moderator"\`) or a moderator a member (owner only). ${ANNOUNCED}`,
    errors: {
      FORBIDDEN: `the caller is not the room’s owner, the target is the owner, or ${IN_A_DM}`,
      NOT_FOUND: `${NOT_VISIBLE}, or ${NOT_A_MEMBER_TARGET}`,
      RATE_LIMITED: MEMBERSHIP_LIMITED,
    },
    example: ex.memberRolePayloadExample,
    ackExample: { ...ex.moderationEventExample, action: 'promote', muted_until: null },
  },
  'member:remove': {
    summary: `Remove a member (owner or moderator; only the owner removes a moderator): they leave as by \`room:leave\` (\`room:user_left\`) and may join again. ${ANNOUNCED}`,
    errors: {
      VALIDATION_ERROR: SELF_TARGET,
      FORBIDDEN: `${MODERATOR_ONLY}, the target is the owner, a moderator removes a moderator, or ${IN_A_DM}`,
      NOT_FOUND: `${NOT_VISIBLE}, or ${NOT_A_MEMBER_TARGET}`,
      RATE_LIMITED: MEMBERSHIP_LIMITED,
    },
    example: ex.memberRefPayloadExample,
    ackExample: { ...ex.moderationEventExample, action: 'remove', muted_until: null },
  },
  'member:ban': {
    summary: `Ban a user, member or not (owner or moderator; only the owner bans a moderator): a member is removed, a pending invitation dropped, and they cannot join or be invited until unbanned. ${ANNOUNCED}`,
    errors: {
      VALIDATION_ERROR: SELF_TARGET,
      FORBIDDEN: `${MODERATOR_ONLY}, the target is the owner, a moderator bans a moderator, or ${IN_A_DM}`,
      NOT_FOUND: NOT_VISIBLE,
      RATE_LIMITED: MEMBERSHIP_LIMITED,
    },
    example: ex.memberRefPayloadExample,
    ackExample: { ...ex.moderationEventExample, action: 'ban', muted_until: null },
  },
  'member:unban': {
    summary: `Lift a ban (owner or moderator; idempotent). ${ANNOUNCED}`,
    errors: {
      FORBIDDEN: `${MODERATOR_ONLY}, or ${IN_A_DM}`,
      NOT_FOUND: NOT_VISIBLE,
      RATE_LIMITED: MEMBERSHIP_LIMITED,
    },
    example: ex.memberRefPayloadExample,
    ackExample: { ...ex.moderationEventExample, action: 'unban', muted_until: null },
  },
  'member:mute': {
    summary: `Mute a member for \`duration_ms\` (${MUTE_MIN_MS} to ${MUTE_MAX_MS}: one second to thirty days), replacing an earlier mute (owner or moderator; only the owner mutes a moderator): they cannot send, edit or react, and their typing is ignored. ${ANNOUNCED}`,
    errors: {
      VALIDATION_ERROR: SELF_TARGET,
      FORBIDDEN: `${MODERATOR_ONLY}, the target is the owner, a moderator mutes a moderator, or ${IN_A_DM}`,
      NOT_FOUND: `${NOT_VISIBLE}, or ${NOT_A_MEMBER_TARGET}`,
      RATE_LIMITED: MEMBERSHIP_LIMITED,
    },
    example: ex.memberMutePayloadExample,
    ackExample: ex.moderationEventExample,
  },
  'member:unmute': {
    summary: `Lift a mute (owner or moderator; idempotent). ${ANNOUNCED}`,
    errors: {
      FORBIDDEN: `${MODERATOR_ONLY}, a moderator lifts a moderator’s mute (the owner’s to lift), or ${IN_A_DM}`,
      NOT_FOUND: NOT_VISIBLE,
      RATE_LIMITED: MEMBERSHIP_LIMITED,
    },
    example: ex.memberRefPayloadExample,
    ackExample: { ...ex.moderationEventExample, action: 'unmute', muted_until: null },
  },
};

interface ServerEventDoc<E extends ServerEventName> {
  summary: string;
  /** The contract's "sent to" column. */
  sentTo: string;
  example: ServerPayload<E>;
}

const SERVER_EVENTS: { [E in ServerEventName]: ServerEventDoc<E> } = {
  'message:new': {
    summary: 'A message was posted (over a socket or HTTP).',
    sentTo: 'the room: every member socket, the sender’s included',
    example: ex.messageExample,
  },
  'message:updated': {
    summary: 'A message was edited, pinned or unpinned, or a reply raised its parent’s `reply_count`.',
    sentTo: 'the room',
    example: ex.messageExample,
  },
  'message:deleted': {
    summary: 'A message became a tombstone.',
    sentTo: 'the room',
    example: ex.messageDeletedExample,
  },
  'typing:update': {
    summary: 'The list of users typing in a room changed; carries the full list.',
    sentTo: 'the room, once per change of the list',
    example: ex.typingBroadcastExample,
  },
  'reaction:updated': {
    summary: 'A message’s reactions changed.',
    sentTo: 'the room, once per real change',
    example: ex.reactionsStateExample,
  },
  'room:user_joined': {
    summary: 'A user joined the room (an invitee who accepted, too).',
    sentTo: 'the room',
    example: ex.membershipEventExample,
  },
  'room:users_joined': {
    summary:
      'Users joined the room during a burst: past the first few announcements of a window (50 ms by default), a room’s joins are held and sent together at the window’s end, in the order they happened. Anything else sent to the room sends them first.',
    sentTo: 'the room',
    example: ex.usersJoinedExample,
  },
  'room:user_left': {
    summary: 'A user left the room, or was removed or banned from it.',
    sentTo: 'the room, the leaver’s sockets included',
    example: ex.membershipEventExample,
  },
  'room:updated': {
    summary:
      'A room changed: created (told to the creator’s sockets), a direct message opened (told to both users), new owner. Each member receives their own read state.',
    sentTo: 'every member of the room, each on their own channel (`user:<id>`)',
    example: ex.roomDetailExample,
  },
  'room:invited': {
    summary:
      'The user was invited to a room. The invitation is pending: join the room to accept it, or decline it with `room:decline`.',
    sentTo: 'the invitee (`user:<id>`), once per invitation',
    example: ex.inviteExample,
  },
  'presence:update': {
    summary: 'A user came online (first socket) or went offline (last socket closed).',
    sentTo: 'every room the user is in, each socket once',
    example: ex.presenceUpdateExample,
  },
  'presence:updates': {
    summary:
      'Presence changes held during a burst in a room (as for `room:users_joined`), sent together: each user once, with their latest state.',
    sentTo:
      'the room where they were held (a socket sharing several rooms with a user may hear a change once per room)',
    example: ex.presenceUpdatesExample,
  },
  'receipt:updated': {
    summary: 'A member’s read position moved.',
    sentTo: 'the room',
    example: ex.receiptUpdateExample,
  },
  'mention:new': {
    summary:
      'A message mentions the user: a new message (a reply too) naming them as `@user_id`, or an edit that newly names them. The author is never told of their own mention.',
    sentTo: 'each mentioned user on their own channel (`user:<id>`), the author excepted',
    example: ex.mentionExample,
  },
  'room:moderated': {
    summary:
      'A moderation action changed something: a role, a removal, a ban or its lifting, a mute or its lifting. A removal or ban of a member also sends `room:user_left`.',
    sentTo:
      'the room, and the target on their own channel (`user:<id>`), once even when not a member (the ban of a non-member)',
    example: ex.moderationEventExample,
  },
};

const DESCRIPTION = [
  'The Socket.IO interface of chat-service: namespace `/chat` on the same port as the HTTP API (`openapi.yaml`), Socket.IO 4 on the default path `/socket.io/`, WebSocket or long-polling.',
  '**Connecting.** `io(URL + "/chat", { auth: { token } })` with an HS256 JWT (`sub` = user id, `name` = display name). A missing, malformed, expired or wrongly signed token is refused: the client’s `connect_error` has `err.message === "UNAUTHORIZED"` (`"RATE_LIMITED"` for an address that keeps failing) and the error body in `err.data`. A socket is disconnected when its token expires.',
  '**Rooms.** On connect a socket joins the Socket.IO room of every chat room its user is a member of, and `user:<id>`; joining or leaving anywhere moves all that user’s sockets.',
  '**Acks.** Every client event answers through its ack (its reply here): `{ ok: true, data }` or `{ ok: false, error: { code, message, details?, retry_after_ms? } }`. An event sent without an ack is handled the same way; an invalid payload or unknown event never disconnects the socket. After a disconnection, catch up with `message:history { after_seq }`.',
].join('\n\n');

/** `room:create` → `RoomCreate`, for schema names. */
function pascal(event: string): string {
  return event
    .split(/[:_]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** `room:create` → `room.create`: AsyncAPI keys allow letters, digits, `.`, `-`, `_` only. */
const key = (event: string): string => event.replace(/:/g, '.');

/**
 * zod's output, tidied for a document: no per-schema `$schema`/`$id`, and no regex beside
 * `format: date-time` (zod spells out that format as a long pattern; the format says the same).
 */
function tidy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tidy);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).filter(
    ([k]) => k !== '$schema' && k !== '$id' && !(k === 'pattern' && 'format' in value),
  );
  return Object.fromEntries(entries.map(([k, v]) => [k, tidy(v)]));
}

function sortedByKey(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}

const ref = (path: string): { $ref: string } => ({ $ref: path });

function errorList(errors: Partial<Record<ErrorCode, string>>): string {
  const lines = Object.entries(errors).map(([code, why]) => `- \`${code}\`: ${why}`);
  return [
    'Errors: `{ ok: false, error }` with',
    ...lines,
    '- `VALIDATION_ERROR`: the payload is not an object, has unknown keys or breaks a limit',
    '- `UNAUTHORIZED`: the token has expired (the server then disconnects the socket)',
    '- `INTERNAL_ERROR`: an unexpected failure',
  ].join('\n');
}

/**
 * The AsyncAPI 3.0 document of the `/chat` namespace, generated from the event tables in
 * shared/events.ts (payloads for `limits`) and the object schemas they answer with.
 */
export function buildAsyncApiDocument(limits: Limits = DEFAULT_LIMITS): AsyncApiDocument {
  const clientEvents = createClientEvents(limits);
  const clientNames = Object.keys(clientEvents) as ClientEventName[];
  const serverNames = Object.keys(serverEvents) as ServerEventName[];

  // Everything the server sends, named once and referenced by name.
  const registry = z.registry<{ id: string; description?: string; examples?: unknown[] }>();
  const names = new Map<z.ZodType, string>();
  for (const { name, schema, description, example } of objectSchemas) {
    registry.add(schema, {
      id: name,
      description,
      ...(example === undefined ? {} : { examples: [example] }),
    });
    names.set(schema, name);
  }
  const ackErrorSchema = z.strictObject({ ok: z.literal(false), error: errorBodySchema });
  registry.add(ackErrorSchema, {
    id: 'AckError',
    description: 'A refused event: its ack carries the error.',
  });
  const ackNames = new Map<z.ZodType, string>();
  for (const event of clientNames) {
    const data = clientEvents[event].ack;
    if (ackNames.has(data)) continue;
    const dataName = names.get(data);
    if (!dataName) throw new Error(`the ack of ${event} is not a named schema`);
    const envelope = z.union([z.strictObject({ ok: z.literal(true), data }), ackErrorSchema]);
    registry.add(envelope, {
      id: `${dataName}Ack`,
      description: `An ack: ${dataName} on success, else the error.`,
    });
    ackNames.set(data, `${dataName}Ack`);
  }
  const { schemas: sent } = z.toJSONSchema(registry, {
    target: 'draft-7',
    io: 'output',
    metadata: registry,
    uri: (id) => `#/components/schemas/${id}`,
  });

  // What clients send: input side (defaults make fields optional), one schema per event.
  const received: Record<string, unknown> = {};
  for (const event of clientNames) {
    received[`${pascal(event)}Payload`] = z.toJSONSchema(clientEvents[event].payload, {
      target: 'draft-7',
      io: 'input',
    });
  }

  const messages: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const channel = ref('#/channels/chat');
  const channelMessage = (k: string) => ref(`#/channels/chat/messages/${k}`);

  for (const event of clientNames) {
    const doc: ClientEventDoc<ClientEventName> = CLIENT_EVENTS[event];
    const k = `client.${key(event)}`;
    const ackName = ackNames.get(clientEvents[event].ack) ?? '';
    messages[k] = {
      name: event,
      title: event,
      summary: doc.summary,
      payload: ref(`#/components/schemas/${pascal(event)}Payload`),
      examples: [{ name: event, payload: doc.example }],
    };
    messages[`${k}.ack`] = {
      name: `${event} ack`,
      title: `${event} ack`,
      summary: `The answer to ${event}, through the Socket.IO acknowledgement callback.`,
      description: errorList(doc.errors),
      payload: ref(`#/components/schemas/${ackName}`),
      examples: [
        { name: 'ok', payload: { ok: true, data: doc.ackExample } },
        { name: 'refused', payload: { ok: false, error: ex.errorBodyExample } },
      ],
    };
    operations[k] = {
      action: 'receive',
      channel,
      title: event,
      summary: doc.summary,
      messages: [channelMessage(k)],
      reply: { channel, messages: [channelMessage(`${k}.ack`)] },
    };
  }

  for (const event of serverNames) {
    const doc: ServerEventDoc<ServerEventName> = SERVER_EVENTS[event];
    const k = `server.${key(event)}`;
    const payloadName = names.get(serverEvents[event]);
    if (!payloadName) throw new Error(`the payload of ${event} is not a named schema`);
    messages[k] = {
      name: event,
      title: event,
      summary: doc.summary,
      payload: ref(`#/components/schemas/${payloadName}`),
      examples: [{ name: event, payload: doc.example }],
    };
    operations[k] = {
      action: 'send',
      channel,
      title: event,
      summary: doc.summary,
      description: `Sent to: ${doc.sentTo}.`,
      messages: [channelMessage(k)],
    };
  }

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'chat-service /chat',
      version: SERVICE_VERSION,
      description: DESCRIPTION,
      license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: 'localhost:3002',
        protocol: 'ws',
        pathname: '/socket.io',
        title: 'A local server (npm start)',
        description: 'Socket.IO 4 over WebSocket (or HTTP long-polling) on the HTTP port.',
        security: [ref('#/components/securitySchemes/token')],
      },
    },
    channels: {
      chat: {
        address: '/chat',
        title: 'Namespace /chat',
        description: 'The one Socket.IO namespace; every event below travels on it.',
        servers: [ref('#/servers/local')],
        messages: Object.fromEntries(
          Object.keys(messages).map((k) => [k, ref(`#/components/messages/${k}`)]),
        ),
      },
    },
    operations,
    components: {
      schemas: tidy(sortedByKey({ ...sent, ...received })),
      messages,
      securitySchemes: {
        token: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'The JWT travels in the Socket.IO handshake, `io(URL + "/chat", { auth: { token } })`, not in an HTTP header; a refusal is a `connect_error` whose `message` is the error code.',
        },
      },
    },
  };
}
