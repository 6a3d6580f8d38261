import type { HttpError, Message, TypingBroadcast, TypingState, TypingUser } from '../../shared/index';
import { closeAndSettle, errorOf, okData, record, waitFor } from '../helpers/events';
import { connectUsers } from '../helpers/fixtures';
import { startServer, type ClientSocket, type HttpResult, type TestServer } from '../helpers/server';

/**
 * Typing indicators over both transports: `typing:update` (socket) and `POST /api/typing` (HTTP)
 * change a room's list of typers; every change, and only a change, is one `typing:update` broadcast
 * with the whole list to the room. A typer stops when their entry expires, when they send a message
 * in that room, or when their last socket closes.
 */

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const ALICE: TypingUser = { user_id: 'alice', username: 'Alice' };
const BOB: TypingUser = { user_id: 'bob', username: 'Bob' };
const CAROL: TypingUser = { user_id: 'carol', username: 'Carol' };

const USERS = ['alice', 'bob', 'carol', 'dave'] as const;
type UserId = (typeof USERS)[number];

function typerIds(update: TypingBroadcast): string[] {
  return update.typing_users.map((u) => u.user_id);
}

let server: TestServer;
let tokens: Record<UserId, string>;
let sockets: Record<UserId, ClientSocket>;
/** Public: alice (owner), bob, carol. */
let general: string;
/** Public: alice (owner), bob. */
let side: string;
/** Private: alice only. */
let secret: string;

const alice = (): ClientSocket => sockets.alice;
const bob = (): ClientSocket => sockets.bob;
const carol = (): ClientSocket => sockets.carol;
const dave = (): ClientSocket => sockets.dave;

/** Starts the server with `env`, connects one socket per user and creates the rooms above. */
async function setUp(env: Record<string, string>): Promise<void> {
  server = await startServer({ env });
  ({ tokens, sockets } = await connectUsers(server, USERS));
  general = okData(
    await alice().emitWithAck('room:create', { name: 'general', invited_users: ['bob', 'carol'] }),
  ).id;
  side = okData(await alice().emitWithAck('room:create', { name: 'side', invited_users: ['bob'] })).id;
  // Invitees are members once they accept (join).
  for (const [socket, roomId] of [
    [bob(), general],
    [carol(), general],
    [bob(), side],
  ] as const) {
    okData(await socket.emitWithAck('room:join', { room_id: roomId }));
  }
  secret = okData(await alice().emitWithAck('room:create', { name: 'secret', is_private: true })).id;
}

function typeOverSocket(socket: ClientSocket, roomId: string, isTyping: boolean) {
  return socket.emitWithAck('typing:update', { room_id: roomId, is_typing: isTyping });
}

function typeOverHttp<T = TypingState>(
  user: UserId,
  roomId: string,
  isTyping: boolean,
  extra: Record<string, unknown> = {},
): Promise<HttpResult<T>> {
  return server.http<T>('POST', '/api/typing', {
    token: tokens[user],
    body: { room_id: roomId, is_typing: isTyping, ...extra },
  });
}

/**
 * The room's current list as the server answers it to `user`, who must be a member that is not
 * typing there: `is_typing: false` from someone not typing changes nothing and broadcasts nothing.
 */
async function currentTypers(user: UserId, roomId: string): Promise<TypingUser[]> {
  const res = await typeOverHttp(user, roomId, false);
  expect(res.status).toBe(200);
  return res.body.typing_users;
}

