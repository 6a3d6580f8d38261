import type { ClientEventName, RoomDetail } from '../../shared/index';
import { validationError } from '../helpers/errors';
import { emitRaw, record, waitFor } from '../helpers/events';
import { startServer, type TestServer } from '../helpers/server';
import {
  calls,
  ok,
  perform,
  refusal,
  refused,
  roundTrip,
  say,
  secondSocket,
  signIn,
  TRANSPORTS,
  type Call,
  type Transport,
  type User,
} from './conversation-calls';

/**
 * Direct messages (`dm:open`, `POST /api/dms`): the one private room of two users, the same room
 * whichever of them opens it and however often, listed with `is_dm`, never joined, left or
 * moderated; the other user's client learns of it (`room:updated`) and both users' sockets hear it.
 */
describe.each(TRANSPORTS)('direct messages over %s', (transport: Transport) => {
  let server: TestServer;
  let u: Record<'alice' | 'bob' | 'carol', User>;

  beforeEach(async () => {
    server = await startServer();
    u = await signIn(server, ['alice', 'bob', 'carol']);
  });

  afterEach(() => server.close());

  const open = (by: User, userId: string) => perform(server, by, transport, calls.dmOpen(userId));

  it('creates a private is_dm room of the two as members, named by both (201 over HTTP), and answers the same room both ways after (200)', async () => {
    const first = await open(u.alice, 'bob');
    const room = ok(first);
    if (transport === 'http') expect(first.status).toBe(201);
    expect(room).toMatchObject({
      is_private: true,
      is_dm: true,
      name: 'Alice, Bob',
      description: null,
      created_by: 'alice',
      member_count: 2,
      is_member: true,
      last_read_seq: 0,
      unread_count: 0,
      unread_mentions: 0,
      muted_until: null,
    });
    expect(room.members.map((m) => [m.user_id, m.role]).sort()).toEqual([
      ['alice', 'member'],
      ['bob', 'member'],
    ]);

    const again = await open(u.alice, 'bob');
    const reverse = await open(u.bob, 'alice');
    if (transport === 'http') expect([again.status, reverse.status]).toEqual([200, 200]);
    expect(ok(again).id).toBe(room.id);
    expect(ok(reverse)).toMatchObject({ id: room.id, name: 'Alice, Bob', is_dm: true, is_member: true });
  });

  it('names the room by display names in the order of the user ids', async () => {
    const zoe = (await signIn(server, ['u1'], { u1: 'Zoe' })).u1;
    await signIn(server, ['u2'], { u2: 'Adam' });
    const room = ok(await open(zoe, 'u2'));
    expect(room.name).toBe('Zoe, Adam');
  });

  it('accepts a user id nobody has signed in with yet; when they do, the room is theirs', async () => {
    const room = ok(await open(u.alice, 'ghost'));
    expect(room.name).toBe('Alice, ghost');
    const { ghost } = await signIn(server, ['ghost']);
    const listed = ok(await perform(server, ghost, transport, calls.list()));
    expect(listed.rooms.filter((r) => r.is_dm).map((r) => r.id)).toEqual([room.id]);
    const arrival = waitFor(ghost.socket, 'message:new', (m) => m.room_id === room.id);
    await say(u.alice, room.id, 'are you there?');
    expect((await arrival).content).toBe('are you there?');
  });

  it('tells every socket of both users with room:updated when created, and puts them in the room at once', async () => {
    const bobSecond = await secondSocket(server, u.bob);
    const aliceSecond = await secondSocket(server, u.alice);
    const updates = [u.bob.socket, bobSecond, aliceSecond].map((s) =>
      waitFor(s, 'room:updated', (r) => r.is_dm),
    );
    const room = ok(await open(u.alice, 'bob'));
    const [toBob, toBobSecond, toAlice] = await Promise.all(updates);
    // Each user gets the room as they see it.
    expect(toBob).toMatchObject({ id: room.id, is_dm: true, is_member: true, name: 'Alice, Bob' });
    expect(toBobSecond?.id).toBe(room.id);
    expect(toAlice?.id).toBe(room.id);

    // Neither joined anything: their live sockets are in the room already.
    const heard = [u.bob.socket, bobSecond, u.alice.socket].map((s) =>
      waitFor(s, 'message:new', (m) => m.room_id === room.id),
    );
    const sent = await say(u.alice, room.id, 'hi bob');
    for (const m of await Promise.all(heard)) expect(m).toEqual(sent);
  });

  it('sends no room:updated when the room already existed', async () => {
    const room = ok(await open(u.alice, 'bob'));
    await roundTrip(u.bob.socket);
    const updates = record(u.bob.socket, 'room:updated');
    expect(ok(await open(u.alice, 'bob')).id).toBe(room.id);
    expect(ok(await open(u.bob, 'alice')).id).toBe(room.id);
    await roundTrip(u.bob.socket);
    expect(updates.seen).toEqual([]);
  });

  it('lists the room with is_dm for both users only; anyone else gets NOT_FOUND for it', async () => {
    const room = ok(await open(u.bob, 'alice'));
    const group = ok(await perform(server, u.alice, transport, calls.dmOpen('carol')));
    for (const user of [u.alice, u.bob]) {
      const rooms = ok(await perform(server, user, transport, calls.list())).rooms;
      expect(rooms.find((r) => r.id === room.id)).toMatchObject({ is_dm: true, is_private: true });
    }
    // Each pair has its own room.
    expect(group.id).not.toBe(room.id);
    const carolsRooms = ok(await perform(server, u.carol, transport, calls.list())).rooms;
    expect(carolsRooms.map((r) => r.id)).not.toContain(room.id);
    expect(refusal(await perform(server, u.carol, transport, calls.get(room.id)))).toEqual(
      refused('NOT_FOUND'),
    );
    expect(refusal(await perform(server, u.carol, transport, calls.join(room.id)))).toEqual(
      refused('NOT_FOUND'),
    );
    expect(refusal(await perform(server, u.carol, transport, calls.send(room.id, 'let me in')))).toEqual(
      refused('NOT_FOUND'),
    );
  });

  it('refuses invites, leaving and moderation in a direct message with FORBIDDEN', async () => {
    const room = ok(await open(u.alice, 'bob'));
    const as = <E extends ClientEventName>(user: User, call: Call<E>) =>
      perform(server, user, transport, call);
    expect(refusal(await as(u.alice, calls.invite(room.id, ['carol'])))).toEqual(
      refused('FORBIDDEN', 'a direct message has exactly two members'),
    );
    expect(refusal(await as(u.bob, calls.leave(room.id)))).toEqual(
      refused('FORBIDDEN', 'a direct message cannot be left'),
    );
    for (const call of [
      calls.ban(room.id, 'bob'),
      calls.remove(room.id, 'bob'),
      calls.mute(room.id, 'bob', 60_000),
      calls.role(room.id, 'bob', 'moderator'),
      calls.unban(room.id, 'carol'),
      calls.unmute(room.id, 'bob'),
    ]) {
      expect([call.event, refusal(await as(u.alice, call))]).toEqual([
        call.event,
        refused('FORBIDDEN', 'no moderation in a direct message'),
      ]);
    }
    // Still the two of them, and both still hear it.
    const detail = ok(await as(u.bob, calls.get(room.id)));
    expect([detail.member_count, detail.members.map((m) => m.user_id).sort()]).toEqual([2, ['alice', 'bob']]);
    const carolHears = record(u.carol.socket, 'room:invited');
    await roundTrip(u.carol.socket);
    expect(carolHears.seen).toEqual([]);
  });

  it('refuses a direct message with oneself, a malformed user id, a missing one and unknown keys with VALIDATION_ERROR', async () => {
    const self = refusal(await open(u.alice, 'alice'));
    expect(self).toEqual(validationError('user_id'));
    expect(JSON.stringify(self)).toContain('cannot open a direct message with yourself');
    for (const bad of ['has space', 'x'.repeat(65), '', 'a/b']) {
      expect([bad, refusal(await open(u.alice, bad))]).toEqual([bad, validationError('user_id')]);
    }
    if (transport === 'socket') {
      expect(await emitRaw(u.alice.socket, 'dm:open', {})).toEqual({
        ok: false,
        error: validationError('user_id'),
      });
      expect(await emitRaw(u.alice.socket, 'dm:open', { user_id: 'bob', name: 'x' })).toEqual({
        ok: false,
        error: validationError('name'),
      });
    } else {
      const missing = await server.http('POST', '/api/dms', { token: u.alice.token, body: {} });
      expect([missing.status, missing.body]).toEqual([400, { error: validationError('user_id') }]);
      const extra = await server.http('POST', '/api/dms', {
        token: u.alice.token,
        body: { user_id: 'bob', x: 1 },
      });
      expect([extra.status, extra.body]).toEqual([400, { error: validationError('x') }]);
      const anonymous = await server.http('POST', '/api/dms', { body: { user_id: 'bob' } });
      expect(anonymous.status).toBe(401);
    }
    // Nothing was created by any of these.
    const rooms = ok(await perform(server, u.alice, transport, calls.list())).rooms;
    expect(rooms).toEqual([]);
  });

  it('answers one room to many opens at once from both users', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? open(u.alice, 'bob') : open(u.bob, 'alice'))),
    );
    const ids = new Set(outcomes.map((o) => ok(o).id));
    expect(ids.size).toBe(1);
    if (transport === 'http') {
      // Exactly one call created it.
      expect(outcomes.map((o) => o.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    }
    const rooms = ok(await perform(server, u.carol, transport, calls.dmOpen('alice')));
    expect(ids.has(rooms.id)).toBe(false);
  });
});

describe('direct messages: the room budget', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startServer({ env: { RATE_LIMIT_ROOMS_PER_MINUTE: '3' } });
  });

  afterEach(() => server.close());

  it('spends one point of the room budget per dm:open, created or not', async () => {
    const { alice } = await signIn(server, ['alice']);
    const outcomes: unknown[] = [];
    for (let i = 0; i < 4; i += 1) {
      const transport = i % 2 === 0 ? 'socket' : 'http';
      const o = await perform(server, alice, transport, calls.dmOpen('bob'));
      outcomes.push(o.ok ? (o.data as RoomDetail).is_dm : o.error.code);
    }
    expect(outcomes).toEqual([true, true, true, 'RATE_LIMITED']);
  });
});
