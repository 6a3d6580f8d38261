import type { z } from 'zod';
import type { ErrorBody } from './errors';
import { DEFAULT_LIMITS, type Limits } from './limits';
import {
  changesPageSchema,
  emptySchema,
  historyPageSchema,
  inviteListSchema,
  inviteSchema,
  memberListSchema,
  membershipEventSchema,
  mentionListSchema,
  moderationEventSchema,
  pinListSchema,
  searchPageSchema,
  messageDeletedSchema,
  messageSchema,
  presenceListSchema,
  presenceUpdateSchema,
  presenceUpdatesSchema,
  reactionsStateSchema,
  readStateSchema,
  receiptUpdateSchema,
  roomDetailSchema,
  roomListSchema,
  typingBroadcastSchema,
  usersJoinedSchema,
} from './schemas/objects';
import { createPayloadSchemas } from './schemas/payloads';

/** Every acknowledged event answers with this envelope. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };

/**
 * Client-to-server events of the `/chat` namespace: the payload each takes and the data its ack
 * carries. The server validates with this table; the event map types below are derived from it.
 */
export function createClientEvents(limits: Limits) {
  const p = createPayloadSchemas(limits);
  return {
    'room:create': { payload: p.roomCreate, ack: roomDetailSchema },
    'room:list': { payload: p.roomList, ack: roomListSchema },
    'room:get': { payload: p.roomRef, ack: roomDetailSchema },
    'room:join': { payload: p.roomRef, ack: roomDetailSchema },
    'room:members': { payload: p.roomMembers, ack: memberListSchema },
    'room:leave': { payload: p.roomRef, ack: emptySchema },
    'room:invite': { payload: p.roomInvite, ack: roomDetailSchema },
    'room:decline': { payload: p.roomRef, ack: emptySchema },
    'invite:list': { payload: p.inviteList, ack: inviteListSchema },
    'room:read': { payload: p.roomRead, ack: readStateSchema },
    'message:send': { payload: p.messageSend, ack: messageSchema },
    'message:edit': { payload: p.messageEdit, ack: messageSchema },
    'message:delete': { payload: p.messageRef, ack: emptySchema },
    'message:history': { payload: p.messageHistory, ack: historyPageSchema },
    'room:sync': { payload: p.roomSync, ack: changesPageSchema },
    'typing:update': { payload: p.typingUpdate, ack: emptySchema },
    'reaction:add': { payload: p.reaction, ack: reactionsStateSchema },
    'reaction:remove': { payload: p.reaction, ack: reactionsStateSchema },
    'presence:get': { payload: p.presenceGet, ack: presenceListSchema },
    'dm:open': { payload: p.dmOpen, ack: roomDetailSchema },
    'mention:list': { payload: p.mentionList, ack: mentionListSchema },
    'message:search': { payload: p.messageSearch, ack: searchPageSchema },
    'message:pin': { payload: p.messageRef, ack: messageSchema },
    'message:unpin': { payload: p.messageRef, ack: messageSchema },
    'room:pins': { payload: p.roomRef, ack: pinListSchema },
    'member:role': { payload: p.memberRole, ack: moderationEventSchema },
    'member:remove': { payload: p.memberRef, ack: moderationEventSchema },
    'member:ban': { payload: p.memberRef, ack: moderationEventSchema },
    'member:unban': { payload: p.memberRef, ack: moderationEventSchema },
    'member:mute': { payload: p.memberMute, ack: moderationEventSchema },
    'member:unmute': { payload: p.memberRef, ack: moderationEventSchema },
  } as const;
}

/** The client events validated with the contract's default limits. */
export const clientEvents = createClientEvents(DEFAULT_LIMITS);
export type ClientEvents = typeof clientEvents;
export type ClientEventName = keyof ClientEvents;

/** What a client sends for an event (defaults not yet applied). */
export type ClientPayload<E extends ClientEventName> = z.input<ClientEvents[E]['payload']>;
/** The data of a successful ack for an event. */
export type AckData<E extends ClientEventName> = z.output<ClientEvents[E]['ack']>;

/** Server-to-client events and their payloads. */
export const serverEvents = {
  'message:new': messageSchema,
  'message:updated': messageSchema,
  'message:deleted': messageDeletedSchema,
  'typing:update': typingBroadcastSchema,
  'reaction:updated': reactionsStateSchema,
  'room:user_joined': membershipEventSchema,
  /** Joins held back during a burst (see docs/protocol.md), sent as one event. */
  'room:users_joined': usersJoinedSchema,
  'room:user_left': membershipEventSchema,
  'room:updated': roomDetailSchema,
  'room:invited': inviteSchema,
  'presence:update': presenceUpdateSchema,
  /** Presence changes held back during a burst in one room, sent as one event. */
  'presence:updates': presenceUpdatesSchema,
  'receipt:updated': receiptUpdateSchema,
  /** To the mentioned user's sockets: a new message (or an edit) that newly mentions them. */
  'mention:new': messageSchema,
  /** A moderation action in the room (also to its target, wherever their sockets are). */
  'room:moderated': moderationEventSchema,
} as const;
export type ServerEventName = keyof typeof serverEvents;
export type ServerPayload<E extends ServerEventName> = z.output<(typeof serverEvents)[E]>;

/** Socket.IO event maps: `io<ServerToClientEvents, ClientToServerEvents>(url + "/chat")`. */
export type ClientToServerEvents = {
  [E in ClientEventName]: (payload: ClientPayload<E>, ack: (res: Ack<AckData<E>>) => void) => void;
};
export type ServerToClientEvents = {
  [E in ServerEventName]: (payload: ServerPayload<E>) => void;
};

/** Socket.IO room names, built in one place so no handler concatenates them inline. */
export const channel = {
  room: (roomId: string): string => `room:${roomId}`,
  user: (userId: string): string => `user:${userId}`,
};
