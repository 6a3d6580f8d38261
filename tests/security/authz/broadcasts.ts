import type { ServerEventName } from '../../../shared/events';
import { PLAIN_WS_BROADCASTS } from '../../../shared/schemas/plain-ws';
import { emitRaw } from '../../helpers/events';
import type { ClientSocket } from '../../helpers/server';
import type { ActorId, TokenlessActor, UserId } from './actors';
import type { Harness } from './harness';
import { na, type NotApplicable } from './outcomes';
import { isAbout, type Heard } from './recorder';

/**
 * WHO HEARS WHAT: each room broadcast, and whether each actor's clients hear it when it happens
 * in the room the actor targets (the public room for `nonMemberPublic`, the private one for the
 * others). Members hear their rooms' broadcasts on every socket and on a /ws connection; nobody
 * else hears anything of a room (docs/protocol.md, "Server to client").
 *
 * The entries run in this order on one world, each triggered in both rooms by real clients; a
 * client of the room that must hear it (the anchor) is awaited, then every other client passes a
 * round trip, after which anything sent to it has arrived.
 */

export type Hears = 'hears' | 'nothing';
export type HearCell = Hears | NotApplicable;
/** One cell, or one per transport (`socket.io`, and `ws` when the event has a /ws frame). */
export type HearExpected = HearCell | { 'socket.io': HearCell; ws?: HearCell };

/** One room of the stage: where a trigger happens, and the newcomer who is invited, joins, goes offline, leaves. */
export interface StageRoom {
  id: string;
  joiner: string;
  joinerSocket: ClientSocket;
  joinerToken: string;
  /** The message the message triggers act on, once sent. */
  messageId?: string;
}

export interface Stage {
  h: Harness;
  socketOf(user: UserId): ClientSocket;
}

export interface Broadcast {
  /** The event, and the batch it may be folded into in a busy room. */
  events: readonly ServerEventName[];
  /** Makes the room broadcast it. */
  trigger(stage: Stage, room: StageRoom): Promise<void>;
  /** A client that must hear it: the stage waits for it before looking at the others. */
  anchor: UserId | 'joiner';
  expect: Record<ActorId, HearExpected>;
}

/** The /ws frame type that mirrors a broadcast, if any. */
export function wsFrameOf(event: ServerEventName): string | undefined {
  return Object.hasOwn(PLAIN_WS_BROADCASTS, event)
    ? PLAIN_WS_BROADCASTS[event as keyof typeof PLAIN_WS_BROADCASTS]
    : undefined;
}

export function hearsIn(heard: readonly Heard[], broadcast: Broadcast, room: StageRoom): boolean {
  return heard.some(
    (h) =>
      broadcast.events.includes(h.event as ServerEventName) &&
      isAbout(h, { id: room.id, presenceOf: room.joiner }),
  );
}

const noConnection: Record<TokenlessActor | 'impersonator', NotApplicable> = {
  impersonator: na('no identity field in a broadcast'),
  noToken: na('no connection without a valid token (see the matrix)'),
  expiredToken: na('no connection without a valid token (see the matrix)'),
  foreignKey: na('no connection without a valid token (see the matrix)'),
  malformedToken: na('no connection without a valid token (see the matrix)'),
};
const asMember: Record<'author' | 'otherMember', NotApplicable> = {
  author: na('a member like any other (see member)'),
  otherMember: na('a member like any other (see member)'),
};
const noWs = na('only a member holds a /ws connection (opening one joins)');
const nobody = {
  owner: 'nothing',
  moderator: 'nothing',
  member: 'nothing',
  muted: 'nothing',
  nonMemberPublic: 'nothing',
  nonMemberPrivate: 'nothing',
  invitee: 'nothing',
  formerMember: 'nothing',
  bannedPublic: 'nothing',
  bannedPrivate: 'nothing',
} as const;

/** A room broadcast: members hear it on every socket and /ws connection, nobody else does. */
function toTheRoom(hasFrame: boolean): Record<ActorId, HearExpected> {
  const cell = (socket: HearCell, ws: HearCell): HearExpected =>
    hasFrame ? { 'socket.io': socket, ws } : socket;
  return {
    owner: cell('hears', 'hears'),
    moderator: cell('hears', 'hears'),
    member: cell('hears', 'hears'),
    muted: cell('hears', 'hears'),
    nonMemberPublic: cell('nothing', noWs),
    nonMemberPrivate: cell('nothing', noWs),
    invitee: cell('nothing', noWs),
    formerMember: cell('nothing', noWs),
    bannedPublic: cell('nothing', noWs),
    bannedPrivate: cell('nothing', noWs),
    ...asMember,
    ...noConnection,
  };
}

