import type { Message, ReadState, Room, RoomDetail } from '../../shared/index';
import { validationError } from '../helpers/errors';
import { emitRaw, errorOf, okData, record, waitFor } from '../helpers/events';
import { connectUsers, createRoom } from '../helpers/fixtures';
import { startServer, type ClientSocket, type HttpResult, type TestServer } from '../helpers/server';

/**
 * Read receipts: `room:read` / `POST /api/rooms/{id}/read` move the caller's read position forward
 * only (clamped to the last message), `receipt:updated` tells the room when it moves, and every Room
 * object gives the caller's `last_read_seq`, `unread_count` and `last_message_seq` consistently.
 */

type ReadView = Pick<Room, 'is_member' | 'last_read_seq' | 'unread_count' | 'last_message_seq'>;

function readView(room: Room): ReadView {
  return {
    is_member: room.is_member,
    last_read_seq: room.last_read_seq,
    unread_count: room.unread_count,
    last_message_seq: room.last_message_seq,
  };
}

describe('read receipts', () => {
  let server: TestServer;
  let tokens: Record<string, string>;
  let sockets: Record<string, ClientSocket>;
  let roomId: string;

  const alice = () => sockets.alice as ClientSocket;
  const bob = () => sockets.bob as ClientSocket;
  const carol = () => sockets.carol as ClientSocket;
  const token = (id: string) => tokens[id] as string;

  beforeEach(async () => {
    server = await startServer();
    ({ tokens, sockets } = await connectUsers(server, ['alice', 'bob', 'carol']));
    roomId = await createRoom(alice(), 'general', { joinedBy: [bob()] });
    for (const content of ['m1', 'm2', 'm3', 'm4', 'm5']) await say(alice(), content);
  });

  afterEach(() => server.close());

  async function say(socket: ClientSocket, content: string, room = roomId): Promise<Message> {
    return okData(await socket.emitWithAck('message:send', { room_id: room, content }));
  }

  async function readOverHttp(user: string, seq: unknown, room = roomId): Promise<HttpResult<ReadState>> {
    return server.http<ReadState>('POST', `/api/rooms/${encodeURIComponent(room)}/read`, {
      token: token(user),
      body: { seq },
    });
  }

  /**
   * The caller's read state of `room` as each of the four Room views gives it:
   * room:list, room:get, GET /api/rooms and GET /api/rooms/{id}.
   */
  async function viewsOf(
    user: string,
    socket: ClientSocket,
    room = roomId,
  ): Promise<Record<string, ReadView>> {
    const listed = okData(await socket.emitWithAck('room:list', {})).rooms.find((r) => r.id === room);
    const got = okData(await socket.emitWithAck('room:get', { room_id: room }));
    const httpList = await server.http<{ rooms: Room[] }>('GET', '/api/rooms', { token: token(user) });
    const httpGet = await server.http<RoomDetail>('GET', `/api/rooms/${room}`, { token: token(user) });
    expect([httpList.status, httpGet.status]).toEqual([200, 200]);
    const httpListed = httpList.body.rooms.find((r) => r.id === room);
    if (!listed || !httpListed) throw new Error(`room ${room} missing from ${user}'s room list`);
    return {
      'room:list': readView(listed),
      'room:get': readView(got),
      'GET /api/rooms': readView(httpListed),
      'GET /api/rooms/{id}': readView(httpGet.body),
    };
  }

  /** Asserts that all four views give `expected`. */
  async function expectViews(user: string, socket: ClientSocket, expected: ReadView, room = roomId) {
    const views = await viewsOf(user, socket, room);
    expect(views).toEqual({
      'room:list': expected,
      'room:get': expected,
      'GET /api/rooms': expected,
      'GET /api/rooms/{id}': expected,
    });
  }

  const member = (last_read_seq: number, last_message_seq: number): ReadView => ({
    is_member: true,
    last_read_seq,
    unread_count: last_message_seq - last_read_seq,
    last_message_seq,
  });

  describe('unread counts', () => {
    it('fall after room:read and POST /api/rooms/{id}/read, and only new messages raise them again', async () => {
      await expectViews('bob', bob(), member(0, 5));

      const viaSocket = okData(await bob().emitWithAck('room:read', { room_id: roomId, seq: 3 }));
      expect(viaSocket).toStrictEqual({
        room_id: roomId,
        last_read_seq: 3,
        unread_count: 2,
        unread_mentions: 0,
      });
      await expectViews('bob', bob(), member(3, 5));

      const viaHttp = await readOverHttp('bob', 5);
      expect(viaHttp.status).toBe(200);
      expect(viaHttp.body).toStrictEqual({
        room_id: roomId,
        last_read_seq: 5,
        unread_count: 0,
        unread_mentions: 0,
      });
      await expectViews('bob', bob(), member(5, 5));

      await say(alice(), 'm6');
      await expectViews('bob', bob(), member(5, 6));
    });

    it('never rise from an older or equal seq: the answer is the current position and nothing is broadcast', async () => {
      const receipts = record(alice(), 'receipt:updated');
      const moved = waitFor(alice(), 'receipt:updated', (r) => r.last_read_seq === 4);
      okData(await bob().emitWithAck('room:read', { room_id: roomId, seq: 4 }));
      await moved;
      const current = { room_id: roomId, last_read_seq: 4, unread_count: 1, unread_mentions: 0 };

      expect(okData(await bob().emitWithAck('room:read', { room_id: roomId, seq: 2 }))).toStrictEqual(
        current,
      );
      expect(okData(await bob().emitWithAck('room:read', { room_id: roomId, seq: 4 }))).toStrictEqual(
        current,
      );
      for (const seq of [1, 0, 4]) {
        const res = await readOverHttp('bob', seq);
        expect([seq, res.status, res.body]).toEqual([seq, 200, current]);
      }
      await expectViews('bob', bob(), member(4, 5));

      // Barrier: a real move is announced after anything the refused moves could have sent.
      const barrier = waitFor(alice(), 'receipt:updated', (r) => r.last_read_seq === 5);
      okData(await bob().emitWithAck('room:read', { room_id: roomId, seq: 5 }));
      await barrier;
      expect(receipts.seen).toEqual([
        { room_id: roomId, user_id: 'bob', last_read_seq: 4 },
        { room_id: roomId, user_id: 'bob', last_read_seq: 5 },
      ]);
    });

    it('clamp a seq beyond the last message to the last message, over both transports', async () => {
      const told = waitFor(alice(), 'receipt:updated');
      expect(okData(await bob().emitWithAck('room:read', { room_id: roomId, seq: 999 }))).toStrictEqual({
        room_id: roomId,
        last_read_seq: 5,
        unread_count: 0,
        unread_mentions: 0,
      });
      expect(await told).toStrictEqual({ room_id: roomId, user_id: 'bob', last_read_seq: 5 });

      // The stored position is 5, not 999: the next message is unread.
      await say(alice(), 'm6');
      await expectViews('bob', bob(), member(5, 6));

      const toldAgain = waitFor(alice(), 'receipt:updated');
      const res = await readOverHttp('bob', Number.MAX_SAFE_INTEGER);
      expect(res.status).toBe(200);
      expect(res.body).toStrictEqual({
        room_id: roomId,
        last_read_seq: 6,
        unread_count: 0,
        unread_mentions: 0,
      });
      expect(await toldAgain).toStrictEqual({ room_id: roomId, user_id: 'bob', last_read_seq: 6 });
      await say(alice(), 'm7');
      await expectViews('bob', bob(), member(6, 7));
    });

    it('stay at 0 in a room without messages, whatever seq is read, and announce nothing', async () => {
      const empty = okData(await alice().emitWithAck('room:create', { name: 'empty' })).id;
      okData(await bob().emitWithAck('room:join', { room_id: empty }));
      const receipts = record(alice(), 'receipt:updated');
      expect(okData(await bob().emitWithAck('room:read', { room_id: empty, seq: 10 }))).toStrictEqual({
        room_id: empty,
        last_read_seq: 0,
        unread_count: 0,
        unread_mentions: 0,
      });
      const res = await readOverHttp('bob', 3, empty);
      expect([res.status, res.body]).toEqual([
        200,
        { room_id: empty, last_read_seq: 0, unread_count: 0, unread_mentions: 0 },
      ]);
      await expectViews('bob', bob(), member(0, 0), empty);

      // Barrier: bob's first real move is announced after anything the reads above could have sent.
      await say(alice(), 'first', empty);
      const barrier = waitFor(alice(), 'receipt:updated', (r) => r.room_id === empty);
      okData(await bob().emitWithAck('room:read', { room_id: empty, seq: 1 }));
      await barrier;
      expect(receipts.seen).toEqual([{ room_id: empty, user_id: 'bob', last_read_seq: 1 }]);
    });
  });

  describe('receipt:updated', () => {
    it('reaches the other members and the reader’s other sockets, over both transports, not non-members', async () => {
      const bobPhone = await server.connect(token('bob'));
      const carolSees = record(carol(), 'receipt:updated');

      const toAlice = waitFor(alice(), 'receipt:updated');
      const toPhone = waitFor(bobPhone, 'receipt:updated');
      okData(await bob().emitWithAck('room:read', { room_id: roomId, seq: 2 }));
      const expected = { room_id: roomId, user_id: 'bob', last_read_seq: 2 };
      expect(await toAlice).toStrictEqual(expected);
      expect(await toPhone).toStrictEqual(expected);

      const overHttp = Promise.all([
        waitFor(alice(), 'receipt:updated'),
        waitFor(bobPhone, 'receipt:updated'),
        waitFor(bob(), 'receipt:updated'),
      ]);
      expect((await readOverHttp('bob', 4)).status).toBe(200);
      for (const r of await overHttp) {
        expect(r).toStrictEqual({ room_id: roomId, user_id: 'bob', last_read_seq: 4 });
      }

      // Barrier: carol's own ack comes after anything sent to her before it.
      okData(await carol().emitWithAck('room:list', {}));
      expect(carolSees.seen).toEqual([]);
    });

    it('is not sent when a member sends a message, although the sender’s position moves', async () => {
      const aliceSees = record(alice(), 'receipt:updated');
      // Bob has 5 unread; sending moves his position to his own message.
      const sent = await say(bob(), 'from bob');
      expect(sent.seq).toBe(6);
      await expectViews('bob', bob(), member(6, 6));

      const overHttp = await server.http<Message>('POST', '/api/messages', {
        token: token('bob'),
        body: { room_id: roomId, content: 'from bob over http' },
      });
      expect([overHttp.status, overHttp.body.seq]).toEqual([201, 7]);
      await expectViews('bob', bob(), member(7, 7));
      await expectViews('alice', alice(), member(5, 7));

      // Barrier: alice's own read is announced to the room, alice's sockets included.
      const barrier = waitFor(alice(), 'receipt:updated', (r) => r.user_id === 'alice');
      okData(await alice().emitWithAck('room:read', { room_id: roomId, seq: 7 }));
      await barrier;
      expect(aliceSees.seen).toEqual([{ room_id: roomId, user_id: 'alice', last_read_seq: 7 }]);
    });
  });

  describe('Room objects', () => {
    it('give the caller’s own read state in every room, the same in every view', async () => {
      const quiet = okData(await bob().emitWithAck('room:create', { name: 'quiet' })).id;
      await say(bob(), 'q1', quiet);
      await say(bob(), 'q2', quiet);
      const secret = okData(
        await alice().emitWithAck('room:create', {
          name: 'secret',
          is_private: true,
          invited_users: ['bob'],
        }),
      ).id;
      okData(await bob().emitWithAck('room:join', { room_id: secret }));
      for (const content of ['s1', 's2', 's3']) await say(alice(), content, secret);
      okData(await bob().emitWithAck('room:read', { room_id: secret, seq: 1 }));

      await expectViews('bob', bob(), member(0, 5), roomId);
      await expectViews('bob', bob(), member(2, 2), quiet);
      await expectViews('bob', bob(), member(1, 3), secret);
      await expectViews('alice', alice(), member(5, 5), roomId);
      await expectViews('alice', alice(), member(3, 3), secret);

      // A non-member sees public rooms without a read position and with nothing unread.
      const outside: ReadView = {
        is_member: false,
        last_read_seq: null,
        unread_count: 0,
        last_message_seq: 5,
      };
      await expectViews('carol', carol(), outside, roomId);
      await expectViews('carol', carol(), { ...outside, last_message_seq: 2 }, quiet);

      // Every member room in every list satisfies unread_count = last_message_seq − last_read_seq.
      for (const [user, socket] of [
        ['alice', alice()],
        ['bob', bob()],
        ['carol', carol()],
      ] as const) {
        const lists = [
          okData(await socket.emitWithAck('room:list', {})).rooms,
          (await server.http<{ rooms: Room[] }>('GET', '/api/rooms', { token: token(user) })).body.rooms,
        ];
        for (const rooms of lists) {
          for (const r of rooms) {
            const expected = r.is_member ? r.last_message_seq - (r.last_read_seq ?? Number.NaN) : 0;
            expect([user, r.name, r.unread_count]).toEqual([user, r.name, expected]);
          }
        }
      }
    });

    it('start a joiner at the room’s last message, over both transports', async () => {
      const joined = okData(await carol().emitWithAck('room:join', { room_id: roomId }));
      expect(readView(joined)).toEqual(member(5, 5));
      await say(alice(), 'm6');
      await expectViews('carol', carol(), member(5, 6));

      const dave = await server.token('dave', 'Dave');
      const res = await server.http<RoomDetail>('POST', `/api/rooms/${roomId}/join`, { token: dave });
      expect(res.status).toBe(200);
      expect(readView(res.body)).toEqual(member(6, 6));
    });
  });

  describe('refusals', () => {
    let secret: string;

    beforeEach(async () => {
      secret = okData(await alice().emitWithAck('room:create', { name: 'secret', is_private: true })).id;
      await say(alice(), 'hidden', secret);
    });

    it('answers FORBIDDEN to a non-member of a public room, over both transports, and moves nothing', async () => {
      const receipts = record(alice(), 'receipt:updated');
      expect(errorOf(await carol().emitWithAck('room:read', { room_id: roomId, seq: 3 })).code).toBe(
        'FORBIDDEN',
      );
      const res = await readOverHttp('carol', 3);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: expect.objectContaining({ code: 'FORBIDDEN' }) });
      await expectViews('carol', carol(), {
        is_member: false,
        last_read_seq: null,
        unread_count: 0,
        last_message_seq: 5,
      });

      // Barrier: bob's read is announced after anything the refusals could have sent.
      const barrier = waitFor(alice(), 'receipt:updated');
      okData(await bob().emitWithAck('room:read', { room_id: roomId, seq: 1 }));
      await barrier;
      expect(receipts.seen).toEqual([{ room_id: roomId, user_id: 'bob', last_read_seq: 1 }]);
    });

    it('answers FORBIDDEN to a member who has left, and a rejoin starts at the last message', async () => {
      okData(await bob().emitWithAck('room:read', { room_id: roomId, seq: 2 }));
      okData(await bob().emitWithAck('room:leave', { room_id: roomId }));
      expect(errorOf(await bob().emitWithAck('room:read', { room_id: roomId, seq: 5 })).code).toBe(
        'FORBIDDEN',
      );
      expect((await readOverHttp('bob', 5)).status).toBe(403);
      await say(alice(), 'm6');
      okData(await bob().emitWithAck('room:join', { room_id: roomId }));
      await expectViews('bob', bob(), member(6, 6));
    });

    it('answers NOT_FOUND for a private room the caller is not in, and for an unknown room, over both transports', async () => {
      for (const room of [secret, 'no-such-room']) {
        const ack = await carol().emitWithAck('room:read', { room_id: room, seq: 1 });
        expect([room, errorOf(ack).code]).toEqual([room, 'NOT_FOUND']);
        const res = await readOverHttp('carol', 1, room);
        expect([room, res.status, res.body]).toEqual([
          room,
          404,
          { error: expect.objectContaining({ code: 'NOT_FOUND' }) },
        ]);
      }
      // The private room's member still reads it.
      expect(okData(await alice().emitWithAck('room:read', { room_id: secret, seq: 1 }))).toStrictEqual({
        room_id: secret,
        last_read_seq: 1,
        unread_count: 0,
        unread_mentions: 0,
      });
    });

    it('answers 401 UNAUTHORIZED to POST /api/rooms/{id}/read without a valid token', async () => {
      const res = await server.http('POST', `/api/rooms/${roomId}/read`, { body: { seq: 1 } });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: expect.objectContaining({ code: 'UNAUTHORIZED' }) });
      await expectViews('bob', bob(), member(0, 5));
    });

    const badSeqs: [string, unknown][] = [
      ['negative', -1],
      ['not an integer', 1.5],
      ['a numeric string', '3'],
      ['null', null],
      ['a boolean', true],
      ['missing', undefined],
    ];

    it.each(badSeqs)(
      'refuses a seq that is %s with VALIDATION_ERROR on field seq, over both transports',
      async (_label, seq) => {
        const receipts = record(alice(), 'receipt:updated');
        const ack = await emitRaw(bob(), 'room:read', { room_id: roomId, seq });
        expect(ack).toEqual({ ok: false, error: validationError('seq') });
        const res = await readOverHttp('bob', seq);
        expect([res.status, res.body]).toEqual([400, { error: validationError('seq') }]);
        await expectViews('bob', bob(), member(0, 5));

        const barrier = waitFor(alice(), 'receipt:updated');
        okData(await bob().emitWithAck('room:read', { room_id: roomId, seq: 1 }));
        await barrier;
        expect(receipts.seen).toEqual([{ room_id: roomId, user_id: 'bob', last_read_seq: 1 }]);
      },
    );

    it('refuses a missing room_id, unknown keys and a body that is not an object', async () => {
      expect(await emitRaw(bob(), 'room:read', { seq: 1 })).toEqual({
        ok: false,
        error: validationError('room_id'),
      });
      expect(await emitRaw(bob(), 'room:read', { room_id: roomId, seq: 1, user_id: 'bob' })).toEqual({
        ok: false,
        error: validationError('user_id'),
      });
      expect(await emitRaw(bob(), 'room:read', 3)).toEqual({
        ok: false,
        error: expect.objectContaining({ code: 'VALIDATION_ERROR' }),
      });
      const unknownKey = await server.http('POST', `/api/rooms/${roomId}/read`, {
        token: token('bob'),
        body: { seq: 1, last_read_seq: 1 },
      });
      expect([unknownKey.status, unknownKey.body]).toEqual([
        400,
        { error: validationError('last_read_seq') },
      ]);
      const notObject = await server.http('POST', `/api/rooms/${roomId}/read`, {
        token: token('bob'),
        rawBody: '3',
      });
      expect(notObject.status).toBe(400);
      expect(notObject.body).toEqual({ error: expect.objectContaining({ code: 'VALIDATION_ERROR' }) });
      await expectViews('bob', bob(), member(0, 5));
    });
  });
});
