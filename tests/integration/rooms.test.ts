import type { RoomDetail } from '../../shared/index';
import { errorOf, okData, record, waitFor } from '../helpers/events';
import { connectUsers, createRoom } from '../helpers/fixtures';
import { startServer, type ClientSocket, type TestServer } from '../helpers/server';

describe('rooms', () => {
  let server: TestServer;
  let tokens: Record<string, string>;
  let sockets: Record<string, ClientSocket>;

  beforeEach(async () => {
    server = await startServer();
    ({ tokens, sockets } = await connectUsers(server, ['alice', 'bob', 'carol']));
  });

  afterEach(() => server.close());

  const alice = () => sockets.alice as ClientSocket;
  const bob = () => sockets.bob as ClientSocket;
  const carol = () => sockets.carol as ClientSocket;

  describe('create, list and get', () => {
    it('creates a room over Socket.IO with the creator as owner and member', async () => {
      const room = okData(
        await alice().emitWithAck('room:create', { name: ' general ', description: 'All hands' }),
      );
      expect(room).toMatchObject({
        name: 'general',
        description: 'All hands',
        is_private: false,
        created_by: 'alice',
        member_count: 1,
        is_member: true,
        last_read_seq: 0,
        unread_count: 0,
        last_message_seq: 0,
        members: [{ user_id: 'alice', username: 'Alice', role: 'owner', online: true }],
      });
      expect(room.id).toMatch(/^[A-Za-z0-9_-]{21}$/);
    });

    it('creates a room over HTTP (201) inviting users, who are told by room:invited and are members only once they join', async () => {
      const told = waitFor(bob(), 'room:invited');
      const bobHears = record(bob(), 'message:new');
      const res = await server.http<RoomDetail>('POST', '/api/rooms', {
        token: tokens.alice,
        body: {
          name: 'secret',
          is_private: true,
          invited_users: ['bob', 'bob', 'alice'],
          creator_id: 'alice',
        },
      });
      expect(res.status).toBe(201);
      expect(res.body.members.map((m) => [m.user_id, m.role])).toEqual([['alice', 'owner']]);
      expect(res.body.member_count).toBe(1);
      expect(await told).toEqual({
        room_id: res.body.id,
        room_name: 'secret',
        description: null,
        is_private: true,
        invited_by: 'alice',
        inviter_username: 'Alice',
        invited_at: res.body.created_at,
      });
      // Pending: bob's socket is not in the room until he accepts by joining.
      okData(await alice().emitWithAck('message:send', { room_id: res.body.id, content: 'before' }));
      const joined = okData(await bob().emitWithAck('room:join', { room_id: res.body.id }));
      expect(joined).toMatchObject({ is_member: true, member_count: 2, last_read_seq: 1, unread_count: 0 });
      const arrival = waitFor(bob(), 'message:new');
      okData(await alice().emitWithAck('message:send', { room_id: res.body.id, content: 'psst' }));
      expect((await arrival).content).toBe('psst');
      expect(bobHears.seen.map((m) => m.content)).toEqual(['psst']);
    });

    it('lists public rooms and only the private rooms the caller is in', async () => {
      const pub = okData(await alice().emitWithAck('room:create', { name: 'public' }));
      const priv = okData(await alice().emitWithAck('room:create', { name: 'private', is_private: true }));
      const mine = okData(await alice().emitWithAck('room:list', {}));
      expect(mine.rooms.map((r) => r.id)).toEqual([pub.id, priv.id]);
      const theirs = okData(await bob().emitWithAck('room:list', {}));
      expect(theirs.rooms.map((r) => r.id)).toEqual([pub.id]);
      expect(theirs.rooms[0]).toMatchObject({ is_member: false, last_read_seq: null, unread_count: 0 });
      const overHttp = await server.http<{ rooms: { id: string }[] }>('GET', '/api/rooms', {
        token: tokens.bob,
      });
      expect(overHttp.status).toBe(200);
      expect(overHttp.body.rooms.map((r) => r.id)).toEqual([pub.id]);
    });

    it('lets anyone signed in read a public room and its history without joining', async () => {
      const room = okData(await alice().emitWithAck('room:create', { name: 'lobby' }));
      okData(await alice().emitWithAck('message:send', { room_id: room.id, content: 'welcome' }));
      const seen = okData(await bob().emitWithAck('room:get', { room_id: room.id }));
      expect(seen).toMatchObject({ is_member: false, member_count: 1, last_message_seq: 1 });
      const res = await server.http<{ messages: { content: string }[] }>(
        'GET',
        `/api/rooms/${room.id}/messages`,
        { token: tokens.bob },
      );
      expect(res.status).toBe(200);
      expect(res.body.messages.map((m) => m.content)).toEqual(['welcome']);
    });
  });

  describe('private rooms are invisible to non-members', () => {
    let roomId: string;
    let messageId: string;

    beforeEach(async () => {
      roomId = okData(await alice().emitWithAck('room:create', { name: 'hidden', is_private: true })).id;
      messageId = okData(await alice().emitWithAck('message:send', { room_id: roomId, content: 'x' })).id;
    });

    it('answers NOT_FOUND to every socket event that names it', async () => {
      const b = bob();
      expect(errorOf(await b.emitWithAck('room:get', { room_id: roomId })).code).toBe('NOT_FOUND');
      expect(errorOf(await b.emitWithAck('room:join', { room_id: roomId })).code).toBe('NOT_FOUND');
      expect(errorOf(await b.emitWithAck('room:leave', { room_id: roomId })).code).toBe('NOT_FOUND');
      expect(errorOf(await b.emitWithAck('room:invite', { room_id: roomId, user_ids: ['bob'] })).code).toBe(
        'NOT_FOUND',
      );
      expect(errorOf(await b.emitWithAck('room:decline', { room_id: roomId })).code).toBe('NOT_FOUND');
      expect(errorOf(await b.emitWithAck('message:history', { room_id: roomId })).code).toBe('NOT_FOUND');
      expect(errorOf(await b.emitWithAck('message:send', { room_id: roomId, content: 'hi' })).code).toBe(
        'NOT_FOUND',
      );
    });

    it('answers 404 NOT_FOUND to every HTTP call that names it', async () => {
      const calls: [string, string, unknown?][] = [
        ['GET', `/api/rooms/${roomId}`],
        ['POST', `/api/rooms/${roomId}/join`],
        ['POST', `/api/rooms/${roomId}/leave`],
        ['POST', `/api/rooms/${roomId}/invite`, { user_ids: ['bob'] }],
        ['POST', `/api/rooms/${roomId}/decline`],
        ['GET', `/api/rooms/${roomId}/messages`],
        ['GET', `/api/messages/${messageId}`],
        ['POST', '/api/messages', { room_id: roomId, content: 'hi' }],
      ];
      for (const [method, path, body] of calls) {
        const res = await server.http<{ error: { code: string } }>(method, path, { token: tokens.bob, body });
        expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 404, 'NOT_FOUND']);
      }
      // Same answer as for a room that does not exist at all.
      const missing = await server.http('GET', '/api/rooms/does-not-exist', { token: tokens.bob });
      expect(missing.status).toBe(404);
    });
  });

  describe('join and leave', () => {
    let roomId: string;

    beforeEach(async () => {
      roomId = await createRoom(alice(), 'general');
    });

    it('refuses posting to a public room before joining with FORBIDDEN, over both transports', async () => {
      expect(errorOf(await bob().emitWithAck('message:send', { room_id: roomId, content: 'hi' })).code).toBe(
        'FORBIDDEN',
      );
      const res = await server.http<{ error: { code: string } }>('POST', '/api/messages', {
        token: tokens.bob,
        body: { room_id: roomId, content: 'hi' },
      });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    });

    it('joins idempotently, announces room:user_joined once, and puts every socket of the user in the room', async () => {
      const bobSecond = await server.connect(tokens.bob as string);
      const joined = record(alice(), 'room:user_joined');
      const announced = waitFor(alice(), 'room:user_joined');
      const first = okData(await bob().emitWithAck('room:join', { room_id: roomId }));
      expect(first).toMatchObject({ is_member: true, member_count: 2, last_read_seq: 0 });
      expect(await announced).toMatchObject({ room_id: roomId, user_id: 'bob', username: 'Bob' });
      const again = await server.http<RoomDetail>('POST', `/api/rooms/${roomId}/join`, { token: tokens.bob });
      expect(again.status).toBe(200);
      expect(again.body.member_count).toBe(2);

      const onBoth = Promise.all([waitFor(bob(), 'message:new'), waitFor(bobSecond, 'message:new')]);
      okData(await alice().emitWithAck('message:send', { room_id: roomId, content: 'hello both' }));
      expect((await onBoth).map((m) => m.content)).toEqual(['hello both', 'hello both']);
      expect(joined.seen).toHaveLength(1);
    });

    it('puts the user’s live sockets in the room when they join over HTTP', async () => {
      const res = await server.http('POST', `/api/rooms/${roomId}/join`, { token: tokens.bob });
      expect(res.status).toBe(200);
      const arrival = waitFor(bob(), 'message:new');
      okData(await alice().emitWithAck('message:send', { room_id: roomId, content: 'you are in' }));
      expect((await arrival).content).toBe('you are in');
    });

    it('sets the read position to the room’s last seq on join, and counts unread after it', async () => {
      for (const content of ['one', 'two', 'three']) {
        okData(await alice().emitWithAck('message:send', { room_id: roomId, content }));
      }
      const joined = okData(await bob().emitWithAck('room:join', { room_id: roomId }));
      expect(joined).toMatchObject({ last_read_seq: 3, unread_count: 0, last_message_seq: 3 });
      okData(await alice().emitWithAck('message:send', { room_id: roomId, content: 'four' }));
      const later = okData(await bob().emitWithAck('room:get', { room_id: roomId }));
      expect(later).toMatchObject({ last_read_seq: 3, unread_count: 1, last_message_seq: 4 });
      // The sender has read their own message.
      expect(okData(await alice().emitWithAck('room:get', { room_id: roomId })).unread_count).toBe(0);
    });

    it('leaves: announces room:user_left to the room, stops delivery, and refuses posting after', async () => {
      okData(await bob().emitWithAck('room:join', { room_id: roomId }));
      const left = Promise.all([waitFor(alice(), 'room:user_left'), waitFor(bob(), 'room:user_left')]);
      const res = await server.http('POST', `/api/rooms/${roomId}/leave`, { token: tokens.bob });
      expect(res.status).toBe(204);
      for (const event of await left) expect(event).toMatchObject({ room_id: roomId, user_id: 'bob' });

      const bobSees = record(bob(), 'message:new');
      const carolJoined = okData(await carol().emitWithAck('room:join', { room_id: roomId }));
      expect(carolJoined.member_count).toBe(2);
      const marker = waitFor(carol(), 'message:new');
      okData(await alice().emitWithAck('message:send', { room_id: roomId, content: 'after bob left' }));
      await marker;
      // Bob's socket is no longer in the room: the barrier below proves nothing is in flight to him.
      okData(await bob().emitWithAck('room:list', {}));
      expect(bobSees.seen).toEqual([]);
      expect(errorOf(await bob().emitWithAck('message:send', { room_id: roomId, content: 'x' })).code).toBe(
        'FORBIDDEN',
      );
      // Leaving again is a no-op.
      expect(okData(await bob().emitWithAck('room:leave', { room_id: roomId }))).toEqual({});
    });

    it('passes ownership to the longest-standing member when the owner leaves', async () => {
      okData(await bob().emitWithAck('room:join', { room_id: roomId }));
      okData(await carol().emitWithAck('room:join', { room_id: roomId }));
      const updated = waitFor(bob(), 'room:updated');
      okData(await alice().emitWithAck('room:leave', { room_id: roomId }));
      const detail = await updated;
      expect(detail.members.map((m) => [m.user_id, m.role])).toEqual([
        ['bob', 'owner'],
        ['carol', 'member'],
      ]);
      // The new owner can invite.
      okData(await bob().emitWithAck('room:invite', { room_id: roomId, user_ids: ['dave'] }));
    });
  });

  describe('invite', () => {
    it('is for the owner only; invitees are told, become members by joining, and only then are announced', async () => {
      const room = okData(
        await alice().emitWithAck('room:create', { name: 'team', is_private: true, invited_users: ['bob'] }),
      );
      okData(await bob().emitWithAck('room:join', { room_id: room.id }));
      expect(
        errorOf(await bob().emitWithAck('room:invite', { room_id: room.id, user_ids: ['carol'] })).code,
      ).toBe('FORBIDDEN');
      const forbidden = await server.http<{ error: { code: string } }>(
        'POST',
        `/api/rooms/${room.id}/invite`,
        {
          token: tokens.bob,
          body: { user_ids: ['carol'] },
        },
      );
      expect(forbidden.status).toBe(403);

      const carolTold = waitFor(carol(), 'room:invited');
      const bobHears = record(bob(), 'room:user_joined');
      const res = await server.http<RoomDetail>('POST', `/api/rooms/${room.id}/invite`, {
        token: tokens.alice,
        body: { user_ids: ['carol', 'bob'] },
      });
      expect(res.status).toBe(200);
      expect(res.body.members.map((m) => m.user_id)).toEqual(['alice', 'bob']);
      expect(await carolTold).toMatchObject({ room_id: room.id, room_name: 'team', invited_by: 'alice' });

      // Pending: the private room stays invisible to carol except to join or decline it.
      expect(errorOf(await carol().emitWithAck('room:get', { room_id: room.id })).code).toBe('NOT_FOUND');
      expect(errorOf(await carol().emitWithAck('message:history', { room_id: room.id })).code).toBe(
        'NOT_FOUND',
      );
      expect(bobHears.seen).toEqual([]);

      const bobTold = waitFor(bob(), 'room:user_joined');
      const joined = okData(await carol().emitWithAck('room:join', { room_id: room.id }));
      expect(joined).toMatchObject({ is_member: true, member_count: 3 });
      expect(await bobTold).toMatchObject({ room_id: room.id, user_id: 'carol', username: 'Carol' });
      const arrival = waitFor(carol(), 'message:new');
      okData(await alice().emitWithAck('message:send', { room_id: room.id, content: 'welcome carol' }));
      expect((await arrival).content).toBe('welcome carol');
      // Joining again is a no-op that answers the room.
      expect(okData(await carol().emitWithAck('room:join', { room_id: room.id })).member_count).toBe(3);
    });

    it('re-inviting a pending invitee or a member is a no-op; after a decline the user can be invited again', async () => {
      const first = waitFor(bob(), 'room:invited');
      const room = okData(
        await alice().emitWithAck('room:create', { name: 'team', is_private: true, invited_users: ['bob'] }),
      );
      await first;
      const invited = record(bob(), 'room:invited');
      okData(await alice().emitWithAck('room:invite', { room_id: room.id, user_ids: ['bob'] }));
      okData(await alice().emitWithAck('room:invite', { room_id: room.id, user_ids: ['alice'] }));

      expect(okData(await bob().emitWithAck('room:decline', { room_id: room.id }))).toEqual({});
      expect(errorOf(await bob().emitWithAck('room:decline', { room_id: room.id })).code).toBe('NOT_FOUND');
      expect(errorOf(await bob().emitWithAck('room:join', { room_id: room.id })).code).toBe('NOT_FOUND');
      // Nothing reached bob from the repeats (the decline's ack is a round trip after them).
      expect(invited.seen).toEqual([]);

      const again = waitFor(bob(), 'room:invited');
      okData(await alice().emitWithAck('room:invite', { room_id: room.id, user_ids: ['bob'] }));
      expect((await again).room_id).toBe(room.id);
      expect(okData(await bob().emitWithAck('room:join', { room_id: room.id })).is_member).toBe(true);
    });

    it('joining a public room one is invited to accepts the invitation', async () => {
      const room = okData(await alice().emitWithAck('room:create', { name: 'open', invited_users: ['bob'] }));
      expect(okData(await bob().emitWithAck('invite:list', {})).invites.map((i) => i.room_id)).toEqual([
        room.id,
      ]);
      // A public room is readable before accepting, as it is for everyone.
      expect(okData(await bob().emitWithAck('room:get', { room_id: room.id })).is_member).toBe(false);
      okData(await bob().emitWithAck('room:join', { room_id: room.id }));
      expect(okData(await bob().emitWithAck('invite:list', {}))).toEqual({ invites: [], next_cursor: null });
      expect(errorOf(await bob().emitWithAck('room:decline', { room_id: room.id })).code).toBe('NOT_FOUND');
    });

    it('shows online flags of members to members, and never a pending invitee', async () => {
      const room = okData(
        await alice().emitWithAck('room:create', { name: 'mixed', invited_users: ['bob', 'zed'] }),
      );
      expect(room.members.map((m) => m.user_id)).toEqual(['alice']);
      okData(await bob().emitWithAck('room:join', { room_id: room.id }));
      const seen = okData(await alice().emitWithAck('room:get', { room_id: room.id }));
      expect(seen.members.map((m) => [m.user_id, m.username, m.online])).toEqual([
        ['alice', 'Alice', true],
        ['bob', 'Bob', true],
      ]);
    });
  });
});

