import { eventPacket, openPollingSession } from './engine-client';
import { eventually, MiB, samplePeak, startServerProcess, type ServerProcess } from './server-process';

/**
 * Security review, item 1: one long-polling POST carrying 1,500 `message:history` requests, in a
 * room of 100 messages of 4,000 characters, used to queue every answer for the next poll until
 * Engine.IO joined them into one string past V8's limit and the process died. The server now runs
 * at most MAX_EVENTS_IN_FLIGHT (32) of one socket's events at once and refuses the rest with
 * RATE_LIMITED, and closes a connection whose unread output passes MAX_BUFFERED_BYTES (8 MiB).
 * The server runs in a process of its own, so a crash would show as that process exiting.
 */

/**
 * How far the server's RSS may rise above its baseline while it is flooded: measured at ~30 MB
 * (before the guards it reached 1.3 GB, then the process died).
 */
const RSS_GROWTH_BOUND = 100 * MiB;
const FLOOD = 1500;
const IN_FLIGHT = 32;

/** A room of the user's own holding `count` messages, the n-th of content `content(n)`. */
async function roomWithMessages(
  server: ServerProcess,
  token: string,
  count: number,
  content: (n: number) => string,
): Promise<string> {
  const room = await server.http<{ id: string }>('POST', '/api/rooms', { token, body: { name: 'mine' } });
  expect(room.status).toBe(201);
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) =>
      server.http('POST', '/api/messages', {
        token,
        body: { room_id: room.body.id, content: content(i + j) },
      }),
    );
    for (const res of await Promise.all(batch)) expect(res.status).toBe(201);
  }
  return room.body.id;
}

describe('a flood of requests in one long-polling POST (defaults)', () => {
  let server: ServerProcess;
  let token: string;
  let roomId: string;

  beforeAll(async () => {
    // Only to seed the room quickly; everything under test runs with its defaults.
    server = await startServerProcess({ RATE_LIMIT_MESSAGES_PER_SECOND: '1000' });
    token = await server.token('mallory');
    roomId = await roomWithMessages(server, token, 100, (n) => String(n % 10).repeat(4000));
  }, 60_000);

  afterAll(() => server?.stop());

  it('runs 32 requests, refuses the other 1,468 with RATE_LIMITED, cuts the connection, and stays up with bounded memory', async () => {
    const baseline = await server.rssBytes();
    const rss = samplePeak(() => server.rssBytes());
    const session = await openPollingSession(server.url, token);
    const packets = Array.from({ length: FLOOD }, (_, i) =>
      eventPacket(i, 'message:history', { room_id: roomId, limit: 100 }),
    );

    // /healthz is answered while the flood is being handled, and after.
    const [posted, ...health] = await Promise.all([
      session.post(packets),
      ...Array.from({ length: 5 }, () => server.http('GET', '/healthz')),
    ]);
    expect(posted).toBe(200);
    expect(health.map((res) => res.status)).toEqual([200, 200, 200, 200, 200]);

    const history = (outcome: string) =>
      server.metric('chat_events_total', { event: 'message:history', outcome });
    await eventually(
      async () => (await history('ok')) === IN_FLIGHT,
      'the 32 admitted requests are answered',
    );
    expect(await history('RATE_LIMITED')).toBe(FLOOD - IN_FLIGHT);
    // 32 pages of ~430 KB exceed 8 MiB unread: the connection is closed and its queue dropped.
    expect(
      await server.metric('chat_connections_closed_total', {
        transport: 'socket.io',
        reason: 'slow_consumer',
      }),
    ).toBe(1);
    expect(server.logs()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'connection closed: slow consumer',
        user_id: 'mallory',
      }),
    );
    // The session is gone: its next poll is refused by Engine.IO (unknown session).
    expect((await session.poll()).status).toBe(400);

    expect(server.alive()).toBe(true);
    expect((await server.http('GET', '/healthz')).status).toBe(200);
    const peak = await rss.stop();
    expect(peak - baseline).toBeLessThan(RSS_GROWTH_BOUND);
  });
});

describe('a poll answer past V8 string limit, with the bounds raised', () => {
  let server: ServerProcess;
  let token: string;
  let roomId: string;

  beforeAll(async () => {
    // Bounds lifted so that answers pile up for one poll as they did before the guards. A control
    // character is stored as one byte but written to JSON as six (`\u0001`): 10 pages of 5
    // messages of 2,000,000 of them are 600 million characters, past V8's limit for one string
    // (2^29 - 24), which Engine.IO's encodePayload hits when it joins the queued answers.
    server = await startServerProcess({
      MAX_EVENTS_IN_FLIGHT: '1000',
      MAX_BUFFERED_BYTES: String(64 * 1024 * MiB),
      MAX_CONTENT_LENGTH: '2000000',
      MAX_HTTP_BODY_BYTES: String(16 * MiB),
      RATE_LIMIT_MESSAGES_PER_SECOND: '1000',
      RATE_LIMIT_READS_PER_SECOND: '1000',
    });
    token = await server.token('mallory');
    roomId = await roomWithMessages(server, token, 5, () => '\u0001'.repeat(2_000_000));
  }, 60_000);

  afterAll(() => server?.stop());

  it('closes that connection on the RangeError, counts it, and the process goes on', async () => {
    const session = await openPollingSession(server.url, token);
    const requests = 10;
    const packets = Array.from({ length: requests }, (_, i) =>
      eventPacket(i, 'message:history', { room_id: roomId, limit: 5 }),
    );
    expect(await session.post(packets)).toBe(200);
    await eventually(
      async () =>
        (await server.metric('chat_events_total', { event: 'message:history', outcome: 'ok' })) === requests,
      'every answer is queued for the next poll',
      60_000,
      // Each answer is tens of megabytes to encode: ask seldom, so the server is not kept from it.
      500,
    );

    // This poll makes Engine.IO encode the whole queue: the encoding throws, the guard closes the
    // connection and answers the poll with a close packet.
    const poll = await session.poll();
    expect(poll).toEqual({ status: 200, packets: ['1'] });
    expect(
      await server.metric('chat_connections_closed_total', {
        transport: 'socket.io',
        reason: 'transport_error',
      }),
    ).toBe(1);
    expect(server.logs()).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'connection closed: transport error',
        user_id: 'mallory',
        err: expect.objectContaining({ name: 'RangeError', message: 'Invalid string length' }),
      }),
    );
    expect(server.alive()).toBe(true);
    expect((await server.http('GET', '/healthz')).status).toBe(200);
    // The service still works for the same user.
    const again = await openPollingSession(server.url, token);
    expect(await again.post([eventPacket(1, 'room:get', { room_id: roomId })])).toBe(200);
    // Broadcasts (its own presence coming back online) may come first: read polls until the ack.
    let received: string[] = [];
    for (let polls = 0; polls < 5 && !received.some((p) => p.startsWith('43/chat,1[')); polls += 1) {
      received = [...received, ...(await again.poll()).packets];
    }
    expect(received.find((p) => p.startsWith('43/chat,1['))).toMatch(/^43\/chat,1\[\{"ok":true/);
  }, 120_000);
});
