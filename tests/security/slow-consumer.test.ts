import WebSocket from 'ws';
import { eventPacket, openWebSocketSession, tcpOf } from './engine-client';
import { eventually, MiB, samplePeak, startServerProcess, type ServerProcess } from './server-process';

/**
 * Security review, item 2: a client that stops reading made the server buffer everything sent to
 * it, without end (RSS 118 → 190 MB in a minute for one client; 300 unanswered history requests
 * 138 → 408 MB), and unsolicited pongs kept such a client alive. Now a connection whose unread
 * output passes MAX_BUFFERED_BYTES is closed, counted in `chat_connections_closed_total`, and its
 * buffers are freed; a pong that answers no ping closes a Socket.IO connection. The bound is set
 * small here (1 MiB) so that it is reached quickly.
 */

const BOUND = 1 * MiB;
/** How far RSS may stay above its baseline once the slow reader is cut (the database cache grows too). */
const RSS_SETTLED_MARGIN = 64 * MiB;
/** How far RSS may rise above its baseline while a paused client is being flooded. */
const RSS_PEAK_MARGIN = 128 * MiB;

let server: ServerProcess;
let alice: string;
let mallory: string;
let roomId: string;

beforeAll(async () => {
  server = await startServerProcess({
    MAX_BUFFERED_BYTES: String(BOUND),
    MAX_CONTENT_LENGTH: '50000',
    // Only to produce traffic quickly; the guards under test do not depend on it.
    RATE_LIMIT_MESSAGES_PER_SECOND: '100000',
    RATE_LIMIT_READS_PER_SECOND: '100000',
  });
  alice = await server.token('alice');
  mallory = await server.token('mallory');
  const room = await server.http<{ id: string }>('POST', '/api/rooms', {
    token: alice,
    body: { name: 'busy' },
  });
  roomId = room.body.id;
  expect((await server.http('POST', `/api/rooms/${roomId}/join`, { token: mallory })).status).toBe(200);
}, 60_000);

afterAll(() => server?.stop());

const closedFor = (transport: string, reason: string) =>
  server.metric('chat_connections_closed_total', { transport, reason });

/** Alice posts ten messages of `length` characters into the room. */
async function postTen(length: number): Promise<void> {
  const batch = Array.from({ length: 10 }, (_, i) =>
    server.http('POST', '/api/messages', {
      token: alice,
      body: { room_id: roomId, content: String(i).repeat(length) },
    }),
  );
  for (const res of await Promise.all(batch)) expect(res.status).toBe(201);
}

/** Alice posts messages of `length` characters into the room until `done()`, at most `max`. */
async function broadcastUntil(done: () => Promise<boolean>, length: number, max: number): Promise<void> {
  for (let sent = 0; !(await done()); sent += 10) {
    if (sent >= max) throw new Error(`still not done after ${max} messages`);
    await postTen(length);
  }
}

async function settledNear(baseline: number): Promise<void> {
  await eventually(
    async () => (await server.rssBytes()) < baseline + RSS_SETTLED_MARGIN,
    `RSS falls back within ${RSS_SETTLED_MARGIN / MiB} MiB of its baseline`,
    15_000,
    200,
  );
}

describe('a Socket.IO client that stops reading', () => {
  it('is disconnected once its unread broadcasts pass the bound, counted, and its memory is freed', async () => {
    const before = await closedFor('socket.io', 'slow_consumer');
    const baseline = await server.rssBytes();
    const session = await openWebSocketSession(server.url, mallory);
    session.pauseReading();

    await broadcastUntil(async () => (await closedFor('socket.io', 'slow_consumer')) > before, 50_000, 600);
    expect(await closedFor('socket.io', 'slow_consumer')).toBe(before + 1);
    expect(server.logs()).toContainEqual(
      expect.objectContaining({ message: 'connection closed: slow consumer', user_id: 'mallory' }),
    );
    session.resumeReading();
    await session.closed();

    expect(server.alive()).toBe(true);
    await settledNear(baseline);
  });

  it('is disconnected at its first pong that answers no ping, paused or not', async () => {
    const before = await closedFor('socket.io', 'unsolicited_pong');
    const session = await openWebSocketSession(server.url, mallory);
    session.pauseReading();
    // What the review's client did every 10 s to stay alive without reading.
    session.send('3');
    await eventually(
      async () => (await closedFor('socket.io', 'unsolicited_pong')) === before + 1,
      'the pong is refused',
    );
    session.resumeReading();
    await session.closed();
  });

  it('cannot grow memory with 300 history requests it never reads', async () => {
    // The newest 100 messages, which each history request reads, have 4,000 characters.
    for (let i = 0; i < 10; i += 1) await postTen(4000);
    const before = await closedFor('socket.io', 'slow_consumer');
    const baseline = await server.rssBytes();
    const rss = samplePeak(() => server.rssBytes());
    const session = await openWebSocketSession(server.url, mallory);
    session.pauseReading();
    try {
      for (let i = 0; i < 300; i += 1) {
        session.send(eventPacket(i, 'message:history', { room_id: roomId, limit: 100 }));
      }
      // Each answer is ~430 KB: a few of them unread pass the bound, and the client is cut.
      await eventually(
        async () => (await closedFor('socket.io', 'slow_consumer')) === before + 1,
        'the paused client is cut',
      );
    } finally {
      const peak = await rss.stop();
      expect(peak - baseline).toBeLessThan(RSS_PEAK_MARGIN);
    }
    expect(server.alive()).toBe(true);
    session.resumeReading();
    await session.closed();
    await settledNear(baseline);
  });
});

describe('a plain /ws client that stops reading', () => {
  it('is terminated once its unread frames pass the bound, unsolicited pongs notwithstanding', async () => {
    const before = await closedFor('websocket', 'slow_consumer');
    const baseline = await server.rssBytes();
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/${roomId}?token=${mallory}`);
    const closed = new Promise<void>((resolve) => ws.once('close', () => resolve()));
    ws.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    });
    const tcp = tcpOf(ws);
    tcp.pause();

    await broadcastUntil(
      async () => {
        ws.pong(Buffer.from('still here'));
        return (await closedFor('websocket', 'slow_consumer')) > before;
      },
      50_000,
      600,
    );
    expect(await closedFor('websocket', 'slow_consumer')).toBe(before + 1);
    expect(server.logs()).toContainEqual(
      expect.objectContaining({ message: 'plain websocket closed: slow consumer', user_id: 'mallory' }),
    );
    tcp.resume();
    await Promise.race([
      closed,
      new Promise((_, reject) => setTimeout(() => reject(new Error('not closed')), 5000).unref()),
    ]);
    expect(server.alive()).toBe(true);
    await settledNear(baseline);
  });
});
