import {
  mentionListSchema,
  messageSchema,
  pinListSchema,
  roomDetailSchema,
  searchPageSchema,
} from '../../../shared/schemas/objects';
import type { SignedInActor } from './actors';
import {
  everyoneSignedIn,
  FORBIDDEN,
  moderatorsOnly,
  noIdentityField,
  PRIVATE_ROOM_MEMBERS,
  readable,
  roomOperation,
  withoutValidToken,
} from './cells';
import type { CheckContext, Operation } from './operations';
import { na, notFound, type Expected } from './outcomes';
import type { Target } from './scenes';

/**
 * The matrix's entries for direct messages, mentions, search and pins (issue 14). The rules
 * (docs/behaviour.md):
 * - anyone signed in opens a direct message with anyone else, never with themselves;
 * - a direct message is a private room of exactly two: nobody is invited into it, nobody leaves
 *   it, nobody moderates in it, either member pins;
 * - mentions list only messages of rooms the caller is in now;
 * - search in a room needs the room to be readable (a private room is NOT_FOUND to non-members);
 *   search everywhere covers public rooms and the caller's own, never another's private room;
 * - the owner or a moderator pins and unpins; whoever may read the room lists its pins.
 */

/** The users of the direct message of the world: olga and mia. */
const DM_USERS = ['olga', 'mia'];

/** In the direct message: its two members get `outcome`; to everyone else it does not exist. */
const inTheDm = (
  outcome: Expected,
  field: string,
): Record<Exclude<SignedInActor, 'author' | 'otherMember' | 'impersonator'>, Expected> => ({
  ...everyoneSignedIn(notFound(field)),
  owner: outcome,
  member: outcome,
});

/** Rooms whose messages the actor may find: the public room, the private one when a member, the DM when in it. */
function mayRead(ctx: CheckContext, roomId: string): boolean {
  const { world, actor, target } = ctx;
  if (roomId === world.privateRoom) return PRIVATE_ROOM_MEMBERS.includes(actor);
  if (roomId === world.dm) return DM_USERS.includes(target.self);
  return roomId === world.publicRoom;
}

const search = (q: string, roomId?: (t: Target) => string) => ({
  socket: {
    event: 'message:search' as const,
    payload: (t: Target) => ({ q, ...(roomId ? { room_id: roomId(t) } : {}), limit: 50 }),
  },
  http: {
    route: 'GET /api/search',
    query: (t: Target) => ({ q, ...(roomId ? { room_id: roomId(t) } : {}), limit: '50' }),
    status: 200 as const,
  },
});

const pinCall = (event: 'message:pin' | 'message:unpin', id: (t: Target) => string) => ({
  socket: { event, payload: (t: Target) => ({ message_id: id(t) }) },
  http: {
    route: `${event === 'message:pin' ? 'PUT' : 'DELETE'} /api/messages/{id}/pin`,
    params: (t: Target) => ({ id: id(t) }),
    status: 200 as const,
  },
});

/** Pinning is the room's moderators' (authorship plays no part); a private room's messages are invisible to non-members. */
const pinners = {
  ...moderatorsOnly,
  nonMemberPrivate: notFound('message_id'),
  invitee: notFound('message_id'),
  formerMember: notFound('message_id'),
  bannedPrivate: notFound('message_id'),
  author: na('pinning does not depend on who wrote the message (see member)'),
  otherMember: na('pinning does not depend on who wrote the message (see member)'),
} as const;

