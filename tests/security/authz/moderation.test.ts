import type { Message } from '../../../shared/schemas/objects';
import { emitRaw, okData, record, waitFor } from '../../helpers/events';
import { startHarness, type Harness } from './harness';
import { PlainWsClient } from './plain-ws-client';
import { isAbout, Recorder } from './recorder';
import { buildWorld } from './world';

/**
 * What moderation does to its target beyond the answers of the matrix (./operations.ts):
 * - a member removed or banned stops hearing the room at once, on every socket and on /ws, as one
 *   who leaves (./leave.test.ts), while the members who stay go on hearing it;
 * - a muted member's typing is acknowledged and ignored: nobody hears it;
 * - a ban of someone who is not in the room reaches them (on their own channel) and nothing else
 *   of the room does; lifted, the room is open to them again.
 */

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(() => h?.server.close());

const ACTIONS = [
  ['removed', 'DELETE', 'members', 'member:remove'],
  ['banned', 'PUT', 'bans', 'member:ban'],
] as const;
const PRIVACY = ['private', 'public'] as const;

describe.each(ACTIONS)('a member %s', (_what, method, path, event) => {
  test.each(PRIVACY.flatMap((p) => [[p, 'socket'] as const, [p, 'http'] as const]))(
    'from a %s room over %s: no socket or /ws of theirs hears a message sent right after the ack',
    async (privacy, how) => {
      const world = await buildWorld(h);
      const roomId = privacy === 'private' ? world.privateRoom : world.publicRoom;
      // max stays in the private room, quinn in the public one; mia is the target, mona acts.
      const stayer = h.sockets[privacy === 'private' ? 'max' : 'quinn'];
      const second = await h.server.connect(h.tokens.mia);
      const opening = await PlainWsClient.open(h.server.url, roomId, h.tokens.mia);
      if (!('client' in opening)) throw new Error(`/ws refused: ${JSON.stringify(opening)}`);
      const ws = opening.client;
      const targetSockets = [h.sockets.mia, second];
      const recorders = targetSockets.map((s) => Recorder.ofSocket(s));

      if (how === 'socket')
        okData(await h.sockets.mona.emitWithAck(event, { room_id: roomId, user_id: 'mia' }));
      else {
        const res = await h.server.http(method, `/api/rooms/${roomId}/${path}/mia`, { token: h.tokens.mona });
        expect(res.status).toBe(200);
      }
      const marks = recorders.map((r) => r.mark());
      const framesBefore = ws.frames.length;

      const [overSocket, overHttp] = await Promise.all([
        waitFor(stayer, 'message:new', (m) => m.room_id === roomId && m.content === 'over a socket'),
        waitFor(stayer, 'message:new', (m) => m.room_id === roomId && m.content === 'over HTTP'),
        emitRaw(h.sockets.olga, 'message:send', { room_id: roomId, content: 'over a socket' }),
        h.server.http<Message>('POST', '/api/messages', {
          token: h.tokens.olga,
          body: { room_id: roomId, content: 'over HTTP' },
        }),
      ]);
      expect([overSocket.content, overHttp.content]).toEqual(['over a socket', 'over HTTP']);

      await Promise.all(targetSockets.map((s) => emitRaw(s, 'room:list', { limit: 1 })));
      await ws.barrier();
      const heard = recorders.flatMap((r, i) => r.since(marks[i] ?? 0));
      // What the action itself sent (room:moderated to the target, their room:user_left) is sent
      // before the ack and may reach the other socket after it.
      const ownNews = (e: { event: string; payload: unknown }) =>
        (e.event === 'room:moderated' || e.event === 'room:user_left') &&
        JSON.stringify(e.payload).includes('"user_id":"mia"');
      expect(heard.filter((e) => isAbout(e, { id: roomId, presenceOf: '-' }) && !ownNews(e))).toEqual([]);
      expect(ws.frames.slice(framesBefore).filter((f) => f.type === 'message')).toEqual([]);
      ws.close();
      second.disconnect();
    },
  );
});

test("a muted member's typing is acknowledged, and nobody hears it", async () => {
  const world = await buildWorld(h);
  const typing = record(h.sockets.max, 'typing:update');
  const ack = await emitRaw(h.sockets.mel, 'typing:update', { room_id: world.privateRoom, is_typing: true });
  expect(ack).toEqual({ ok: true, data: {} });
  const res = await h.server.http('POST', '/api/typing', {
    token: h.tokens.mel,
    body: { room_id: world.privateRoom, is_typing: true },
  });
  expect(res.status).toBe(200);
  // Then mia types: her typing arrives, and nothing of mel's came before it.
  await Promise.all([
    waitFor(h.sockets.max, 'typing:update', (t) => t.room_id === world.privateRoom),
    emitRaw(h.sockets.mia, 'typing:update', { room_id: world.privateRoom, is_typing: true }),
  ]);
  const names = typing.seen
    .filter((t) => t.room_id === world.privateRoom)
    .flatMap((t) => t.typing_users.map((u) => u.user_id));
  expect(names).not.toContain('mel');
});

test('a ban of a non-member reaches them once, alone of the room; lifted, they may join', async () => {
  const world = await buildWorld(h);
  const pat = Recorder.ofSocket(h.sockets.pat);
  const mark = pat.mark();
  okData(await h.sockets.mona.emitWithAck('member:ban', { room_id: world.publicRoom, user_id: 'pat' }));
  await pat.waitFor(mark, (e) => e.event === 'room:moderated', 'room:moderated at pat');
  // A message in the room, then a round trip: pat has had time to hear it, and must not.
  await emitRaw(h.sockets.olga, 'message:send', { room_id: world.publicRoom, content: 'pat is out' });
  await emitRaw(h.sockets.pat, 'room:list', { limit: 1 });
  expect(pat.since(mark).map((e) => e.event)).toEqual(['room:moderated']);
  const join = await emitRaw(h.sockets.pat, 'room:join', { room_id: world.publicRoom });
  expect(join).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });

  okData(await h.sockets.mona.emitWithAck('member:unban', { room_id: world.publicRoom, user_id: 'pat' }));
  expect(okData(await h.sockets.pat.emitWithAck('room:join', { room_id: world.publicRoom })).is_member).toBe(
    true,
  );
});
