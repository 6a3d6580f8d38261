/**
 * Item 3 of the security review: a user who shared no room with Alice created a private room with
 * `invited_users: [alice, any-id]`; the answer listed Alice's name and `online`, `presence:get` then
 * returned her status and `last_seen`, her `presence:update` events arrived live, and the answer told
 * whether any id had ever connected. 200 forced invites put 200 events and 200 rooms on her in 0.6 s.
 *
 * Now an invite is pending until the invitee accepts (joins) or declines: a pending invitee is not a
 * member, shares no presence, name or room content with the inviter, and answers read the same for
 * any id. Room creation (10 a minute) and invitations (1000 invitees a minute) are rate-limited per
 * user, so a flood ends in RATE_LIMITED after at most 10 invitations reach Alice.
 */
import type { HttpError, Invite, InviteList, PresenceList, RoomDetail } from '../../shared/index';
import { closeAndSettle, errorOf, okData, record, waitFor } from '../helpers/events';
import { connectUsers } from '../helpers/fixtures';
import { startServer, type ClientSocket, type TestServer } from '../helpers/server';

/** Never connected, never used anywhere. */
const GHOST = 'ghost-never-seen';
const ROOMS_PER_MINUTE = 10;
const INVITES_PER_MINUTE = 1000;

let server: TestServer;
let tokens: Record<'alice' | 'mallory', string>;
let alice: ClientSocket;
let mallory: ClientSocket;

beforeEach(async () => {
  server = await startServer();
  const users = await connectUsers(server, ['alice', 'mallory'] as const);
  tokens = users.tokens;
  alice = users.sockets.alice;
  mallory = users.sockets.mallory;
});

afterEach(() => server.close());

/** A RoomDetail with what differs between any two rooms (id, times) blanked: what else it tells. */
function shapeOf(room: RoomDetail): unknown {
  return {
    ...room,
    id: '<id>',
    created_at: '<time>',
    members: room.members.map((m) => ({ ...m, joined_at: '<time>' })),
  };
}

async function createPrivate(invited: string[]): Promise<RoomDetail> {
  return okData(
    await mallory.emitWithAck('room:create', { name: 'trap', is_private: true, invited_users: invited }),
  );
}

it('answers a create or invite naming alice exactly as one naming an id never seen, showing only members', async () => {
  const aliceInvited = record(alice, 'room:invited');
  const withAlice = await createPrivate(['alice', GHOST]);
  const withGhost = await createPrivate([GHOST]);
  expect(withAlice.members.map((m) => m.user_id)).toEqual(['mallory']);
  expect(withAlice.member_count).toBe(1);
  expect(JSON.stringify(withAlice)).not.toMatch(/alice/i);
  expect(shapeOf(withAlice)).toEqual(shapeOf(withGhost));

  // The same over HTTP, for an invite to an existing room.
  const invite = (roomId: string, userId: string) =>
    server.http<RoomDetail>('POST', `/api/rooms/${roomId}/invite`, {
      token: tokens.mallory,
      body: { user_ids: [userId] },
    });
  const [a, g] = [await createPrivate([]), await createPrivate([])];
  const [toAlice, toGhost] = [await invite(a.id, 'alice'), await invite(g.id, GHOST)];
  expect([toAlice.status, toGhost.status]).toEqual([200, 200]);
  expect(shapeOf(toAlice.body)).toEqual(shapeOf(toGhost.body));
  expect(JSON.stringify(toAlice.body)).not.toMatch(/alice/i);

  // Presence stays hidden: the invite shares no room.
  const [ofAlice, ofGhost] = [
    errorOf(await mallory.emitWithAck('presence:get', { user_ids: ['alice'] })),
    errorOf(await mallory.emitWithAck('presence:get', { user_ids: [GHOST] })),
  ];
  expect(ofAlice.code).toBe('NOT_FOUND');
  expect(ofAlice).toEqual(ofGhost);
  const overHttp = await server.http<HttpError>('GET', '/api/users/alice/presence', {
    token: tokens.mallory,
  });
  expect([overHttp.status, overHttp.body.error.code]).toEqual([404, 'NOT_FOUND']);
  const roomPresence = await server.http<PresenceList>('GET', `/api/rooms/${a.id}/presence`, {
    token: tokens.mallory,
  });
  expect(roomPresence.body).toMatchObject({ presence: [expect.objectContaining({ user_id: 'mallory' })] });
  expect(JSON.stringify(roomPresence.body)).not.toMatch(/alice/i);

  // Alice hears one room:invited per invitation (a round trip of hers is the barrier).
  okData(await alice.emitWithAck('invite:list', {}));
  expect(aliceInvited.seen.map((i) => [i.room_id, i.invited_by, i.inviter_username])).toEqual([
    [withAlice.id, 'mallory', 'Mallory'],
    [a.id, 'mallory', 'Mallory'],
  ]);
});