describe('typing indicators', () => {
  beforeEach(() => setUp({ TYPING_TIMEOUT_MS: '60000' }));
  afterEach(() => server.close());

  it('shows a typer to every socket in the room, the typer’s own included, and to nobody outside it', async () => {
    const aliceSecond = await server.connect(tokens.alice);
    const outsider = record(dave(), 'typing:update');
    const arrivals = Promise.all(
      [alice(), aliceSecond, bob(), carol()].map((s) => waitFor(s, 'typing:update')),
    );
    expect(okData(await typeOverSocket(alice(), general, true))).toEqual({});
    for (const update of await arrivals) {
      expect(update).toEqual({ room_id: general, typing_users: [ALICE], timestamp: expect.any(String) });
      expect(update.timestamp).toMatch(ISO_TIME);
    }

    const stopped = Promise.all([bob(), carol()].map((s) => waitFor(s, 'typing:update')));
    expect(okData(await typeOverSocket(alice(), general, false))).toEqual({});
    for (const update of await stopped) expect(update).toMatchObject({ room_id: general, typing_users: [] });

    // Dave is signed in but not a member: the barrier proves nothing reached him.
    okData(await dave().emitWithAck('room:list', {}));
    expect(outsider.seen).toEqual([]);
  });

  it('does not broadcast a renewal, nor a stop from someone not typing, over either transport', async () => {
    const seen = record(bob(), 'typing:update');
    const started = waitFor(bob(), 'typing:update');
    okData(await typeOverSocket(alice(), general, true));
    expect((await started).typing_users).toEqual([ALICE]);

    // Renewals over both transports: the list does not change.
    expect(okData(await typeOverSocket(alice(), general, true))).toEqual({});
    const renewed = await typeOverHttp('alice', general, true);
    expect(renewed.status).toBe(200);
    expect(renewed.body).toEqual({ room_id: general, typing_users: [ALICE] });
    // Carol was not typing: stopping changes nothing either.
    expect(okData(await typeOverSocket(carol(), general, false))).toEqual({});
    expect(await currentTypers('carol', general)).toEqual([ALICE]);

    // Barrier: a real change afterwards reaches bob on the same connection, after anything above would have.
    const changed = waitFor(bob(), 'typing:update', (u) => u.typing_users.length === 2);
    okData(await typeOverSocket(carol(), general, true));
    expect((await changed).typing_users).toEqual([ALICE, CAROL]);
    expect(seen.seen.map(typerIds)).toEqual([['alice'], ['alice', 'carol']]);
  });

  it('keeps several typers in the order they started; each change carries the whole list', async () => {
    const seen = record(alice(), 'typing:update');
    okData(await typeOverSocket(alice(), general, true));
    const bobStarted = await typeOverHttp('bob', general, true);
    expect(bobStarted.body).toEqual({ room_id: general, typing_users: [ALICE, BOB] });
    okData(await typeOverSocket(carol(), general, true));
    const bobStopped = await typeOverHttp('bob', general, false);
    expect(bobStopped.body).toEqual({ room_id: general, typing_users: [ALICE, CAROL] });
    // Starting again puts bob at the end.
    okData(await typeOverSocket(bob(), general, true));
    const last = waitFor(
      alice(),
      'typing:update',
      (u) => u.typing_users.length === 2 && !u.typing_users.some((t) => t.user_id === 'alice'),
    );
    okData(await typeOverSocket(alice(), general, false));
    expect((await last).typing_users).toEqual([CAROL, BOB]);

    expect(seen.seen.map(typerIds)).toEqual([
      ['alice'],
      ['alice', 'bob'],
      ['alice', 'bob', 'carol'],
      ['alice', 'carol'],
      ['alice', 'carol', 'bob'],
      ['carol', 'bob'],
    ]);
    for (const update of seen.seen) expect(update.room_id).toBe(general);
  });

  it('keeps each room’s list separate', async () => {
    const carolSees = record(carol(), 'typing:update');
    const inSide = waitFor(bob(), 'typing:update', (u) => u.room_id === side);
    okData(await typeOverSocket(alice(), side, true));
    expect((await inSide).typing_users).toEqual([ALICE]);
    // Carol is not in `side`: nothing of it reaches her, and `general` has no typers.
    expect(await currentTypers('carol', general)).toEqual([]);
    okData(await carol().emitWithAck('room:list', {}));
    expect(carolSees.seen).toEqual([]);
  });

  it('ends the sender’s typing when they send a message over Socket.IO, in that room only', async () => {
    okData(await typeOverSocket(alice(), general, true));
    const both = waitFor(carol(), 'typing:update', (u) => u.typing_users.length === 2);
    okData(await typeOverSocket(bob(), general, true));
    okData(await typeOverSocket(bob(), side, true));
    await both;
    const cleared = waitFor(carol(), 'typing:update');
    const sent = okData(await bob().emitWithAck('message:send', { room_id: general, content: 'here it is' }));
    expect(sent.content).toBe('here it is');
    expect(await cleared).toMatchObject({ room_id: general, typing_users: [ALICE] });
    // Bob still types in the other room.
    expect(await currentTypers('alice', side)).toEqual([BOB]);
  });

  it('ends the sender’s typing when they send a message over HTTP', async () => {
    okData(await typeOverSocket(bob(), general, true));
    const cleared = waitFor(alice(), 'typing:update', (u) => u.typing_users.length === 0);
    const res = await server.http<Message>('POST', '/api/messages', {
      token: tokens.bob,
      body: { room_id: general, content: 'posted' },
    });
    expect(res.status).toBe(201);
    expect(await cleared).toMatchObject({ room_id: general, typing_users: [] });
    expect(await currentTypers('carol', general)).toEqual([]);
  });

  it('ends a member’s typing in a room they leave', async () => {
    okData(await typeOverSocket(bob(), general, true));
    const cleared = waitFor(alice(), 'typing:update', (u) => u.typing_users.length === 0);
    const left = await server.http('POST', `/api/rooms/${general}/leave`, { token: tokens.bob });
    expect(left.status).toBe(204);
    expect(await cleared).toMatchObject({ room_id: general, typing_users: [] });
    expect(await currentTypers('carol', general)).toEqual([]);
  });

  it('broadcasts nothing about typing when someone who is not typing sends a message', async () => {
    const started = waitFor(bob(), 'typing:update');
    okData(await typeOverSocket(alice(), general, true));
    await started;
    const seen = record(bob(), 'typing:update');
    okData(await carol().emitWithAck('message:send', { room_id: general, content: 'not typing' }));
    const posted = await server.http('POST', '/api/messages', {
      token: tokens.carol,
      body: { room_id: general, content: 'still not typing' },
    });
    expect(posted.status).toBe(201);
    // Barrier: bob's own round trip comes after anything those sends broadcast.
    okData(await bob().emitWithAck('room:list', {}));
    expect(seen.seen).toEqual([]);
    expect(await currentTypers('carol', general)).toEqual([ALICE]);
  });

  it('ends typing in every room when the user’s last socket closes, not when one of two closes', async () => {
    const bobSecond = await server.connect(tokens.bob);
    okData(await typeOverSocket(carol(), general, true));
    okData(await typeOverSocket(bob(), general, true));
    const lastStart = waitFor(alice(), 'typing:update', (u) => u.room_id === side);
    okData(await typeOverSocket(bobSecond, side, true));
    await lastStart;
    const seen = record(alice(), 'typing:update');

    await closeAndSettle(server, bobSecond);
    okData(await alice().emitWithAck('room:list', {}));
    expect(seen.seen).toEqual([]);
    expect(await currentTypers('alice', general)).toEqual([CAROL, BOB]);
    expect(await currentTypers('alice', side)).toEqual([BOB]);

    const clearedGeneral = waitFor(alice(), 'typing:update', (u) => u.room_id === general);
    const clearedSide = waitFor(alice(), 'typing:update', (u) => u.room_id === side);
    await closeAndSettle(server, bob());
    expect((await clearedGeneral).typing_users).toEqual([CAROL]);
    expect((await clearedSide).typing_users).toEqual([]);
    okData(await alice().emitWithAck('room:list', {}));
    expect(seen.seen.map((u) => [u.room_id, typerIds(u)]).sort()).toEqual(
      [
        [general, ['carol']],
        [side, []],
      ].sort(),
    );
    expect(await currentTypers('alice', general)).toEqual([CAROL]);
  });

  describe('over HTTP: POST /api/typing', () => {
    it('answers {room_id, typing_users} and broadcasts to the room’s sockets, the typer’s own included', async () => {
      const arrivals = Promise.all([alice(), bob(), carol()].map((s) => waitFor(s, 'typing:update')));
      const res = await typeOverHttp('bob', general, true);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ room_id: general, typing_users: [BOB] });
      for (const update of await arrivals) {
        expect(update).toEqual({ room_id: general, typing_users: [BOB], timestamp: expect.any(String) });
        expect(update.timestamp).toMatch(ISO_TIME);
      }

      const stopped = waitFor(alice(), 'typing:update');
      const stop = await typeOverHttp('bob', general, false);
      expect(stop.status).toBe(200);
      expect(stop.body).toEqual({ room_id: general, typing_users: [] });
      expect((await stopped).typing_users).toEqual([]);
    });

    it('accepts a user_id equal to the token’s subject and shows the token’s name, not the body’s username', async () => {
      const arrival = waitFor(alice(), 'typing:update');
      const res = await typeOverHttp('bob', general, true, { user_id: 'bob', username: 'Mallory' });
      expect(res.status).toBe(200);
      expect(res.body.typing_users).toEqual([BOB]);
      expect((await arrival).typing_users).toEqual([BOB]);
    });

    it('refuses a user_id other than the token’s subject with 403 FORBIDDEN and changes nothing', async () => {
      const started = waitFor(alice(), 'typing:update');
      okData(await typeOverSocket(bob(), general, true));
      await started;
      const seen = record(alice(), 'typing:update');
      // Acting as someone else in either direction: starting carol, stopping bob.
      const asCarol = await typeOverHttp<HttpError>('bob', general, true, { user_id: 'carol' });
      expect(asCarol.status).toBe(403);
      expect(asCarol.body.error.code).toBe('FORBIDDEN');
      const stopBob = await typeOverHttp<HttpError>('carol', general, false, { user_id: 'bob' });
      expect(stopBob.status).toBe(403);
      expect(stopBob.body.error.code).toBe('FORBIDDEN');

      okData(await alice().emitWithAck('room:list', {}));
      expect(seen.seen).toEqual([]);
      expect(await currentTypers('alice', general)).toEqual([BOB]);
    });

    it('refuses a request without a valid token with 401', async () => {
      const res = await server.http<HttpError>('POST', '/api/typing', {
        body: { room_id: general, is_typing: true },
      });
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('UNAUTHORIZED');
    });
  });

  describe('membership and visibility', () => {
    it('refuses a non-member of a public room with FORBIDDEN over both transports', async () => {
      expect(errorOf(await typeOverSocket(dave(), general, true)).code).toBe('FORBIDDEN');
      const res = await typeOverHttp<HttpError>('dave', general, true);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
    });

    it('refuses a non-member of a private room, or an unknown room, with NOT_FOUND over both transports', async () => {
      for (const roomId of [secret, 'does-not-exist']) {
        expect([roomId, errorOf(await typeOverSocket(dave(), roomId, true)).code]).toEqual([
          roomId,
          'NOT_FOUND',
        ]);
        const res = await typeOverHttp<HttpError>('dave', roomId, true);
        expect([roomId, res.status, res.body.error.code]).toEqual([roomId, 404, 'NOT_FOUND']);
      }
    });

    it('refuses a member who has left, and a refused update reaches nobody', async () => {
      const seen = record(alice(), 'typing:update');
      okData(await carol().emitWithAck('room:leave', { room_id: general }));
      expect(errorOf(await typeOverSocket(carol(), general, true)).code).toBe('FORBIDDEN');
      const res = await typeOverHttp<HttpError>('carol', general, true);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
      expect(errorOf(await typeOverSocket(dave(), general, true)).code).toBe('FORBIDDEN');

      // Barrier: a real change afterwards is the first typing:update alice gets.
      const first = waitFor(alice(), 'typing:update');
      okData(await typeOverSocket(bob(), general, true));
      expect((await first).typing_users).toEqual([BOB]);
      expect(seen.seen.map(typerIds)).toEqual([['bob']]);
    });
  });
});

