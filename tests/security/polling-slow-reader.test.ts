import net from 'node:net';
import { eventPacket, openPollingSession } from './engine-client';
import { eventually, MiB, startServerProcess, type ServerProcess } from './server-process';

/**
 * Item 2 over long-polling: a poll's answer leaves Engine.IO's buffers once it is written to the
 * HTTP response, so a client that sends each poll on a fresh TCP connection and never reads the
 * answers piled them up out of the bound's sight (a reviewer saw RSS climb 146 → 406 MB in 25
 * polls). A poll that arrives while earlier answers are still unwritten now closes the session as a
 * slow consumer, with the default bound.
 */

let server: ServerProcess;
const held: net.Socket[] = [];

beforeAll(async () => {
  // Only to set the scene quickly; the guard under test does not depend on them.
  server = await startServerProcess({
    RATE_LIMIT_READS_PER_SECOND: '100000',
    RATE_LIMIT_MESSAGES_PER_SECOND: '100000',
  });
}, 60_000);

afterAll(async () => {
  for (const socket of held) socket.destroy();
  await server?.stop();
});

test('polls whose answers are never read close the session before memory grows', async () => {
  const token = await server.token('mallory');
  const room = await server.http<{ id: string }>('POST', '/api/rooms', { token, body: { name: 'r' } });
  for (let i = 0; i < 100; i += 10) {
    const batch = Array.from({ length: 10 }, (_, j) =>
      server.http('POST', '/api/messages', {
        token,
        body: { room_id: room.body.id, content: String((i + j) % 10).repeat(4000) },
      }),
    );
    for (const res of await Promise.all(batch)) expect(res.status).toBe(201);
  }
  const session = await openPollingSession(server.url, token);
  const before = await server.metric('chat_connections_closed_total', { reason: 'slow_consumer' });
  const baseline = await server.rssBytes();
  const port = Number(new URL(server.url).port);
  let answered = 0;
  let id = 1;
  let closedAt: number | undefined;
  for (let cycle = 0; cycle < 10 && closedAt === undefined; cycle++) {
    // Twelve full history pages (about 5 MB) queued for the next poll…
    const packets = Array.from({ length: 12 }, () =>
      eventPacket(id++, 'message:history', { room_id: room.body.id, limit: 100 }),
    );
    if ((await session.post(packets)) !== 200) {
      closedAt = cycle;
      break;
    }
    answered += 12;
    await eventually(
      async () =>
        (await server.metric('chat_events_total', { event: 'message:history', outcome: 'ok' })) >= answered,
      'the history requests are answered',
    );
    // …then polled on a fresh TCP connection that never reads its answer.
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    held.push(socket);
    // It reads the first chunk only, which says the answer is being written, then stops reading.
    const answering = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the poll was not answered')), 5000);
      socket.once('data', () => {
        socket.pause();
        clearTimeout(timer);
        resolve();
      });
    });
    socket.write(
      `GET /socket.io/?EIO=4&transport=polling&sid=${session.sid} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
    );
    await answering;
  }
  expect(closedAt).toBeDefined();
  // A legitimate client has at most one answer finishing its write when it polls again.
  expect(closedAt).toBeLessThanOrEqual(4);
  expect(await server.metric('chat_connections_closed_total', { reason: 'slow_consumer' })).toBe(before + 1);
  expect(server.alive()).toBe(true);
  expect(await server.rssBytes()).toBeLessThan(baseline + 100 * MiB);
  expect((await server.http('GET', '/healthz')).status).toBe(200);
  // The session is gone: a new poll is refused.
  expect((await session.poll()).status).toBe(400);
}, 60_000);
