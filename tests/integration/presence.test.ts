import type { HttpError, PresenceEntry, PresenceList, PresenceUpdate, RoomDetail } from '../../shared/index';
import { closeAndSettle, errorOf, okData, record, waitFor } from '../helpers/events';
import { mintTokens } from '../helpers/fixtures';
import { startServer, type ClientSocket, type TestServer } from '../helpers/server';

/**
 * Presence: a user is online while they hold at least one socket. The first socket announces
 * `online` and the last one closing announces `offline` with `last_seen` (persisted) to every room
 * the user is in, once per receiving socket. Presence is visible only to users who share a room:
 * `presence:get`, `GET /api/users/{id}/presence`, `GET /api/rooms/{id}/presence` and the `online`
 * flags of RoomDetail members.
 */

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const USERS = ['alice', 'bob', 'carol', 'dave'] as const;
type UserId = (typeof USERS)[number];

/** A valid `last_seen`: an ISO 8601 UTC time within [from, to] (epoch ms, this machine's clock). */
function expectTimeWithin(value: string | null, from: number, to: number): void {
  expect(value).toMatch(ISO_TIME);
  const at = Date.parse(value ?? '');
  expect(at).toBeGreaterThanOrEqual(from);
  expect(at).toBeLessThanOrEqual(to);
}

const onlineFlags = (room: RoomDetail): Record<string, boolean> =>
  Object.fromEntries(room.members.map((m) => [m.user_id, m.online]));

const byUser = (entries: PresenceEntry[]): PresenceEntry[] =>
  [...entries].sort((a, b) => a.user_id.localeCompare(b.user_id));