it('sends none of alice’s presence changes to the inviter while she has not accepted', async () => {
  await createPrivate(['alice']);
  const malloryHears = record(mallory, 'presence:update');
  await closeAndSettle(server, alice);
  alice = await server.connect(tokens.alice);
  okData(await mallory.emitWithAck('room:list', {})); // a round trip: anything broadcast is here by now
  // (Mallory's own coming online may reach her room, and her, late: only alice's count here.)
  expect(malloryHears.seen.filter((u) => u.user_id === 'alice')).toEqual([]);
});

it('keeps a pending invitee out of the room: no membership, no content, no events', async () => {
  const told = waitFor(alice, 'room:invited');
  const room = await createPrivate(['alice']);
  const invite: Invite = await told;
  expect(invite).toEqual({
    room_id: room.id,
    room_name: 'trap',
    description: null,
    is_private: true,
    invited_by: 'mallory',
    inviter_username: 'Mallory',
    invited_at: room.created_at,
  });

  const aliceHears = record(alice, 'message:new');
  okData(await mallory.emitWithAck('message:send', { room_id: room.id, content: 'gotcha' }));
  const ref = { room_id: room.id };
  expect(errorOf(await alice.emitWithAck('room:get', ref)).code).toBe('NOT_FOUND');
  expect(errorOf(await alice.emitWithAck('message:history', ref)).code).toBe('NOT_FOUND');
  expect(errorOf(await alice.emitWithAck('room:leave', ref)).code).toBe('NOT_FOUND');
  expect(errorOf(await alice.emitWithAck('room:read', { ...ref, seq: 1 })).code).toBe('NOT_FOUND');
  const listed = okData(await alice.emitWithAck('room:list', {}));
  expect(listed.rooms.map((r) => r.id)).not.toContain(room.id);
  expect(aliceHears.seen).toEqual([]);
  expect(okData(await mallory.emitWithAck('room:get', { room_id: room.id })).member_count).toBe(1);
});

it('lets alice list and decline invitations over Socket.IO and HTTP; declining one she does not have is NOT_FOUND', async () => {
  const room = await createPrivate(['alice']);
  const overSocket = okData(await alice.emitWithAck('invite:list', {}));
  const overHttp = await server.http<InviteList>('GET', '/api/invites', { token: tokens.alice });
  expect(overSocket).toEqual({ invites: [expect.objectContaining({ room_id: room.id })], next_cursor: null });
  expect(overHttp.body).toEqual(overSocket);

  expect(okData(await alice.emitWithAck('room:decline', { room_id: room.id }))).toEqual({});
  expect(okData(await alice.emitWithAck('invite:list', {}))).toEqual({ invites: [], next_cursor: null });
  expect(errorOf(await alice.emitWithAck('room:join', { room_id: room.id })).code).toBe('NOT_FOUND');

  okData(await mallory.emitWithAck('room:invite', { room_id: room.id, user_ids: ['alice'] }));
  const declined = await server.http('POST', `/api/rooms/${room.id}/decline`, { token: tokens.alice });
  expect(declined.status).toBe(204);
  const again = await server.http<HttpError>('POST', `/api/rooms/${room.id}/decline`, {
    token: tokens.alice,
  });
  expect([again.status, again.body.error.code]).toEqual([404, 'NOT_FOUND']);
  expect(okData(await mallory.emitWithAck('room:get', { room_id: room.id })).member_count).toBe(1);
});