describe('room:updated carries each member’s own read state', () => {
  let server: TestServer;

  afterEach(() => server.close());

  it('gives each member their own last_read_seq and unread_count when ownership passes on', async () => {
    server = await startServer();
    const [alice, bob, carol] = await Promise.all(
      ['alice', 'bob', 'carol'].map(async (id) => server.connect(await server.token(id))),
    );
    const a = alice as ClientSocket;
    const b = bob as ClientSocket;
    const c = carol as ClientSocket;
    const room = okData(await a.emitWithAck('room:create', { name: 'team' }));
    okData(await b.emitWithAck('room:join', { room_id: room.id }));
    for (const content of ['one', 'two', 'three']) {
      okData(await a.emitWithAck('message:send', { room_id: room.id, content }));
    }
    okData(await b.emitWithAck('room:read', { room_id: room.id, seq: 1 }));
    okData(await c.emitWithAck('room:join', { room_id: room.id }));

    const views = Promise.all([waitFor(b, 'room:updated'), waitFor(c, 'room:updated')]);
    okData(await a.emitWithAck('room:leave', { room_id: room.id }));
    const [forBob, forCarol] = await views;
    expect(forBob).toMatchObject({ is_member: true, last_read_seq: 1, unread_count: 2, member_count: 2 });
    expect(forCarol).toMatchObject({ is_member: true, last_read_seq: 3, unread_count: 0, member_count: 2 });
    expect(forBob.members.map((m) => [m.user_id, m.role])).toEqual([
      ['bob', 'owner'],
      ['carol', 'member'],
    ]);
  });
});