describe('presence', () => {
  let server: TestServer;
  let tokens: Record<UserId, string>;
  const sockets = {} as Partial<Record<UserId, ClientSocket>>;
  /** Public: alice (owner), bob, zed (never connects). */
  let lobby: string;
  /** Private: alice (owner), bob, carol. */
  let team: string;

  const socketOf = (id: UserId): ClientSocket => {
    const socket = sockets[id];
    if (!socket) throw new Error(`${id} has no socket`);
    return socket;
  };
  const alice = (): ClientSocket => socketOf('alice');
  const carol = (): ClientSocket => socketOf('carol');
  const dave = (): ClientSocket => socketOf('dave');

  /** Alice, carol and dave are connected; bob is a member of both rooms but has not connected yet. */
  beforeEach(async () => {
    server = await startServer();
    tokens = await mintTokens(server, USERS);
    for (const id of ['alice', 'carol', 'dave'] as const) sockets[id] = await server.connect(tokens[id]);
    lobby = okData(
      await alice().emitWithAck('room:create', { name: 'lobby', invited_users: ['bob', 'zed'] }),
    ).id;
    team = okData(
      await alice().emitWithAck('room:create', {
        name: 'team',
        is_private: true,
        invited_users: ['bob', 'carol'],
      }),
    ).id;
    // Invitees are members once they accept (join): bob and zed over HTTP, so neither connects.
    const zedToken = await server.token('zed');
    for (const [token, roomId] of [
      [tokens.bob, lobby],
      [tokens.bob, team],
      [zedToken, lobby],
    ] as const) {
      expect((await server.http('POST', `/api/rooms/${roomId}/join`, { token })).status).toBe(200);
    }
    okData(await carol().emitWithAck('room:join', { room_id: team }));
  });

  afterEach(() => server.close());

  /** Connects bob and resolves once alice and carol (who share rooms with him) have been told he is online. */
  async function connectBob(): Promise<{ socket: ClientSocket; online: PresenceUpdate }> {
    const isBobOnline = (u: PresenceUpdate): boolean => u.user_id === 'bob' && u.status === 'online';
    const told = Promise.all([alice(), carol()].map((s) => waitFor(s, 'presence:update', isBobOnline)));
    const socket = await server.connect(tokens.bob);
    const [online] = await told;
    if (!online) throw new Error('no presence:update');
    return { socket, online };
  }

  async function presenceOverSocket(socket: ClientSocket, userIds: string[]): Promise<PresenceEntry[]> {
    return okData(await socket.emitWithAck('presence:get', { user_ids: userIds })).presence;
  }

  async function presenceOverHttp(viewer: UserId, userId: string): Promise<PresenceEntry[]> {
    const res = await server.http<PresenceList>('GET', `/api/users/${encodeURIComponent(userId)}/presence`, {
      token: tokens[viewer],
    });
    expect(res.status).toBe(200);
    return res.body.presence;
  }

  describe('online', () => {
    it('announces a first connection once to each socket that shares a room, with last_seen the time it came online', async () => {
      const aliceSees = record(alice(), 'presence:update');
      const carolSees = record(carol(), 'presence:update');
      const daveSees = record(dave(), 'presence:update');
      const carolTold = waitFor(carol(), 'presence:update');
      const before = Date.now();
      const { online } = await connectBob();
      const after = Date.now();
      expect(online).toEqual({
        user_id: 'bob',
        username: 'Bob',
        status: 'online',
        last_seen: expect.any(String),
      });
      expectTimeWithin(online.last_seen, before, after);
      expect(await carolTold).toEqual(online);

      // Barriers: each socket's own round trip comes after anything that connect broadcast.
      for (const s of [alice(), carol(), dave()]) okData(await s.emitWithAck('room:list', {}));
      // Alice shares two rooms with bob and still hears it once; dave shares none.
      expect(aliceSees.seen).toEqual([online]);
      expect(carolSees.seen).toEqual([online]);
      expect(daveSees.seen).toEqual([]);

      expect(await presenceOverSocket(alice(), ['bob'])).toEqual([
        { user_id: 'bob', status: 'online', last_seen: online.last_seen },
      ]);
      expect(await presenceOverHttp('carol', 'bob')).toEqual([
        { user_id: 'bob', status: 'online', last_seen: online.last_seen },
      ]);
    });

    it('does not announce a second socket of a user who is already online', async () => {
      const { online } = await connectBob();
      const aliceSees = record(alice(), 'presence:update');
      const carolSees = record(carol(), 'presence:update');
      await server.connect(tokens.bob);
      for (const s of [alice(), carol()]) okData(await s.emitWithAck('room:list', {}));
      expect(aliceSees.seen).toEqual([]);
      expect(carolSees.seen).toEqual([]);
      // The first connection's time stands.
      expect(await presenceOverSocket(alice(), ['bob'])).toEqual([
        { user_id: 'bob', status: 'online', last_seen: online.last_seen },
      ]);
    });

    it('announces a user coming back online after going offline', async () => {
      const first = await connectBob();
      const offline = waitFor(alice(), 'presence:update', (u) => u.status === 'offline');
      await closeAndSettle(server, first.socket);
      const gone = await offline;
      const again = await connectBob();
      expect(again.online).toMatchObject({ user_id: 'bob', status: 'online' });
      expect(Date.parse(again.online.last_seen ?? '')).toBeGreaterThanOrEqual(
        Date.parse(gone.last_seen ?? ''),
      );
      expect(await presenceOverHttp('alice', 'bob')).toEqual([
        { user_id: 'bob', status: 'online', last_seen: again.online.last_seen },
      ]);
    });
  });

  describe('offline', () => {
    it('keeps a user online while one of two sockets closes: no offline broadcast, still online everywhere', async () => {
      const { socket: bobFirst } = await connectBob();
      const bobSecond = await server.connect(tokens.bob);
      const aliceSees = record(alice(), 'presence:update');
      const carolSees = record(carol(), 'presence:update');

      await closeAndSettle(server, bobSecond);
      // Barrier: an ack on the same connection after the server handled the disconnect.
      expect((await presenceOverSocket(alice(), ['bob']))[0]?.status).toBe('online');
      okData(await carol().emitWithAck('room:list', {}));
      expect(aliceSees.seen).toEqual([]);
      expect(carolSees.seen).toEqual([]);
      expect((await presenceOverHttp('carol', 'bob'))[0]?.status).toBe('online');
      expect(onlineFlags(okData(await alice().emitWithAck('room:get', { room_id: team }))).bob).toBe(true);

      // The remaining socket still receives what is sent to the room.
      const arrival = waitFor(bobFirst, 'message:new');
      okData(await alice().emitWithAck('message:send', { room_id: team, content: 'still there?' }));
      expect((await arrival).content).toBe('still there?');
    });

    it('announces offline with last_seen when the last socket closes, once per socket, and persists it', async () => {
      const { socket: bobFirst, online } = await connectBob();
      const bobSecond = await server.connect(tokens.bob);
      const aliceSees = record(alice(), 'presence:update');
      const daveSees = record(dave(), 'presence:update');
      await closeAndSettle(server, bobSecond);

      const carolTold = waitFor(carol(), 'presence:update');
      const aliceTold = waitFor(alice(), 'presence:update');
      const before = Date.now();
      await closeAndSettle(server, bobFirst);
      const offline = await aliceTold;
      const after = Date.now();
      expect(offline).toEqual({
        user_id: 'bob',
        username: 'Bob',
        status: 'offline',
        last_seen: expect.any(String),
      });
      expectTimeWithin(offline.last_seen, before, after);
      expect(Date.parse(offline.last_seen ?? '')).toBeGreaterThanOrEqual(Date.parse(online.last_seen ?? ''));
      expect(await carolTold).toEqual(offline);

      // Exactly one presence:update for the two closes, although alice shares two rooms with bob.
      const expected = [{ user_id: 'bob', status: 'offline', last_seen: offline.last_seen }];
      expect(await presenceOverSocket(alice(), ['bob'])).toEqual(expected);
      okData(await dave().emitWithAck('room:list', {}));
      expect(aliceSees.seen).toEqual([offline]);
      expect(daveSees.seen).toEqual([]);
      expect(await presenceOverHttp('carol', 'bob')).toEqual(expected);
      expect(await presenceOverSocket(carol(), ['bob'])).toEqual(expected);

      // last_seen is stored: a restarted server (no socket of bob since) answers the same.
      const storage = server.storage;
      await server.close({ keepData: true });
      server = await startServer({ storage });
      expect(await presenceOverHttp('alice', 'bob')).toEqual(expected);
      sockets.alice = await server.connect(tokens.alice);
      expect(await presenceOverSocket(alice(), ['bob'])).toEqual(expected);
    });
  });

  describe('visibility', () => {
    it('hides a user from someone who shares no room with them, over both transports', async () => {
      await connectBob();
      // Dave can read the public lobby but is not a member: that shares nothing.
      expect(okData(await dave().emitWithAck('room:get', { room_id: lobby })).is_member).toBe(false);

      const hidden = errorOf(await dave().emitWithAck('presence:get', { user_ids: ['bob'] }));
      expect(hidden).toMatchObject({ code: 'NOT_FOUND', details: [{ field: 'user_ids.0' }] });
      const mixed = errorOf(await dave().emitWithAck('presence:get', { user_ids: ['dave', 'bob'] }));
      expect(mixed).toMatchObject({ code: 'NOT_FOUND', details: [{ field: 'user_ids.1' }] });
      for (const userId of ['bob', 'alice', 'zed', 'nobody']) {
        const ack = await dave().emitWithAck('presence:get', { user_ids: [userId] });
        expect([userId, errorOf(ack).code]).toEqual([userId, 'NOT_FOUND']);
        const res = await server.http<HttpError>('GET', `/api/users/${userId}/presence`, {
          token: tokens.dave,
        });
        expect([userId, res.status, res.body.error.code]).toEqual([userId, 404, 'NOT_FOUND']);
      }
    });

    it('shows a user their own presence, over both transports', async () => {
      const own = await presenceOverSocket(dave(), ['dave']);
      expect(own).toEqual([{ user_id: 'dave', status: 'online', last_seen: expect.any(String) }]);
      expect(own[0]?.last_seen).toMatch(ISO_TIME);
      expect(await presenceOverHttp('dave', 'dave')).toEqual(own);
    });

    it('shows presence once a room is shared and hides it again after leaving', async () => {
      const { socket: bob } = await connectBob();
      okData(await dave().emitWithAck('room:join', { room_id: lobby }));
      expect((await presenceOverSocket(dave(), ['bob']))[0]?.status).toBe('online');
      expect((await presenceOverHttp('dave', 'bob'))[0]?.status).toBe('online');

      // Dave's socket is now in the lobby: bob going offline reaches him.
      const told = waitFor(dave(), 'presence:update');
      await closeAndSettle(server, bob);
      expect(await told).toMatchObject({ user_id: 'bob', status: 'offline' });

      okData(await dave().emitWithAck('room:leave', { room_id: lobby }));
      expect(errorOf(await dave().emitWithAck('presence:get', { user_ids: ['bob'] })).code).toBe('NOT_FOUND');
      const res = await server.http<HttpError>('GET', '/api/users/bob/presence', { token: tokens.dave });
      expect(res.status).toBe(404);
    });

    it('answers presence:get in request order without duplicates, last_seen null for a user who never connected', async () => {
      const { online } = await connectBob();
      const entries = await presenceOverSocket(alice(), ['zed', 'bob', 'alice', 'bob', 'carol', 'zed']);
      expect(entries.map((e) => e.user_id)).toEqual(['zed', 'bob', 'alice', 'carol']);
      expect(entries[0]).toEqual({ user_id: 'zed', status: 'offline', last_seen: null });
      expect(entries[1]).toEqual({ user_id: 'bob', status: 'online', last_seen: online.last_seen });
      for (const e of entries.slice(2)) {
        expect(e.status).toBe('online');
        expect(e.last_seen).toMatch(ISO_TIME);
      }
      expect(await presenceOverHttp('alice', 'zed')).toEqual([
        { user_id: 'zed', status: 'offline', last_seen: null },
      ]);
    });

    it('refuses an empty list and more than 100 user ids with VALIDATION_ERROR', async () => {
      const empty = errorOf(await alice().emitWithAck('presence:get', { user_ids: [] }));
      expect(empty.code).toBe('VALIDATION_ERROR');
      const many = Array.from({ length: 101 }, (_, i) => `user-${i}`);
      const tooMany = errorOf(await alice().emitWithAck('presence:get', { user_ids: many }));
      expect(tooMany.code).toBe('VALIDATION_ERROR');
    });
  });

  describe('GET /api/rooms/{room_id}/presence', () => {
    it('lists every member’s presence for a member', async () => {
      const { socket: bob, online } = await connectBob();
      const res = await server.http<PresenceList>('GET', `/api/rooms/${lobby}/presence`, {
        token: tokens.bob,
      });
      expect(res.status).toBe(200);
      expect(byUser(res.body.presence)).toEqual([
        { user_id: 'alice', status: 'online', last_seen: expect.stringMatching(ISO_TIME) },
        { user_id: 'bob', status: 'online', last_seen: online.last_seen },
        { user_id: 'zed', status: 'offline', last_seen: null },
      ]);

      const offline = waitFor(alice(), 'presence:update', (u) => u.status === 'offline');
      await closeAndSettle(server, bob);
      const gone = await offline;
      const team_ = await server.http<PresenceList>('GET', `/api/rooms/${team}/presence`, {
        token: tokens.carol,
      });
      expect(team_.status).toBe(200);
      expect(byUser(team_.body.presence)).toEqual([
        { user_id: 'alice', status: 'online', last_seen: expect.stringMatching(ISO_TIME) },
        { user_id: 'bob', status: 'offline', last_seen: gone.last_seen },
        { user_id: 'carol', status: 'online', last_seen: expect.stringMatching(ISO_TIME) },
      ]);
    });

    it('refuses a non-member: FORBIDDEN for a public room, NOT_FOUND for a private or unknown one', async () => {
      const pub = await server.http<HttpError>('GET', `/api/rooms/${lobby}/presence`, {
        token: tokens.carol,
      });
      expect([pub.status, pub.body.error.code]).toEqual([403, 'FORBIDDEN']);
      for (const roomId of [team, 'does-not-exist']) {
        const res = await server.http<HttpError>('GET', `/api/rooms/${roomId}/presence`, {
          token: tokens.dave,
        });
        expect([roomId, res.status, res.body.error.code]).toEqual([roomId, 404, 'NOT_FOUND']);
      }
    });
  });

  describe('RoomDetail members[].online', () => {
    it('reflects presence for members over both transports', async () => {
      const { socket: bob } = await connectBob();
      const viaSocket = okData(await alice().emitWithAck('room:get', { room_id: lobby }));
      expect(onlineFlags(viaSocket)).toEqual({ alice: true, bob: true, zed: false });
      const viaHttp = await server.http<RoomDetail>('GET', `/api/rooms/${team}`, { token: tokens.carol });
      expect(viaHttp.status).toBe(200);
      expect(onlineFlags(viaHttp.body)).toEqual({ alice: true, bob: true, carol: true });

      const offline = waitFor(alice(), 'presence:update', (u) => u.status === 'offline');
      await closeAndSettle(server, bob);
      await offline;
      expect(onlineFlags(okData(await alice().emitWithAck('room:get', { room_id: lobby })))).toEqual({
        alice: true,
        bob: false,
        zed: false,
      });
      const later = await server.http<RoomDetail>('GET', `/api/rooms/${team}`, { token: tokens.carol });
      expect(onlineFlags(later.body)).toEqual({ alice: true, bob: false, carol: true });
    });

    it('shows a non-member of a public room every flag false, over both transports, until they join', async () => {
      await connectBob();
      const viaSocket = okData(await dave().emitWithAck('room:get', { room_id: lobby }));
      expect(viaSocket.is_member).toBe(false);
      expect(onlineFlags(viaSocket)).toEqual({ alice: false, bob: false, zed: false });
      const viaHttp = await server.http<RoomDetail>('GET', `/api/rooms/${lobby}`, { token: tokens.dave });
      expect(viaHttp.status).toBe(200);
      expect(onlineFlags(viaHttp.body)).toEqual({ alice: false, bob: false, zed: false });
      const listed = await server.http<{ rooms: { id: string; is_member: boolean }[] }>('GET', '/api/rooms', {
        token: tokens.dave,
      });
      expect(listed.body.rooms.map((r) => r.id)).toEqual([lobby]);

      const joined = okData(await dave().emitWithAck('room:join', { room_id: lobby }));
      expect(onlineFlags(joined)).toEqual({ alice: true, bob: true, zed: false, dave: true });
    });
  });
});