it('applies the rules of membership once alice accepts by joining', async () => {
  const room = await createPrivate(['alice']);
  const malloryTold = waitFor(mallory, 'room:user_joined');
  const joined = okData(await alice.emitWithAck('room:join', { room_id: room.id }));
  expect(joined.members.map((m) => [m.user_id, m.online])).toEqual([
    ['mallory', true],
    ['alice', true],
  ]);
  expect(await malloryTold).toMatchObject({ room_id: room.id, user_id: 'alice', username: 'Alice' });
  expect(okData(await mallory.emitWithAck('presence:get', { user_ids: ['alice'] })).presence).toEqual([
    expect.objectContaining({ user_id: 'alice', status: 'online' }),
  ]);
  const arrival = waitFor(alice, 'message:new');
  okData(await mallory.emitWithAck('message:send', { room_id: room.id, content: 'welcome' }));
  expect((await arrival).content).toBe('welcome');

  const offline = waitFor(mallory, 'presence:update', (u) => u.user_id === 'alice');
  await closeAndSettle(server, alice);
  expect(await offline).toMatchObject({ user_id: 'alice', status: 'offline' });
});

it(`refuses 200 forced invitations RATE_LIMITED once the room budget (${ROOMS_PER_MINUTE} a minute) is spent`, async () => {
  const aliceInvited = record(alice, 'room:invited');
  const answers: string[] = [];
  for (let i = 0; i < 200; i++) {
    const ack = await mallory.emitWithAck('room:create', {
      name: `trap ${i}`,
      is_private: true,
      invited_users: ['alice'],
    });
    answers.push(ack.ok ? 'ok' : ack.error.code);
  }
  expect(answers.slice(0, ROOMS_PER_MINUTE)).toEqual(Array(ROOMS_PER_MINUTE).fill('ok'));
  expect(new Set(answers.slice(ROOMS_PER_MINUTE))).toEqual(new Set(['RATE_LIMITED']));
  const overHttp = await server.http<HttpError>('POST', '/api/rooms', {
    token: tokens.mallory,
    body: { name: 'one more', invited_users: ['alice'] },
  });
  expect([overHttp.status, overHttp.body.error.code]).toEqual([429, 'RATE_LIMITED']);
  expect(Number(overHttp.headers.get('retry-after'))).toBeGreaterThan(0);

  // Alice got one event per room made, is a member of none, and can see what is pending.
  const pending = okData(await alice.emitWithAck('invite:list', { limit: 100 }));
  expect(pending.invites).toHaveLength(ROOMS_PER_MINUTE);
  expect(aliceInvited.seen).toHaveLength(ROOMS_PER_MINUTE);
  expect(okData(await alice.emitWithAck('room:list', {})).rooms).toEqual([]);
});

it(`refuses invitations RATE_LIMITED once the invite budget (${INVITES_PER_MINUTE} invitees a minute) is spent`, async () => {
  const strangers = Array.from({ length: INVITES_PER_MINUTE }, (_, i) => `stranger-${i}`);
  const room = await createPrivate(strangers);
  const aliceInvited = record(alice, 'room:invited');
  expect(
    errorOf(await mallory.emitWithAck('room:invite', { room_id: room.id, user_ids: ['alice'] })),
  ).toMatchObject({
    code: 'RATE_LIMITED',
    retry_after_ms: expect.any(Number),
  });
  const created = await mallory.emitWithAck('room:create', { name: 'again', invited_users: ['alice'] });
  expect(errorOf(created).code).toBe('RATE_LIMITED');
  okData(await alice.emitWithAck('invite:list', {}));
  expect(aliceInvited.seen).toEqual([]);
});