describe('typing expiry (TYPING_TIMEOUT_MS=300)', () => {
  const TIMEOUT_MS = 300;

  beforeEach(() => setUp({ TYPING_TIMEOUT_MS: String(TIMEOUT_MS) }));
  afterEach(() => server.close());

  it('drops a typer who does not renew after the timeout, with one broadcast of the new list', async () => {
    const seen = record(carol(), 'typing:update');
    const started = waitFor(carol(), 'typing:update', (u) => u.typing_users.length === 1);
    const expired = waitFor(carol(), 'typing:update', (u) => u.typing_users.length === 0);
    okData(await typeOverSocket(alice(), general, true));
    const start = await started;
    const end = await expired;
    expect(end).toEqual({ room_id: general, typing_users: [], timestamp: expect.any(String) });
    expect(end.timestamp).toMatch(ISO_TIME);
    // Not before the timeout (server clock; a millisecond of rounding allowed).
    expect(Date.parse(end.timestamp) - Date.parse(start.timestamp)).toBeGreaterThanOrEqual(TIMEOUT_MS - 1);

    // Barrier, then exactly two broadcasts: the start and the expiry.
    okData(await carol().emitWithAck('room:list', {}));
    expect(seen.seen.map(typerIds)).toEqual([['alice'], []]);
    expect(await currentTypers('carol', general)).toEqual([]);

    // Typing again after expiry is a change again.
    const again = waitFor(carol(), 'typing:update');
    const res = await typeOverHttp('alice', general, true);
    expect(res.body.typing_users).toEqual([ALICE]);
    expect((await again).typing_users).toEqual([ALICE]);
  });

  it('expires a typer started over HTTP and leaves the others’ entries to their own expiry', async () => {
    const bothIn = waitFor(carol(), 'typing:update', (u) => u.typing_users.length === 2);
    const res = await typeOverHttp('bob', general, true);
    expect(res.status).toBe(200);
    okData(await typeOverSocket(alice(), general, true));
    expect((await bothIn).typing_users).toEqual([BOB, ALICE]);
    // Both entries expire by themselves; the list ends empty.
    const empty = await waitFor(carol(), 'typing:update', (u) => u.typing_users.length === 0);
    expect(empty.room_id).toBe(general);
    expect(await currentTypers('carol', general)).toEqual([]);
  });
});
