import type { ModerationEvent } from '../../shared/index';
import { MUTE_MAX_MS, MUTE_MIN_MS } from '../../shared/limits';
import { validationError } from '../helpers/errors';
import { emitRaw, record, waitFor } from '../helpers/events';
import { startServer, type ClientSocket, type TestServer } from '../helpers/server';
import {
  calls,
  eventually,
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
import type { ClientEventName } from '../../shared/events';

/**
 * Moderation (`member:role|remove|ban|unban|mute|unmute` and their HTTP routes): who may do what
 * (owner, moderator, member, outsider), what each action does at once (room:moderated to the room
 * and its target, room:user_left, the target's sockets leaving the channel, bans refusing joins,
 * mutes refusing sends, edits and reactions until they end) and how bad requests are refused.
 */
describe.each(TRANSPORTS)('moderation over %s', (transport: Transport) => {
  let server: TestServer;
  let u: Record<'alice' | 'bob' | 'carol' | 'dave' | 'erin', User>;
  /** alice owns it; bob is a moderator; carol and dave are members; erin is not in it. */
  let general: string;
  /** alice's private room with bob and carol as members. */
  let vault: string;

  beforeEach(async () => {
    server = await startServer();
    u = await signIn(server, ['alice', 'bob', 'carol', 'dave', 'erin']);
    general = await room('general', [u.bob, u.carol, u.dave]);
    vault = await room('vault', [u.bob, u.carol], true);
    // Every member has heard bob's promotion before a test starts listening.
    const heard = [u.alice, u.bob, u.carol, u.dave].map((x) =>
      waitFor(x.socket, 'room:moderated', (e) => e.action === 'promote' && e.user_id === 'bob'),
    );
    ok(await perform(server, u.alice, 'socket', calls.role(general, 'bob', 'moderator')));
    await Promise.all(heard);
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

  const event = (action: ModerationEvent['action'], target: string, by: string, roomId = general) => ({
    room_id: roomId,
    action,
    user_id: target,
    username: target.charAt(0).toUpperCase() + target.slice(1),
    by,
    muted_until: null,
    timestamp: expect.any(String) as string,
  });

  const roleOf = async (userId: string, roomId = general) =>
    ok(await perform(server, u.alice, 'socket', calls.get(roomId))).members.find((m) => m.user_id === userId)
      ?.role;

  /** Checks that `socket` gets nothing more of `roomId`'s messages: alice sends, dave hears it, `socket` not. */
  async function expectDeaf(sockets: ClientSocket[], roomId = general): Promise<void> {
    const heard = sockets.map((s) => record(s, 'message:new'));
    const listener = roomId === general ? u.dave : u.bob;
    const arrival = waitFor(listener.socket, 'message:new', (m) => m.content === 'after the action');
    await say(u.alice, roomId, 'after the action');
    await arrival;
    await Promise.all(sockets.map(roundTrip));
    expect(heard.map((h) => h.seen.map((m) => m.content))).toEqual(sockets.map(() => []));
    for (const h of heard) h.stop();
  }

  describe('roles', () => {
    it('the owner promotes and demotes; room:moderated reaches the room and, once, the target; a repeat is acked without a broadcast', async () => {
      const carolHears = record(u.carol.socket, 'room:moderated');
      const daveHears = record(u.dave.socket, 'room:moderated');
      const toCarol = waitFor(u.carol.socket, 'room:moderated', (e) => e.user_id === 'dave');
      const promoted = ok(await as(u.alice, calls.role(general, 'dave', 'moderator')));
      expect(promoted).toEqual(event('promote', 'dave', 'alice'));
      expect(await toCarol).toEqual(promoted);
      expect(await roleOf('dave')).toBe('moderator');

      expect(ok(await as(u.alice, calls.role(general, 'dave', 'moderator')))).toMatchObject({
        action: 'promote',
        user_id: 'dave',
      });
      const demoted = ok(await as(u.alice, calls.role(general, 'dave', 'member')));
      expect(demoted).toEqual(event('demote', 'dave', 'alice'));
      expect(await roleOf('dave')).toBe('member');
      await Promise.all([roundTrip(u.carol.socket), roundTrip(u.dave.socket)]);
      expect(carolHears.seen.map((e) => e.action)).toEqual(['promote', 'demote']);
      expect(daveHears.seen.map((e) => e.action)).toEqual(['promote', 'demote']);
    });

    it('only the owner changes roles; the target must be a member other than the owner', async () => {
      for (const actor of [u.bob, u.carol, u.erin]) {
        expect([actor.id, refusal(await as(actor, calls.role(general, 'dave', 'moderator')))]).toEqual([
          actor.id,
          refused('FORBIDDEN', 'only the room owner can change roles'),
        ]);
      }
      expect(refusal(await as(u.alice, calls.role(general, 'erin', 'moderator')))).toEqual(
        refused('NOT_FOUND'),
      );
      expect(refusal(await as(u.alice, calls.role(general, 'alice', 'member')))).toEqual(
        refused('FORBIDDEN', "the owner's role cannot be changed"),
      );
      // A private room does not exist for an outsider.
      expect(refusal(await as(u.erin, calls.role(vault, 'carol', 'moderator')))).toEqual(
        refused('NOT_FOUND'),
      );
      expect(refusal(await as(u.alice, calls.role('no-such-room', 'carol', 'moderator')))).toEqual(
        refused('NOT_FOUND'),
      );
      expect(await roleOf('dave')).toBe('member');
    });

    it('refuses any role but moderator and member with VALIDATION_ERROR on role', async () => {
      for (const role of ['owner', 'admin', '', 7]) {
        if (transport === 'socket') {
          const ack = await emitRaw(u.alice.socket, 'member:role', {
            room_id: general,
            user_id: 'dave',
            role,
          });
          expect([role, ack]).toEqual([role, { ok: false, error: validationError('role') }]);
        } else {
          const res = await server.http('PUT', `/api/rooms/${general}/members/dave/role`, {
            token: u.alice.token,
            body: { role },
          });
          expect([role, res.status, res.body]).toEqual([role, 400, { error: validationError('role') }]);
        }
      }
      expect(await roleOf('dave')).toBe('member');
    });

    it('a moderator may delete anyone’s message in the room; a member may not', async () => {
      const carols = await say(u.carol, general, 'by carol');
      expect(refusal(await as(u.dave, calls.remove_message(carols.id)))).toEqual(refused('FORBIDDEN'));
      const told = waitFor(u.dave.socket, 'message:deleted', (d) => d.message_id === carols.id);
      ok(await as(u.bob, calls.remove_message(carols.id)));
      await told;
    });
  });

  describe('remove', () => {
    it('a moderator removes a member: announced to the room and once to the target, who is out at once and may rejoin', async () => {
      const carolSecond = await secondSocket(server, u.carol);
      const targetHears = [u.carol.socket, carolSecond].map((s) => record(s, 'room:moderated'));
      const toAlice = waitFor(u.alice.socket, 'room:moderated');
      const left = waitFor(u.alice.socket, 'room:user_left', (e) => e.user_id === 'carol');
      const removed = ok(await as(u.bob, calls.remove(general, 'carol')));
      expect(removed).toEqual(event('remove', 'carol', 'bob'));
      expect(await toAlice).toEqual(removed);
      expect(await left).toMatchObject({ room_id: general, user_id: 'carol', username: 'Carol' });

      await expectDeaf([u.carol.socket, carolSecond]);
      expect(targetHears.map((h) => h.seen)).toEqual([[removed], [removed]]);
      const detail = ok(await as(u.alice, calls.get(general)));
      expect(detail.members.map((m) => m.user_id)).not.toContain('carol');
      expect(detail.member_count).toBe(3);
      expect(refusal(await as(u.carol, calls.send(general, 'still here?')))).toEqual(refused('FORBIDDEN'));

      // Removal is not a ban: a public room takes them back.
      ok(await as(u.carol, calls.join(general)));
      const back = waitFor(u.carol.socket, 'message:new', (m) => m.content === 'welcome back');
      await say(u.alice, general, 'welcome back');
      await back;
    });

    it('a removal from a private room hides it from the target', async () => {
      ok(await as(u.alice, calls.remove(vault, 'carol')));
      expect(refusal(await as(u.carol, calls.get(vault)))).toEqual(refused('NOT_FOUND'));
      expect(refusal(await as(u.carol, calls.send(vault, 'hello?')))).toEqual(refused('NOT_FOUND'));
      await expectDeaf([u.carol.socket], vault);
    });

    it('refuses members, outsiders, the owner as target, a moderator removing a moderator, oneself and non-members', async () => {
      expect(refusal(await as(u.carol, calls.remove(general, 'dave')))).toEqual(
        refused('FORBIDDEN', 'only the owner or a moderator can'),
      );
      expect(refusal(await as(u.erin, calls.remove(general, 'dave')))).toEqual(refused('FORBIDDEN'));
      expect(refusal(await as(u.erin, calls.remove(vault, 'carol')))).toEqual(refused('NOT_FOUND'));
      expect(refusal(await as(u.bob, calls.remove(general, 'alice')))).toEqual(refused('FORBIDDEN'));
      ok(await as(u.alice, calls.role(general, 'dave', 'moderator')));
      expect(refusal(await as(u.bob, calls.remove(general, 'dave')))).toEqual(
        refused('FORBIDDEN', /only the owner can .*a moderator/),
      );
      const self = refusal(await as(u.bob, calls.remove(general, 'bob')));
      expect(self).toEqual(validationError('user_id'));
      expect(JSON.stringify(self)).toMatch(/cannot .*yourself/);
      expect(refusal(await as(u.bob, calls.remove(general, 'erin')))).toEqual(refused('NOT_FOUND'));
      expect(refusal(await as(u.alice, calls.remove('no-such-room', 'carol')))).toEqual(refused('NOT_FOUND'));
      // The owner may remove a moderator.
      expect(ok(await as(u.alice, calls.remove(general, 'dave')))).toEqual(event('remove', 'dave', 'alice'));
      expect(ok(await as(u.alice, calls.get(general))).member_count).toBe(3);
    });
  });

  describe('ban', () => {
    it('bans a member of a public room: out at once, rejoining FORBIDDEN until unbanned', async () => {
      const carolHears = record(u.carol.socket, 'room:moderated');
      const left = waitFor(u.alice.socket, 'room:user_left', (e) => e.user_id === 'carol');
      const banned = ok(await as(u.bob, calls.ban(general, 'carol')));
      expect(banned).toEqual(event('ban', 'carol', 'bob'));
      await left;
      await expectDeaf([u.carol.socket]);
      expect(refusal(await as(u.carol, calls.join(general)))).toEqual(
        refused('FORBIDDEN', 'you are banned from this room'),
      );
      expect(refusal(await as(u.carol, calls.send(general, 'let me back')))).toEqual(refused('FORBIDDEN'));

      // A repeat changes nothing: acked, not announced.
      const aliceHears = record(u.alice.socket, 'room:moderated');
      expect(ok(await as(u.alice, calls.ban(general, 'carol')))).toMatchObject({
        action: 'ban',
        user_id: 'carol',
      });

      const unbanned = ok(await as(u.bob, calls.unban(general, 'carol')));
      expect(unbanned).toEqual(event('unban', 'carol', 'bob'));
      await roundTrip(u.alice.socket);
      expect(aliceHears.seen.map((e) => e.action)).toEqual(['unban']);
      expect(refusal(await as(u.carol, calls.unban(general, 'carol')))).toEqual(refused('FORBIDDEN'));
      ok(await as(u.carol, calls.join(general)));
      expect((await say(u.carol, general, 'thanks')).content).toBe('thanks');
      await roundTrip(u.carol.socket);
      expect(carolHears.seen.map((e) => e.action)).toEqual(['ban', 'unban']);
    });

    it('unban is idempotent', async () => {
      expect(ok(await as(u.alice, calls.unban(general, 'erin')))).toMatchObject({
        action: 'unban',
        user_id: 'erin',
      });
      ok(await as(u.alice, calls.ban(general, 'erin')));
      ok(await as(u.alice, calls.unban(general, 'erin')));
      expect(ok(await as(u.bob, calls.unban(general, 'erin')))).toMatchObject({
        action: 'unban',
        user_id: 'erin',
      });
      ok(await as(u.erin, calls.join(general)));
    });

    it('bans someone who is not a member: they hear it once and cannot join', async () => {
      const erinHears = record(u.erin.socket, 'room:moderated');
      const banned = ok(await as(u.alice, calls.ban(general, 'erin')));
      expect(banned).toEqual(event('ban', 'erin', 'alice'));
      expect(refusal(await as(u.erin, calls.join(general)))).toEqual(refused('FORBIDDEN', 'you are banned'));
      await roundTrip(u.erin.socket);
      expect(erinHears.seen).toEqual([banned]);
      // A user id nobody has used yet may be banned too.
      expect(ok(await as(u.alice, calls.ban(general, 'future-user')))).toMatchObject({
        user_id: 'future-user',
      });
    });

    it('in a private room: a banned user gets NOT_FOUND, their pending invite is dropped, invites skip them silently', async () => {
      ok(await as(u.alice, calls.invite(vault, ['erin'])));
      ok(await as(u.alice, calls.ban(vault, 'erin')));
      const invites = ok(
        await perform(server, u.erin, 'socket', {
          event: 'invite:list',
          payload: {},
          http: { method: 'GET', path: '/api/invites' },
        }),
      );
      expect(invites.invites.map((i) => i.room_id)).not.toContain(vault);
      expect(refusal(await as(u.erin, calls.join(vault)))).toEqual(refused('NOT_FOUND'));

      const erinInvited = record(u.erin.socket, 'room:invited');
      const reinvited = ok(await as(u.alice, calls.invite(vault, ['erin'])));
      expect(reinvited.id).toBe(vault);
      await roundTrip(u.erin.socket);
      expect(erinInvited.seen).toEqual([]);
      expect(refusal(await as(u.erin, calls.join(vault)))).toEqual(refused('NOT_FOUND'));

      // A banned member is out and the room is invisible to them.
      ok(await as(u.alice, calls.ban(vault, 'carol')));
      expect(refusal(await as(u.carol, calls.get(vault)))).toEqual(refused('NOT_FOUND'));
      expect(refusal(await as(u.carol, calls.join(vault)))).toEqual(refused('NOT_FOUND'));

      // Unbanned, a new invite reaches them and lets them in.
      ok(await as(u.alice, calls.unban(vault, 'erin')));
      const told = waitFor(u.erin.socket, 'room:invited', (i) => i.room_id === vault);
      ok(await as(u.alice, calls.invite(vault, ['erin'])));
      await told;
      ok(await as(u.erin, calls.join(vault)));
    });

    it('refuses members, the owner as target, a moderator banning a moderator and oneself', async () => {
      expect(refusal(await as(u.carol, calls.ban(general, 'dave')))).toEqual(
        refused('FORBIDDEN', 'only the owner or a moderator can'),
      );
      expect(refusal(await as(u.carol, calls.unban(general, 'dave')))).toEqual(refused('FORBIDDEN'));
      expect(refusal(await as(u.erin, calls.ban(vault, 'carol')))).toEqual(refused('NOT_FOUND'));
      expect(refusal(await as(u.erin, calls.unban(vault, 'carol')))).toEqual(refused('NOT_FOUND'));
      expect(refusal(await as(u.bob, calls.ban(general, 'alice')))).toEqual(refused('FORBIDDEN'));
      ok(await as(u.alice, calls.role(general, 'dave', 'moderator')));
      expect(refusal(await as(u.bob, calls.ban(general, 'dave')))).toEqual(
        refused('FORBIDDEN', /only the owner can .*a moderator/),
      );
      expect(refusal(await as(u.bob, calls.ban(general, 'bob')))).toEqual(validationError('user_id'));
      expect(ok(await as(u.alice, calls.get(general))).member_count).toBe(4);
    });
  });

  describe('mute', () => {
    it('a muted member may not send, edit or react (FORBIDDEN, until when), typing is ignored; unmute lifts it', async () => {
      const alices = await say(u.alice, general, 'react to this');
      const carols = await say(u.carol, general, 'mine');
      ok(await perform(server, u.carol, 'socket', calls.react(alices.id, '👍')));
      const before = Date.now();
      const muted = ok(await as(u.bob, calls.mute(general, 'carol', 60_000)));
      const after = Date.now();
      expect(muted).toEqual({ ...event('mute', 'carol', 'bob'), muted_until: expect.any(String) });
      const until = Date.parse(muted.muted_until ?? '');
      expect(until).toBeGreaterThanOrEqual(before + 60_000 - 1000);
      expect(until).toBeLessThanOrEqual(after + 60_000 + 1000);
      expect(ok(await as(u.carol, calls.get(general))).muted_until).toBe(muted.muted_until);
      expect(ok(await as(u.dave, calls.get(general))).muted_until).toBeNull();

      const mutedError = refused('FORBIDDEN', `you are muted in this room until ${muted.muted_until}`);
      const typingSeen = record(u.alice.socket, 'typing:update');
      const newSeen = record(u.alice.socket, 'message:new');
      for (const call of [
        calls.send(general, 'can I talk?'),
        calls.edit(carols.id, 'edited'),
        calls.react(alices.id, '🎉'),
        calls.unreact(alices.id, '👍'),
      ] as Call<ClientEventName>[]) {
        expect([call.event, refusal(await as(u.carol, call))]).toEqual([call.event, mutedError]);
      }
      // Acked as any typing is (an empty ack on a socket, the room's typing state over HTTP), without carol.
      const typed = ok(await as(u.carol, calls.typing(general, true)));
      if (transport === 'socket') expect(typed).toEqual({});
      else expect(typed).toEqual({ room_id: general, typing_users: [] });
      // Others are not muted: bob's typing arrives, carol's never did.
      const bobTyping = waitFor(u.alice.socket, 'typing:update', (t) =>
        t.typing_users.some((x) => x.user_id === 'bob'),
      );
      ok(await as(u.bob, calls.typing(general, true)));
      await bobTyping;
      expect(typingSeen.seen.flatMap((t) => t.typing_users.map((x) => x.user_id))).not.toContain('carol');
      const arrival = waitFor(u.alice.socket, 'message:new', (m) => m.content === 'I can');
      ok(await as(u.dave, calls.send(general, 'I can')));
      await arrival;
      expect(newSeen.seen.map((m) => m.content)).toEqual(['I can']);

      expect(ok(await as(u.bob, calls.unmute(general, 'carol')))).toEqual(event('unmute', 'carol', 'bob'));
      expect(ok(await as(u.carol, calls.get(general))).muted_until).toBeNull();
      expect(ok(await as(u.carol, calls.send(general, 'free again'))).content).toBe('free again');
      ok(await as(u.carol, calls.edit(carols.id, 'edited at last')));
      // Unmute again: acked.
      ok(await as(u.bob, calls.unmute(general, 'carol')));
    });

    it('announces a mute to the room and the target', async () => {
      const toCarol = waitFor(u.carol.socket, 'room:moderated');
      const toDave = waitFor(u.dave.socket, 'room:moderated');
      const muted = ok(await as(u.alice, calls.mute(general, 'carol', 60_000)));
      expect(await toCarol).toEqual(muted);
      expect(await toDave).toEqual(muted);
    });

    it('a mute ends by itself once duration_ms has passed', async () => {
      const muted = ok(await as(u.alice, calls.mute(general, 'carol', MUTE_MIN_MS)));
      expect(refusal(await as(u.carol, calls.send(general, 'too soon'))).code).toBe('FORBIDDEN');
      await eventually(
        async () => (await as(u.carol, calls.send(general, 'the mute is over'))).ok,
        'the mute ran out',
        { everyMs: 200 },
      );
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(muted.muted_until ?? ''));
      expect(ok(await as(u.carol, calls.get(general))).muted_until).toBeNull();
    });

    it('a mute outlives leaving and rejoining', async () => {
      const muted = ok(await as(u.alice, calls.mute(general, 'carol', 60_000)));
      ok(await as(u.carol, calls.leave(general)));
      ok(await as(u.carol, calls.join(general)));
      expect(refusal(await as(u.carol, calls.send(general, 'fresh start?')))).toEqual(
        refused('FORBIDDEN', `until ${muted.muted_until}`),
      );
    });

    it('accepts 1 second and 30 days; refuses durations outside them and malformed ones', async () => {
      ok(await as(u.alice, calls.mute(general, 'carol', MUTE_MIN_MS)));
      ok(await as(u.alice, calls.mute(general, 'dave', MUTE_MAX_MS)));
      for (const duration of [MUTE_MIN_MS - 1, MUTE_MAX_MS + 1, 1500.5, 0, -1000, '60000', null, undefined]) {
        const body = duration === undefined ? {} : { duration_ms: duration };
        if (transport === 'socket') {
          const ack = await emitRaw(u.alice.socket, 'member:mute', {
            room_id: general,
            user_id: 'carol',
            ...body,
          });
          expect([duration, ack]).toEqual([duration, { ok: false, error: validationError('duration_ms') }]);
        } else {
          const res = await server.http('PUT', `/api/rooms/${general}/mutes/carol`, {
            token: u.alice.token,
            body,
          });
          expect([duration, res.status, res.body]).toEqual([
            duration,
            400,
            { error: validationError('duration_ms') },
          ]);
        }
      }
    });

    it('refuses members, non-member targets, the owner as target, a moderator muting a moderator and oneself', async () => {
      expect(refusal(await as(u.carol, calls.mute(general, 'dave', 60_000)))).toEqual(
        refused('FORBIDDEN', 'only the owner or a moderator can'),
      );
      expect(refusal(await as(u.carol, calls.unmute(general, 'dave')))).toEqual(refused('FORBIDDEN'));
      expect(refusal(await as(u.bob, calls.mute(general, 'erin', 60_000)))).toEqual(refused('NOT_FOUND'));
      expect(refusal(await as(u.bob, calls.mute(general, 'alice', 60_000)))).toEqual(refused('FORBIDDEN'));
      ok(await as(u.alice, calls.role(general, 'dave', 'moderator')));
      expect(refusal(await as(u.bob, calls.mute(general, 'dave', 60_000)))).toEqual(
        refused('FORBIDDEN', /only the owner can .*a moderator/),
      );
      expect(refusal(await as(u.bob, calls.mute(general, 'bob', 60_000)))).toEqual(
        validationError('user_id'),
      );
      expect(refusal(await as(u.erin, calls.mute(vault, 'carol', 60_000)))).toEqual(refused('NOT_FOUND'));
      // None of it took: dave and carol still talk.
      ok(await as(u.carol, calls.send(general, 'still talking')));
      ok(await as(u.dave, calls.send(general, 'me too')));
    });
  });

  describe('malformed requests', () => {
    const socketCases: [string, string, Record<string, unknown>][] = [
      ['room_id', 'member:ban', { room_id: 'has space', user_id: 'carol' }],
      ['user_id', 'member:ban', { room_id: 'ROOM', user_id: 'bad id' }],
      ['user_id', 'member:remove', { room_id: 'ROOM', user_id: 'x'.repeat(65) }],
      ['user_id', 'member:unban', { room_id: 'ROOM' }],
      ['room_id', 'member:unmute', { user_id: 'carol' }],
      ['reason', 'member:ban', { room_id: 'ROOM', user_id: 'carol', reason: 'spam' }],
      ['extra', 'member:mute', { room_id: 'ROOM', user_id: 'carol', duration_ms: 60_000, extra: 1 }],
      ['x', 'member:role', { room_id: 'ROOM', user_id: 'carol', role: 'moderator', x: 1 }],
    ];
    const httpCases: [string, 'PUT' | 'DELETE', string, unknown?][] = [
      ['room_id', 'PUT', '/api/rooms/has%20space/bans/carol'],
      ['user_id', 'PUT', '/api/rooms/ROOM/bans/bad%20id'],
      ['user_id', 'DELETE', `/api/rooms/ROOM/members/${'x'.repeat(65)}`],
      ['user_id', 'DELETE', '/api/rooms/ROOM/mutes/a%2Fb'],
      ['extra', 'PUT', '/api/rooms/ROOM/mutes/carol', { duration_ms: 60_000, extra: 1 }],
      ['x', 'PUT', '/api/rooms/ROOM/members/carol/role', { role: 'moderator', x: 1 }],
      ['role', 'PUT', '/api/rooms/ROOM/members/carol/role', {}],
    ];

    it('refuses bad ids, missing fields and unknown keys with VALIDATION_ERROR naming the field', async () => {
      if (transport === 'socket') {
        for (const [field, name, payload] of socketCases) {
          const withRoom = JSON.parse(
            JSON.stringify(payload).replace('"ROOM"', JSON.stringify(general)),
          ) as object;
          expect([name, field, await emitRaw(u.alice.socket, name, withRoom)]).toEqual([
            name,
            field,
            { ok: false, error: validationError(field) },
          ]);
        }
      } else {
        for (const [field, method, path, body] of httpCases) {
          const res = await server.http(method, path.replace('ROOM', general), {
            token: u.alice.token,
            body,
          });
          expect([path, field, res.status, res.body]).toEqual([
            path,
            field,
            400,
            { error: validationError(field) },
          ]);
        }
      }
      // Nothing happened to carol.
      ok(await as(u.carol, calls.send(general, 'unharmed')));
      expect(await roleOf('carol')).toBe('member');
    });
  });
});