export const CONVERSATION_OPERATIONS: readonly Operation[] = [
  // ---- Direct messages ----------------------------------------------------------------------
  {
    id: 'dm.open',
    socket: { event: 'dm:open', payload: (t) => ({ user_id: t.stranger }) },
    // A user no room has seen yet (one per world): the direct message is made, 201.
    http: { route: 'POST /api/dms', body: (t) => ({ user_id: t.stranger }), status: 201 },
    mutates: true,
    expect: {
      ...everyoneSignedIn('ok'),
      ...roomOperation,
      impersonator: na(
        'the body names the other party in user_id, not the caller (see dm.open-with-oneself)',
      ),
      ...withoutValidToken,
    },
    check: (data, { target }) => {
      const room = roomDetailSchema.parse(data);
      expect([room.is_dm, room.is_private, room.is_member]).toEqual([true, true, true]);
      expect(room.members.map((m) => [m.user_id, m.role]).sort()).toEqual(
        [
          [target.self, 'member'],
          [target.stranger, 'member'],
        ].sort(),
      );
    },
  },
  {
    id: 'dm.open-with-oneself',
    socket: { event: 'dm:open', payload: (t) => ({ user_id: t.self }) },
    http: { route: 'POST /api/dms', body: (t) => ({ user_id: t.self }), status: 201 },
    mutates: false,
    expect: {
      ...everyoneSignedIn({ code: 'VALIDATION_ERROR', field: 'user_id' }),
      ...roomOperation,
      ...noIdentityField,
      ...withoutValidToken,
    },
  },
  {
    id: 'dm.invite',
    socket: { event: 'room:invite', payload: (t) => ({ room_id: t.dmId, user_ids: [t.newcomer] }) },
    http: {
      route: 'POST /api/rooms/{room_id}/invite',
      params: (t) => ({ room_id: t.dmId }),
      body: (t) => ({ user_ids: [t.newcomer] }),
      status: 200,
    },
    mutates: true,
    // A direct message has exactly two members.
    expect: { ...inTheDm(FORBIDDEN, 'room_id'), ...roomOperation, ...noIdentityField, ...withoutValidToken },
  },
  {
    id: 'dm.leave',
    socket: { event: 'room:leave', payload: (t) => ({ room_id: t.dmId }) },
    http: { route: 'POST /api/rooms/{room_id}/leave', params: (t) => ({ room_id: t.dmId }), status: 204 },
    mutates: true,
    expect: { ...inTheDm(FORBIDDEN, 'room_id'), ...roomOperation, ...noIdentityField, ...withoutValidToken },
  },
  {
    id: 'dm.ban',
    socket: {
      event: 'member:ban',
      payload: (t) => ({ room_id: t.dmId, user_id: t.self === 'olga' ? 'mia' : 'olga' }),
    },
    http: {
      route: 'PUT /api/rooms/{room_id}/bans/{user_id}',
      params: (t) => ({ room_id: t.dmId, user_id: t.self === 'olga' ? 'mia' : 'olga' }),
      status: 200,
    },
    mutates: true,
    // No moderation in a direct message, not even by its creator.
    expect: { ...inTheDm(FORBIDDEN, 'room_id'), ...roomOperation, ...noIdentityField, ...withoutValidToken },
  },
  {
    id: 'dm.pin',
    ...pinCall('message:pin', (t) => t.dmMessageId),
    mutates: true,
    // Either member pins (the message is olga's: mia pins it as well).
    expect: { ...inTheDm('ok', 'message_id'), ...roomOperation, ...noIdentityField, ...withoutValidToken },
    check: (data, { target }) => expect(messageSchema.parse(data).pinned_by).toBe(target.self),
  },

  // ---- Mentions -----------------------------------------------------------------------------
  {
    id: 'mention.list',
    socket: { event: 'mention:list', payload: () => ({ limit: 100 }) },
    http: { route: 'GET /api/mentions', query: () => ({ limit: '100' }), status: 200 },
    mutates: false,
    expect: { ...everyoneSignedIn('ok'), ...roomOperation, ...noIdentityField, ...withoutValidToken },
    check: (data, ctx) => {
      const { messages } = mentionListSchema.parse(data);
      expect(
        messages.filter((m) => !mayRead(ctx, m.room_id) || !m.mentions.includes(ctx.target.self)),
      ).toEqual([]);
      // olga's message mentions mia, moe, fred and bob: fred has left, bob is banned since.
      expect(messages.some((m) => m.id === ctx.world.mentionQ)).toBe(
        ['mia', 'moe'].includes(ctx.target.self),
      );
    },
  },

  // ---- Search -------------------------------------------------------------------------------
  {
    id: 'message.search-in-a-room',
    ...search('root', (t) => t.roomId),
    mutates: false,
    expect: { ...readable, ...roomOperation, ...noIdentityField, ...withoutValidToken },
    check: (data, { target }) => {
      const ids = searchPageSchema.parse(data).results.map((r) => [r.message.room_id, r.message.id]);
      expect(ids.filter(([room]) => room !== target.roomId)).toEqual([]);
      expect(ids.map(([, id]) => id)).toContain(target.rootId);
    },
  },
  {
    id: 'message.search-everywhere',
    ...search('root'),
    mutates: false,
    expect: { ...everyoneSignedIn('ok'), ...roomOperation, ...noIdentityField, ...withoutValidToken },
    // Never a message of a private room the caller is not in.
    check: (data, ctx) => {
      const found = searchPageSchema.parse(data).results.map((r) => r.message);
      expect(found.filter((m) => !mayRead(ctx, m.room_id)).map((m) => m.content)).toEqual([]);
      expect(found.some((m) => m.id === ctx.world.rootQ)).toBe(mayRead(ctx, ctx.world.privateRoom));
    },
  },
  {
    id: 'message.search-everywhere-for-a-direct-message',
    ...search('direct message'),
    mutates: false,
    expect: { ...everyoneSignedIn('ok'), ...roomOperation, ...noIdentityField, ...withoutValidToken },
    check: (data, ctx) => {
      const found = searchPageSchema.parse(data).results.map((r) => r.message);
      expect(found.filter((m) => !mayRead(ctx, m.room_id)).map((m) => m.content)).toEqual([]);
      expect(found.some((m) => m.id === ctx.world.dmMessage)).toBe(DM_USERS.includes(ctx.target.self));
    },
  },

  // ---- Pins ---------------------------------------------------------------------------------
  {
    id: 'message.pin',
    ...pinCall('message:pin', (t) => t.unpinnedId),
    mutates: true,
    expect: { ...pinners, ...noIdentityField, ...withoutValidToken },
    check: (data, { target }) => {
      const message = messageSchema.parse(data);
      expect([message.id, message.pinned_by, message.pinned_at === null]).toEqual([
        target.unpinnedId,
        target.self,
        false,
      ]);
    },
  },
  {
    id: 'message.unpin',
    ...pinCall('message:unpin', (t) => t.rootId),
    mutates: true,
    expect: { ...pinners, ...noIdentityField, ...withoutValidToken },
    check: (data, { target }) => {
      const message = messageSchema.parse(data);
      expect([message.id, message.pinned_by, message.pinned_at]).toEqual([target.rootId, null, null]);
    },
  },
  {
    id: 'room.pins',
    socket: { event: 'room:pins', payload: (t) => ({ room_id: t.roomId }) },
    http: { route: 'GET /api/rooms/{room_id}/pins', params: (t) => ({ room_id: t.roomId }), status: 200 },
    mutates: false,
    expect: { ...readable, ...roomOperation, ...noIdentityField, ...withoutValidToken },
    check: (data, { target }) => {
      const pins = pinListSchema.parse(data);
      expect([pins.room_id, pins.messages.map((m) => m.id)]).toEqual([target.roomId, [target.rootId]]);
    },
  },
];
