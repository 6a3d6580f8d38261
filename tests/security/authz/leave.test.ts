import type { Message } from '../../../shared/schemas/objects';
import { emitRaw, okData, record, waitFor } from '../../helpers/events';
import type { ClientSocket } from '../../helpers/server';
import { startHarness, type Harness } from './harness';
import { PlainWsClient } from './plain-ws-client';
import { isAbout, Recorder } from './recorder';
import { buildWorld } from './world';

/**
 * A user who leaves stops hearing the room at once, on one node: from the moment the leave is
 * acknowledged, nothing of the room reaches any of their sockets or their /ws connection, while
 * the members who stay go on hearing it. tests/multinode/leave-stops-events.test.ts does the same
 * across two nodes. Being removed or banned does the same: ./moderation.test.ts.
 */

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(() => h?.server.close());

const PRIVACY = ['private', 'public'] as const;
const HOW = ['socket', 'http'] as const;

describe.each(PRIVACY)('a %s room', (privacy) => {
  test.each(HOW)(
    'left over %s: no socket or /ws of the leaver hears a message sent right after the ack',
    async (how) => {
      const world = await buildWorld(h);
      const roomId = privacy === 'private' ? world.privateRoom : world.publicRoom;
      // max stays in the private room, quinn in the public one.
      const stayer = h.sockets[privacy === 'private' ? 'max' : 'quinn'];
      const second = await h.server.connect(h.tokens.mia);
      const opening = await PlainWsClient.open(h.server.url, roomId, h.tokens.mia);
      if (!('client' in opening)) throw new Error(`/ws refused: ${JSON.stringify(opening)}`);
      const ws = opening.client;
      const leaverSockets = [h.sockets.mia, second];
      const recorders = leaverSockets.map((s) => Recorder.ofSocket(s));

      if (how === 'socket') okData(await h.sockets.mia.emitWithAck('room:leave', { room_id: roomId }));
      else
        expect(
          (await h.server.http('POST', `/api/rooms/${roomId}/leave`, { token: h.tokens.mia })).status,
        ).toBe(204);
      const marks = recorders.map((r) => r.mark());
      const framesBefore = ws.frames.length;

      // At once, without waiting for anything: one message over a socket, one over HTTP.
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

      // A round trip on each of the leaver's sockets: anything sent to them before has arrived.
      await Promise.all(leaverSockets.map((s) => emitRaw(s, 'room:list', { limit: 1 })));
      const heard = recorders.flatMap((r, i) => r.since(marks[i] ?? 0));
      // Their own room:user_left is sent before the ack and may reach the other socket after it.
      const ownLeave = (e: { event: string; payload: unknown }) =>
        e.event === 'room:user_left' && JSON.stringify(e.payload).includes('"user_id":"mia"');
      expect(heard.filter((e) => isAbout(e, { id: roomId, presenceOf: '-' }) && !ownLeave(e))).toEqual([]);
      // The /ws connection is closed by the leave (4403) and got none of the room's frames.
      expect(await ws.closed).toBe(4403);
      expect(ws.frames.slice(framesBefore).filter((f) => f.type === 'message')).toEqual([]);
      second.disconnect();
    },
  );
});

test('a leave that lands while another socket of the user is connecting: the new socket never hears the room', async () => {
  const world = await buildWorld(h);
  const mia = { id: 'mia', name: 'Mia' };
  const nsp = h.server.app.io.of('/chat');
  // After the handshake has read mia's rooms (socketAuth runs first), before the socket is in
  // any channel: where a leave from elsewhere cannot move it.
  let leaveOnce = true;
  nsp.use((_socket, next) => {
    if (!leaveOnce) return next();
    leaveOnce = false;
    h.server.app.services.rooms.leave(mia, world.privateRoom).then(() => next(), next);
  });
  const late: ClientSocket = await h.server.connect(h.tokens.mia);
  const heard = record(late, 'message:new');
  await emitRaw(late, 'room:list', { limit: 1 });
  await Promise.all([
    waitFor(h.sockets.max, 'message:new', (m) => m.content === 'after mia left'),
    emitRaw(h.sockets.olga, 'message:send', { room_id: world.privateRoom, content: 'after mia left' }),
  ]);
  await emitRaw(late, 'room:list', { limit: 1 });
  expect(heard.seen).toEqual([]);
  late.disconnect();
});
