import type { ModerationEvent } from '../../shared/index';
import { emitRaw, okData, record, waitFor } from '../helpers/events';
import { needs } from '../helpers/services';
import {
  calls,
  ok,
  perform,
  refusal,
  refused,
  roundTrip,
  type Transport,
  type User,
} from '../integration/conversation-calls';
import { startCluster, type ChatNode, type Cluster } from './helpers';

const { describe } = needs('postgres', 'redis');

/**
 * Moderation done on node A takes effect on node B at once: the target, connected to B, is
 * refused at its very next call there (node B's access cache must not answer from before), its
 * sockets on B get room:moderated and leave the room's channel, and lifting a ban or a mute on A
 * lets it back on B at once.
 */
const WAIT_MS = 5000;

describe('moderation on one node reaches the other at once', () => {
  let cluster: Cluster;
  let a: ChatNode;
  let b: ChatNode;
  let n = 0;

  beforeAll(async () => {
    cluster = await startCluster();
    const env = { RATE_LIMIT_MESSAGES_PER_SECOND: '1000' };
    [a, b] = await Promise.all([cluster.start('A', env), cluster.start('B', env)]);
  }, 60_000);

  afterAll(() => cluster?.close(), 30_000);

  async function on(node: ChatNode, userId: string): Promise<User> {
    const token = await cluster.token(userId);
    return { id: userId, token, socket: await node.connect(token) };
  }

  /**
   * A room owned by `owner` on A, with `target` and `stayer` (both on B) as members. The target
   * has already sent a message through B, so node B holds its access in its cache.
   */
  async function scene(isPrivate: boolean) {
    n += 1;
    const owner = await on(a, `owner${n}`);
    const target = await on(b, `target${n}`);
    const stayer = await on(b, `stayer${n}`);
    const roomId = okData(
      await owner.socket.emitWithAck('room:create', {
        name: `moderated ${n}`,
        is_private: isPrivate,
        invited_users: [target.id, stayer.id],
      }),
    ).id;
    okData(await target.socket.emitWithAck('room:join', { room_id: roomId }));
    okData(await stayer.socket.emitWithAck('room:join', { room_id: roomId }));
    const warm = okData(
      await target.socket.emitWithAck('message:send', { room_id: roomId, content: 'warm' }),
    );
    okData(await target.socket.emitWithAck('typing:update', { room_id: roomId, is_typing: false }));
    return { owner, target, stayer, roomId, warm };
  }

  /** The owner sends through A; the stayer on B hears it; the target's socket on B must not. */
  async function expectTargetDeaf(s: Awaited<ReturnType<typeof scene>>): Promise<void> {
    const heard = record(s.target.socket, 'message:new');
    const arrival = waitFor(
      s.stayer.socket,
      'message:new',
      (m) => m.content === 'without the target',
      WAIT_MS,
    );
    okData(
      await s.owner.socket.emitWithAck('message:send', { room_id: s.roomId, content: 'without the target' }),
    );
    await arrival;
    await roundTrip(s.target.socket);
    expect(heard.seen).toEqual([]);
  }

  const moderatedOnB = (s: Awaited<ReturnType<typeof scene>>, action: ModerationEvent['action']) =>
    waitFor(s.target.socket, 'room:moderated', (e) => e.action === action && e.room_id === s.roomId, WAIT_MS);

  const cases: {
    action: 'ban' | 'remove';
    privacy: 'public' | 'private';
    transport: Transport;
    refusedWith: string;
  }[] = [
    { action: 'ban', privacy: 'public', transport: 'socket', refusedWith: 'FORBIDDEN' },
    { action: 'ban', privacy: 'private', transport: 'http', refusedWith: 'NOT_FOUND' },
    { action: 'remove', privacy: 'public', transport: 'http', refusedWith: 'FORBIDDEN' },
    { action: 'remove', privacy: 'private', transport: 'socket', refusedWith: 'NOT_FOUND' },
  ];

  test.each(cases)(
    '$action on A over $transport ($privacy room): the target on B is refused at its next send, told, and out of the channel',
    async ({ action, privacy, transport, refusedWith }) => {
      const s = await scene(privacy === 'private');
      const told = moderatedOnB(s, action);
      const call = action === 'ban' ? calls.ban(s.roomId, s.target.id) : calls.remove(s.roomId, s.target.id);
      const event = ok(await perform(a, s.owner, transport, call));
      // At once: the next send through B, without waiting for anything.
      expect(refusal(await perform(b, s.target, 'socket', calls.send(s.roomId, 'am I still in?')))).toEqual(
        refused(refusedWith as 'FORBIDDEN'),
      );
      expect(refusal(await perform(b, s.target, 'http', calls.send(s.roomId, 'over HTTP?')))).toEqual(
        refused(refusedWith as 'FORBIDDEN'),
      );
      expect(await told).toEqual(event);
      await expectTargetDeaf(s);

      const rejoin = await perform(b, s.target, 'socket', calls.join(s.roomId));
      if (action === 'remove' && privacy === 'public') {
        ok(rejoin);
      } else if (action === 'ban') {
        expect(refusal(rejoin)).toEqual(
          privacy === 'public' ? refused('FORBIDDEN', 'you are banned from this room') : refused('NOT_FOUND'),
        );
        // Unbanned on A, a public room takes them back through B at once.
        ok(await perform(a, s.owner, 'socket', calls.unban(s.roomId, s.target.id)));
        if (privacy === 'public') ok(await perform(b, s.target, 'socket', calls.join(s.roomId)));
      }
    },
  );

  test('a mute on A refuses sends, edits and reactions on B at once and ignores typing; unmute on A lifts it on B at once', async () => {
    const s = await scene(false);
    const told = moderatedOnB(s, 'mute');
    const muted = ok(await perform(a, s.owner, 'http', calls.mute(s.roomId, s.target.id, 60_000)));
    const mutedError = refused('FORBIDDEN', `you are muted in this room until ${muted.muted_until}`);
    expect(refusal(await perform(b, s.target, 'socket', calls.send(s.roomId, 'hello?')))).toEqual(mutedError);
    expect(refusal(await perform(b, s.target, 'http', calls.edit(s.warm.id, 'edited')))).toEqual(mutedError);
    expect(refusal(await perform(b, s.target, 'socket', calls.react(s.warm.id, '👍')))).toEqual(mutedError);
    expect(await told).toEqual(muted);

    // Typing is acked and goes nowhere: the stayer on B sees the owner's typing, never the target's.
    const typing = record(s.stayer.socket, 'typing:update');
    expect(await emitRaw(s.target.socket, 'typing:update', { room_id: s.roomId, is_typing: true })).toEqual({
      ok: true,
      data: {},
    });
    const ownerTyping = waitFor(
      s.stayer.socket,
      'typing:update',
      (t) => t.typing_users.some((x) => x.user_id === s.owner.id),
      WAIT_MS,
    );
    okData(await s.owner.socket.emitWithAck('typing:update', { room_id: s.roomId, is_typing: true }));
    await ownerTyping;
    expect(typing.seen.flatMap((t) => t.typing_users.map((x) => x.user_id))).not.toContain(s.target.id);

    // Still a member: the target keeps hearing the room while muted.
    const stillHears = waitFor(s.target.socket, 'message:new', (m) => m.content === 'you can read', WAIT_MS);
    okData(await s.owner.socket.emitWithAck('message:send', { room_id: s.roomId, content: 'you can read' }));
    await stillHears;

    ok(await perform(a, s.owner, 'socket', calls.unmute(s.roomId, s.target.id)));
    expect(ok(await perform(b, s.target, 'socket', calls.send(s.roomId, 'free on B'))).content).toBe(
      'free on B',
    );
  });

  test('a promotion on A lets the member pin and delete through B at once; a demotion takes it back at once', async () => {
    const s = await scene(false);
    const others = okData(
      await s.stayer.socket.emitWithAck('message:send', { room_id: s.roomId, content: 'x' }),
    );
    expect(refusal(await perform(b, s.target, 'socket', calls.pin(others.id)))).toEqual(refused('FORBIDDEN'));
    ok(await perform(a, s.owner, 'socket', calls.role(s.roomId, s.target.id, 'moderator')));
    expect(ok(await perform(b, s.target, 'socket', calls.pin(others.id))).pinned_by).toBe(s.target.id);
    ok(await perform(a, s.owner, 'http', calls.role(s.roomId, s.target.id, 'member')));
    expect(refusal(await perform(b, s.target, 'socket', calls.unpin(others.id)))).toEqual(
      refused('FORBIDDEN'),
    );
    expect(refusal(await perform(b, s.target, 'socket', calls.remove_message(others.id)))).toEqual(
      refused('FORBIDDEN'),
    );
  });
});
