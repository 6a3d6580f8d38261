import type { ClientEventName } from '../../shared/events';
import type { Message } from '../../shared/index';
import { PINS_PER_ROOM_MAX } from '../../shared/limits';
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
  signIn,
  TRANSPORTS,
  type Call,
  type Transport,
  type User,
} from './conversation-calls';

/**
 * Pins (`message:pin` / `message:unpin` / `room:pins` and `PUT|DELETE /api/messages/{id}/pin`,
 * `GET /api/rooms/{id}/pins`): the owner and moderators pin (either member in a DM), a change is
 * a `message:updated` of the message, at most 100 per room, deleting a message unpins it.
 */
describe.each(TRANSPORTS)('pins over %s', (transport: Transport) => {
  let server: TestServer;
  let u: Record<'alice' | 'bob' | 'carol' | 'dave', User>;
  /** alice owns it; bob is a moderator; carol a member; dave is not in it. */
  let general: string;
  /** alice's private room with carol. */
  let vault: string;

  beforeEach(async () => {
    server = await startServer();
    u = await signIn(server, ['alice', 'bob', 'carol', 'dave']);
    general = await room('general', [u.bob, u.carol]);
    vault = await room('vault', [u.carol], true);
    ok(await perform(server, u.alice, 'socket', calls.role(general, 'bob', 'moderator')));
  });

  afterEach(() => server.close());

  async function room(name: string, members: User[], isPrivate = false): Promise<string> {
    const ack = await u.alice.socket.emitWithAck('room:create', {
      name,
      is_private: isPrivate,
      invited_users: members.map((m) => m.id),
    });
    if (!ack.ok) throw new Error(JSON.stringify(ack.error));
    for (const m of members) ok(await perform(server, m, 'socket', calls.join(ack.data.id)));
    return ack.data.id;
  }

  const as = <E extends ClientEventName>(user: User, call: Call<E>) => perform(server, user, transport, call);
  const pinned = async (by: User, roomId: string) =>
    ok(await as(by, calls.pins(roomId))).messages.map((m) => m.id);

  it('the owner pins: the message with pinned_at and pinned_by, a new version, message:updated to the room; unpin reverses it', async () => {
    const m = await say(u.carol, general, 'important');
    const toCarol = waitFor(u.carol.socket, 'message:updated', (x) => x.id === m.id);
    const before = Date.now();
    const pin = ok(await as(u.alice, calls.pin(m.id)));
    expect(pin).toEqual({
      ...m,
      pinned_at: expect.any(String),
      pinned_by: 'alice',
      version: expect.any(Number),
    });
    expect(pin.version).toBeGreaterThan(m.version);
    expect(Date.parse(pin.pinned_at ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect(await toCarol).toEqual(pin);
    expect(ok(await as(u.carol, calls.pins(general)))).toEqual({ room_id: general, messages: [pin] });
    const fetched = await server.http<Message>('GET', `/api/messages/${m.id}`, { token: u.carol.token });
    expect(fetched.body).toEqual(pin);

    const toBob = waitFor(u.bob.socket, 'message:updated', (x) => x.id === m.id && x.pinned_at === null);
    const unpin = ok(await as(u.alice, calls.unpin(m.id)));
    expect(unpin).toEqual({ ...pin, pinned_at: null, pinned_by: null, version: expect.any(Number) });
    expect(unpin.version).toBeGreaterThan(pin.version);
    expect(await toBob).toEqual(unpin);
    expect(await pinned(u.carol, general)).toEqual([]);
  });

  it('acks a repeated pin or unpin with the message and broadcasts nothing', async () => {
    const m = await say(u.carol, general, 'twice');
    const pin = ok(await as(u.bob, calls.pin(m.id)));
    await roundTrip(u.carol.socket);
    const updates = record(u.carol.socket, 'message:updated');
    expect(ok(await as(u.alice, calls.pin(m.id)))).toEqual(pin);
    const unpin = ok(await as(u.bob, calls.unpin(m.id)));
    expect(ok(await as(u.alice, calls.unpin(m.id)))).toEqual(unpin);
    await roundTrip(u.carol.socket);
    expect(updates.seen).toEqual([unpin]);
  });

  it('lists pins most recently pinned first, to whoever may read the room', async () => {
    const [a, b, c] = [
      await say(u.alice, general, 'a'),
      await say(u.alice, general, 'b'),
      await say(u.alice, general, 'c'),
    ];
    for (const m of [b, a, c]) ok(await as(u.bob, calls.pin(m.id)));
    expect(await pinned(u.carol, general)).toEqual([c.id, a.id, b.id]);
    // A public room is readable without joining.
    expect(await pinned(u.dave, general)).toEqual([c.id, a.id, b.id]);
    expect(refusal(await as(u.dave, calls.pins(vault)))).toEqual(refused('NOT_FOUND'));
    expect(refusal(await as(u.dave, calls.pins('no-such-room')))).toEqual(refused('NOT_FOUND'));
  });

  it('refuses members and outsiders: FORBIDDEN, NOT_FOUND for a private room', async () => {
    const m = await say(u.alice, general, 'pin me');
    const secret = await say(u.alice, vault, 'hidden');
    for (const call of [calls.pin(m.id), calls.unpin(m.id)] as Call<ClientEventName>[]) {
      for (const user of [u.carol, u.dave]) {
        expect([call.event, user.id, refusal(await as(user, call))]).toEqual([
          call.event,
          user.id,
          refused('FORBIDDEN', 'only the owner or a moderator can pin'),
        ]);
      }
    }
    // carol is a member of the vault, but not its owner.
    expect(refusal(await as(u.carol, calls.pin(secret.id)))).toEqual(refused('FORBIDDEN'));
    expect(refusal(await as(u.dave, calls.pin(secret.id)))).toEqual(refused('NOT_FOUND'));
    expect(refusal(await as(u.bob, calls.pin(secret.id)))).toEqual(refused('NOT_FOUND'));
    expect(refusal(await as(u.alice, calls.pin('no-such-message')))).toEqual(refused('NOT_FOUND'));
    expect(await pinned(u.alice, general)).toEqual([]);
  });

  it('a demoted moderator can pin no more', async () => {
    const m = await say(u.alice, general, 'x');
    ok(await perform(server, u.alice, 'socket', calls.role(general, 'bob', 'member')));
    expect(refusal(await as(u.bob, calls.pin(m.id)))).toEqual(refused('FORBIDDEN'));
  });

  it('refuses pinning a deleted message (CONFLICT); deleting a pinned message unpins it', async () => {
    const gone = await say(u.carol, general, 'gone');
    ok(await as(u.carol, calls.remove_message(gone.id)));
    expect(refusal(await as(u.alice, calls.pin(gone.id)))).toEqual(
      refused('CONFLICT', 'the message is deleted'),
    );

    const m = await say(u.carol, general, 'pinned then deleted');
    ok(await as(u.alice, calls.pin(m.id)));
    expect(await pinned(u.carol, general)).toEqual([m.id]);
    ok(await as(u.carol, calls.remove_message(m.id)));
    expect(await pinned(u.carol, general)).toEqual([]);
    const tombstone = await server.http<Message>('GET', `/api/messages/${m.id}`, { token: u.carol.token });
    expect(tombstone.body).toMatchObject({ deleted: true, pinned_at: null, pinned_by: null });
  });

  it('lets either member of a direct message pin and unpin', async () => {
    const dm = ok(await perform(server, u.carol, 'socket', calls.dmOpen('dave'))).id;
    const m = await say(u.carol, dm, 'our plan');
    expect(ok(await as(u.dave, calls.pin(m.id))).pinned_by).toBe('dave');
    expect(ok(await as(u.carol, calls.unpin(m.id))).pinned_at).toBeNull();
    expect(ok(await as(u.carol, calls.pin(m.id))).pinned_by).toBe('carol');
    expect(await pinned(u.dave, dm)).toEqual([m.id]);
    expect(refusal(await as(u.alice, calls.pins(dm)))).toEqual(refused('NOT_FOUND'));
    expect(refusal(await as(u.alice, calls.pin(m.id)))).toEqual(refused('NOT_FOUND'));
  });

  it('carries pins through the change feed (room:sync)', async () => {
    const m = await say(u.carol, general, 'sync me');
    const pin = ok(await as(u.alice, calls.pin(m.id)));
    const page = await u.bob.socket.emitWithAck('room:sync', { room_id: general, after_version: m.version });
    expect(page).toMatchObject({ ok: true, data: { messages: [pin] } });
  });

  it('refuses a malformed message id, room id and unknown keys with VALIDATION_ERROR', async () => {
    if (transport === 'socket') {
      const cases: [string, string, Record<string, unknown>][] = [
        ['message_id', 'message:pin', { message_id: 'has space' }],
        ['message_id', 'message:unpin', {}],
        ['note', 'message:pin', { message_id: 'abc', note: 'x' }],
        ['room_id', 'room:pins', { room_id: 'x'.repeat(65) }],
      ];
      for (const [field, event, payload] of cases) {
        expect([event, await emitRaw(u.alice.socket, event, payload)]).toEqual([
          event,
          { ok: false, error: validationError(field) },
        ]);
      }
    } else {
      const cases: [string, string, string][] = [
        ['id', 'PUT', '/api/messages/has%20space/pin'],
        ['id', 'DELETE', `/api/messages/${'x'.repeat(65)}/pin`],
        ['room_id', 'GET', '/api/rooms/has%20space/pins'],
      ];
      for (const [field, method, path] of cases) {
        const res = await server.http(method, path, { token: u.alice.token });
        expect([path, res.status, res.body]).toEqual([path, 400, { error: validationError(field) }]);
      }
    }
  });
});

describe('pins: at most 100 per room', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startServer({ env: { RATE_LIMIT_MESSAGES_PER_SECOND: '1000' } });
  });

  afterEach(() => server.close());

  it.each(TRANSPORTS)(
    'refuses the 101st pin with CONFLICT over %s; unpinning one makes room',
    async (transport) => {
      const { alice } = await signIn(server, ['alice']);
      const roomId = await alice.socket.emitWithAck('room:create', { name: 'pinboard' });
      if (!roomId.ok) throw new Error('no room');
      const messages: Message[] = [];
      for (let i = 0; i <= PINS_PER_ROOM_MAX; i += 1)
        messages.push(await say(alice, roomId.data.id, `note ${i}`));
      for (const m of messages.slice(0, PINS_PER_ROOM_MAX))
        ok(await perform(server, alice, 'socket', calls.pin(m.id)));
      const last = messages[PINS_PER_ROOM_MAX] as Message;
      expect(refusal(await perform(server, alice, transport, calls.pin(last.id)))).toEqual(
        refused('CONFLICT', `the room has ${PINS_PER_ROOM_MAX} pinned messages: unpin one first`),
      );
      // Pinning one that is pinned already is still the usual no-op.
      ok(await perform(server, alice, transport, calls.pin((messages[0] as Message).id)));
      ok(await perform(server, alice, transport, calls.unpin((messages[0] as Message).id)));
      expect(ok(await perform(server, alice, transport, calls.pin(last.id))).pinned_by).toBe('alice');
      const list = ok(await perform(server, alice, transport, calls.pins(roomId.data.id)));
      expect(list.messages).toHaveLength(PINS_PER_ROOM_MAX);
      expect(list.messages[0]?.id).toBe(last.id);
    },
  );
});