const ok = async (reply: Promise<unknown>): Promise<void> => {
  const ack = (await reply) as { ok?: boolean; error?: unknown };
  if (ack.ok !== true) throw new Error(`trigger refused: ${JSON.stringify(ack.error)}`);
};
const messageOf = (room: StageRoom): string => {
  if (!room.messageId) throw new Error('no message sent yet in this room');
  return room.messageId;
};

export const BROADCASTS: readonly Broadcast[] = [
  {
    events: ['room:invited'],
    trigger: (s, room) =>
      ok(emitRaw(s.socketOf('olga'), 'room:invite', { room_id: room.id, user_ids: [room.joiner] })),
    anchor: 'joiner',
    // The invitee's own channel only: not even the room's members hear of an invitation.
    expect: {
      ...nobody,
      ...asMember,
      ...noConnection,
    },
  },
  {
    events: ['room:user_joined', 'room:users_joined'],
    trigger: (_s, room) => ok(emitRaw(room.joinerSocket, 'room:join', { room_id: room.id })),
    anchor: 'olga',
    expect: toTheRoom(true),
  },
  {
    events: ['presence:update', 'presence:updates'],
    // The joiner's only socket closes: offline, announced to the one room they are in.
    trigger: async (_s, room) => {
      room.joinerSocket.disconnect();
    },
    anchor: 'olga',
    expect: toTheRoom(true),
  },
  {
    events: ['message:new'],
    trigger: async (s, room) => {
      const ack = (await emitRaw(s.socketOf('mia'), 'message:send', {
        room_id: room.id,
        content: 'news',
      })) as {
        data?: { id?: string };
      };
      room.messageId = ack.data?.id;
      messageOf(room);
    },
    anchor: 'olga',
    expect: toTheRoom(true),
  },
  {
    events: ['mention:new'],
    // Only to the members it mentions (olga, moe), never the author: naming a non-member, a pending
    // invitee, a former member or a banned user sends them nothing.
    trigger: (s, room) =>
      ok(
        emitRaw(s.socketOf('mia'), 'message:send', {
          room_id: room.id,
          content: 'hey @olga @moe @mia @pat @quinn @ivy @fred @bob',
        }),
      ),
    anchor: 'olga',
    expect: { ...nobody, owner: 'hears', moderator: 'hears', ...asMember, ...noConnection },
  },
  {
    events: ['message:updated'],
    trigger: (s, room) =>
      ok(emitRaw(s.socketOf('mia'), 'message:edit', { message_id: messageOf(room), content: 'edited news' })),
    anchor: 'olga',
    expect: toTheRoom(true),
  },
  {
    events: ['reaction:updated'],
    trigger: (s, room) =>
      ok(emitRaw(s.socketOf('mia'), 'reaction:add', { message_id: messageOf(room), emoji: '🎉' })),
    anchor: 'olga',
    expect: toTheRoom(true),
  },
  {
    events: ['typing:update'],
    trigger: (s, room) =>
      ok(emitRaw(s.socketOf('mia'), 'typing:update', { room_id: room.id, is_typing: true })),
    anchor: 'olga',
    expect: toTheRoom(true),
  },
  {
    events: ['room:moderated'],
    // The joiner (a member by now) is muted: the room hears it (and the joiner, on their own channel).
    trigger: (s, room) =>
      ok(
        emitRaw(s.socketOf('olga'), 'member:mute', {
          room_id: room.id,
          user_id: room.joiner,
          duration_ms: 60_000,
        }),
      ),
    anchor: 'mia',
    expect: toTheRoom(false),
  },
  {
    events: ['receipt:updated'],
    // olga's read position is behind mia's message: reading up to the end moves it.
    trigger: (s, room) => ok(emitRaw(s.socketOf('olga'), 'room:read', { room_id: room.id, seq: 1_000_000 })),
    anchor: 'mia',
    expect: toTheRoom(true),
  },
  {
    events: ['message:deleted'],
    trigger: (s, room) => ok(emitRaw(s.socketOf('mia'), 'message:delete', { message_id: messageOf(room) })),
    anchor: 'olga',
    expect: toTheRoom(true),
  },
  {
    events: ['room:user_left'],
    trigger: async (s, room) => {
      const res = await s.h.server.http('POST', `/api/rooms/${room.id}/leave`, { token: room.joinerToken });
      if (res.status !== 204) throw new Error(`leave answered ${res.status}`);
    },
    anchor: 'olga',
    expect: toTheRoom(true),
  },
  {
    events: ['room:updated'],
    // The owner leaves: the longest-standing member becomes owner and every member hears of it.
    trigger: (s, room) => ok(emitRaw(s.socketOf('olga'), 'room:leave', { room_id: room.id })),
    anchor: 'mia',
    expect: { ...toTheRoom(false), owner: na('the trigger is the owner leaving') },
  },
];
