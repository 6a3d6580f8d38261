import type { Ack, ErrorBody, HistoryPage, Message, TypingState } from '../../shared/index';
import { DEFAULT_LIMITS } from '../../shared/limits';
import { errorOf, okData, raw, record, waitFor, waitForDisconnect } from '../helpers/events';
import { connectUsers, createRoom } from '../helpers/fixtures';
import { startServer, type ClientSocket, type HttpResult, type TestServer } from '../helpers/server';

/**
 * Rate limits and size limits, with small budgets set through the environment: a burst of the
 * whole budget passes, the next call is RATE_LIMITED with a retry hint (ack) or 429 + Retry-After
 * (HTTP), refused calls change and announce nothing, budgets are per user and per kind and shared
 * by both transports, the server-given wait is enough, and failed authentications are limited per
 * address without locking out valid tokens.
 */

const MESSAGES_PER_SECOND = 5;
const TYPING_PER_SECOND = 3;
const UNAUTHENTICATED_PER_MINUTE = 5;

const LIMITED_ENV = {
  RATE_LIMIT_MESSAGES_PER_SECOND: String(MESSAGES_PER_SECOND),
  RATE_LIMIT_TYPING_PER_SECOND: String(TYPING_PER_SECOND),
  RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: String(UNAUTHENTICATED_PER_MINUTE),
};

const BAD_TOKEN = 'not-a-jwt';

/** A RATE_LIMITED error body with a positive whole-millisecond wait of at most one window. */
function expectRateLimited(error: ErrorBody, windowMs = 1000): number {
  expect(error).toEqual({
    code: 'RATE_LIMITED',
    message: expect.stringMatching(/\S/),
    retry_after_ms: expect.any(Number),
  });
  const wait = error.retry_after_ms ?? 0;
  expect(Number.isInteger(wait)).toBe(true);
  expect(wait).toBeGreaterThan(0);
  expect(wait).toBeLessThanOrEqual(windowMs);
  return wait;
}

/** 429 with the contract's body and a Retry-After header in whole seconds (≥ 1) covering retry_after_ms. */
function expectHttpRateLimited(res: HttpResult, windowMs = 1000): number {
  expect(res.status).toBe(429);
  const body = res.body as { error: ErrorBody };
  const wait = expectRateLimited(body.error, windowMs);
  const header = res.headers.get('retry-after');
  expect(header).toMatch(/^\d+$/);
  const seconds = Number(header);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds * 1000).toBeGreaterThanOrEqual(wait);
  return wait;
}

/** Waits the time the server said to wait: what a well-behaved client does after RATE_LIMITED. */
function waitAsTold(retryAfterMs: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, retryAfterMs));
}

describe('per-user rate limits', () => {
  let server: TestServer;
  let tokens: Record<string, string>;
  let sockets: Record<string, ClientSocket>;
  let roomId: string;

  const alice = () => sockets.alice as ClientSocket;
  const bob = () => sockets.bob as ClientSocket;
  const token = (id: string) => tokens[id] as string;

  beforeEach(async () => {
    server = await startServer({ env: LIMITED_ENV });
    ({ tokens, sockets } = await connectUsers(server, ['alice', 'bob']));
    // Room setup is neither a send nor a typing update: it spends no budget.
    roomId = await createRoom(alice(), 'general', { joinedBy: [bob()] });
  });

  afterEach(() => server.close());

  const sendOverSocket = (socket: ClientSocket, content: string) =>
    socket.emitWithAck('message:send', { room_id: roomId, content });
  const sendOverHttp = (user: string, content: string) =>
    server.http<Message>('POST', '/api/messages', { token: token(user), body: { room_id: roomId, content } });
  const typeOverSocket = (socket: ClientSocket, isTyping: boolean) =>
    socket.emitWithAck('typing:update', { room_id: roomId, is_typing: isTyping });
  const typeOverHttp = (user: string, isTyping: boolean) =>
    server.http<TypingState>('POST', '/api/typing', {
      token: token(user),
      body: { room_id: roomId, is_typing: isTyping },
    });

  async function storedContents(): Promise<string[]> {
    const res = await server.http<HistoryPage>('GET', `/api/rooms/${roomId}/messages?limit=100`, {
      token: token('bob'),
    });
    expect(res.status).toBe(200);
    return res.body.messages.map((m) => m.content);
  }

  describe('message sends', () => {
    it('lets a burst of exactly the budget through over Socket.IO, then answers RATE_LIMITED with retry_after_ms', async () => {
      const bobSees = record(bob(), 'message:new');
      for (let i = 1; i <= MESSAGES_PER_SECOND; i++) {
        expect(okData(await sendOverSocket(alice(), `m${i}`)).seq).toBe(i);
      }
      expectRateLimited(errorOf(await sendOverSocket(alice(), 'one too many')));

      // Nothing stored; nothing broadcast (the history ack comes after anything sent to bob before it).
      expect(await storedContents()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      expect(bobSees.seen.map((m) => m.content)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      // A refused send did not use up a seq.
      expect(okData(await sendOverSocket(bob(), 'bob is fine')).seq).toBe(6);
    });

    it('lets a burst of exactly the budget through over HTTP, then answers 429 with Retry-After and the error body', async () => {
      const bobSees = record(bob(), 'message:new');
      for (let i = 1; i <= MESSAGES_PER_SECOND; i++) {
        const res = await sendOverHttp('alice', `h${i}`);
        expect([res.status, res.body.seq]).toEqual([201, i]);
      }
      expectHttpRateLimited(await sendOverHttp('alice', 'one too many'));

      expect(await storedContents()).toEqual(['h1', 'h2', 'h3', 'h4', 'h5']);
      expect(bobSees.seen.map((m) => m.content)).toEqual(['h1', 'h2', 'h3', 'h4', 'h5']);
    });

    it('shares one budget between Socket.IO and HTTP for the same user', async () => {
      for (let i = 1; i <= 3; i++) okData(await sendOverSocket(alice(), `s${i}`));
      for (let i = 1; i <= MESSAGES_PER_SECOND - 3; i++) {
        expect((await sendOverHttp('alice', `h${i}`)).status).toBe(201);
      }
      expectRateLimited(errorOf(await sendOverSocket(alice(), 'over socket')));
      expectHttpRateLimited(await sendOverHttp('alice', 'over http'));
      // A second socket of the same user is the same user.
      const aliceTablet = await server.connect(token('alice'));
      expectRateLimited(errorOf(await sendOverSocket(aliceTablet, 'from the tablet')));
      expect(await storedContents()).toEqual(['s1', 's2', 's3', 'h1', 'h2']);
    });

    it('does not limit another user when one user is limited', async () => {
      for (let i = 1; i <= MESSAGES_PER_SECOND; i++) okData(await sendOverSocket(alice(), `a${i}`));
      expectRateLimited(errorOf(await sendOverSocket(alice(), 'refused')));

      const aliceSees = record(alice(), 'message:new');
      const last = waitFor(alice(), 'message:new', (m) => m.content === `b${MESSAGES_PER_SECOND}`);
      for (let i = 1; i <= 3; i++) okData(await sendOverSocket(bob(), `b${i}`));
      for (let i = 4; i <= MESSAGES_PER_SECOND; i++) {
        expect((await sendOverHttp('bob', `b${i}`)).status).toBe(201);
      }
      await last;
      expect(aliceSees.seen.map((m) => m.content)).toEqual(['b1', 'b2', 'b3', 'b4', 'b5']);
    });

    it('lets the same client send again after the retry_after_ms it was given, with a whole new burst', async () => {
      for (let i = 1; i <= MESSAGES_PER_SECOND; i++) okData(await sendOverSocket(alice(), `first ${i}`));
      const wait = expectRateLimited(errorOf(await sendOverSocket(alice(), 'too soon')));

      await waitAsTold(wait);
      for (let i = 1; i <= MESSAGES_PER_SECOND; i++) okData(await sendOverSocket(alice(), `second ${i}`));
      const httpWait = expectHttpRateLimited(await sendOverHttp('alice', 'too soon again'));

      await waitAsTold(httpWait);
      const res = await sendOverHttp('alice', 'after waiting');
      expect(res.status).toBe(201);
      expect((await storedContents()).filter((c) => c.includes('too soon'))).toEqual([]);
      expect(await storedContents()).toHaveLength(2 * MESSAGES_PER_SECOND + 1);
    });
  });

  describe('typing updates', () => {
    it('have their own budget: a user out of sends can still type, and out of typing can still send', async () => {
      for (let i = 1; i <= MESSAGES_PER_SECOND; i++) okData(await sendOverSocket(alice(), `m${i}`));
      expectRateLimited(errorOf(await sendOverSocket(alice(), 'refused')));
      for (let i = 1; i <= TYPING_PER_SECOND; i++) {
        expect(okData(await typeOverSocket(alice(), i % 2 === 1))).toEqual({});
      }
      expectRateLimited(errorOf(await typeOverSocket(alice(), false)));

      for (let i = 1; i <= TYPING_PER_SECOND; i++) {
        expect((await typeOverHttp('bob', true)).status).toBe(200);
      }
      expectHttpRateLimited(await typeOverHttp('bob', false));
      expect(okData(await sendOverSocket(bob(), 'bob can still send')).seq).toBe(MESSAGES_PER_SECOND + 1);
    });

    it('share one budget across transports; a refused update changes and announces nothing', async () => {
      const bobSees = record(bob(), 'typing:update');
      okData(await typeOverSocket(alice(), true));
      okData(await typeOverSocket(alice(), false));
      const third = await typeOverHttp('alice', true);
      expect(third.status).toBe(200);
      expect(third.body.typing_users).toEqual([{ user_id: 'alice', username: 'Alice' }]);

      expectRateLimited(errorOf(await typeOverSocket(alice(), false)));
      expectHttpRateLimited(await typeOverHttp('alice', false));

      // Barrier: bob's own typing is announced to the room (bob included) after anything before it.
      const barrier = waitFor(bob(), 'typing:update', (t) => t.typing_users.some((u) => u.user_id === 'bob'));
      okData(await typeOverSocket(bob(), true));
      await barrier;
      // Alice is still typing: her refused "stop" did not apply.
      expect(bobSees.seen.map((t) => t.typing_users.map((u) => u.user_id))).toEqual([
        ['alice'],
        [],
        ['alice'],
        ['alice', 'bob'],
      ]);
    });

    it('lets the same client type again after the retry_after_ms it was given', async () => {
      for (let i = 1; i <= TYPING_PER_SECOND; i++) okData(await typeOverSocket(alice(), true));
      const wait = expectRateLimited(errorOf(await typeOverSocket(alice(), true)));
      await waitAsTold(wait);
      expect(okData(await typeOverSocket(alice(), false))).toEqual({});
    });
  });

  it('never limits a client that uses both whole budgets in one second', async () => {
    const refusals: string[] = [];
    const note = <T>(ack: Ack<T>) => {
      if (!ack.ok) refusals.push(ack.error.code);
    };
    for (let i = 1; i <= MESSAGES_PER_SECOND; i++) {
      if (i % 2 === 0) {
        const res = await sendOverHttp('alice', `m${i}`);
        if (res.status !== 201) refusals.push(`HTTP ${res.status}`);
      } else {
        note(await sendOverSocket(alice(), `m${i}`));
      }
      if (i <= TYPING_PER_SECOND) note(await typeOverSocket(alice(), i % 2 === 1));
    }
    expect(refusals).toEqual([]);
    expect(await storedContents()).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
    // Reads and read positions have budgets of their own: the spent ones do not touch them.
    for (let i = 0; i < MESSAGES_PER_SECOND; i++) {
      okData(await alice().emitWithAck('message:history', { room_id: roomId }));
      okData(await alice().emitWithAck('room:read', { room_id: roomId, seq: i }));
    }
  });
});

describe('contract default budgets', () => {
  let server: TestServer;
  let alice: ClientSocket;
  let roomId: string;

  beforeEach(async () => {
    server = await startServer();
    alice = await server.connect(await server.token('alice', 'Alice'));
    roomId = await createRoom(alice, 'general');
  });

  afterEach(() => server.close());

  it('allows 20 sends and 10 typing updates per second per user, and limits the next ones', async () => {
    for (let i = 1; i <= DEFAULT_LIMITS.messagesPerSecond; i++) {
      okData(await alice.emitWithAck('message:send', { room_id: roomId, content: `m${i}` }));
    }
    expectRateLimited(errorOf(await alice.emitWithAck('message:send', { room_id: roomId, content: 'x' })));
    for (let i = 1; i <= DEFAULT_LIMITS.typingPerSecond; i++) {
      okData(await alice.emitWithAck('typing:update', { room_id: roomId, is_typing: i % 2 === 1 }));
    }
    expectRateLimited(
      errorOf(await alice.emitWithAck('typing:update', { room_id: roomId, is_typing: true })),
    );
  });
});

describe('unauthenticated attempts, limited per address', () => {
  let server: TestServer;

  beforeEach(async () => {
    server = await startServer({ env: LIMITED_ENV });
  });

  afterEach(() => server.close());

  async function connectError(tokenValue: string): Promise<string> {
    try {
      await server.connect(tokenValue);
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
    throw new Error('expected the connection to be refused');
  }

  it('answers 401 up to the budget, then 429 RATE_LIMITED over HTTP, while a valid token still works', async () => {
    const attempts: [number, string][] = [];
    for (let i = 0; i < UNAUTHENTICATED_PER_MINUTE; i++) {
      const res = await server.http<{ error: ErrorBody }>('GET', '/api/rooms', {
        token: i % 2 === 0 ? BAD_TOKEN : undefined,
      });
      attempts.push([res.status, res.body.error.code]);
    }
    expect(attempts).toEqual(Array.from({ length: UNAUTHENTICATED_PER_MINUTE }, () => [401, 'UNAUTHORIZED']));

    expectHttpRateLimited(await server.http('GET', '/api/rooms', { token: BAD_TOKEN }), 60_000);
    expectHttpRateLimited(await server.http('POST', '/api/rooms', { body: { name: 'x' } }), 60_000);

    const valid = await server.token('alice', 'Alice');
    const ok = await server.http('GET', '/api/rooms', { token: valid });
    expect(ok.status).toBe(200);
    const created = await server.http('POST', '/api/rooms', { token: valid, body: { name: 'still works' } });
    expect(created.status).toBe(201);
    const socket = await server.connect(valid);
    expect(socket.connected).toBe(true);
  });

  it("refuses the socket with connect_error 'UNAUTHORIZED' up to the budget, then 'RATE_LIMITED', while a valid token still connects", async () => {
    const messages: string[] = [];
    for (let i = 0; i < UNAUTHENTICATED_PER_MINUTE; i++) messages.push(await connectError(BAD_TOKEN));
    expect(messages).toEqual(Array.from({ length: UNAUTHENTICATED_PER_MINUTE }, () => 'UNAUTHORIZED'));
    expect(await connectError(BAD_TOKEN)).toBe('RATE_LIMITED');
    expect(await connectError('')).toBe('RATE_LIMITED');

    const valid = await server.connect(await server.token('alice', 'Alice'));
    expect(valid.connected).toBe(true);
    expect(okData(await valid.emitWithAck('room:list', {}))).toEqual({ rooms: [], next_cursor: null });
  });

  it('counts failures from one address over both transports together', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await server.http('GET', '/api/rooms', { token: BAD_TOKEN })).status).toBe(401);
    }
    for (let i = 3; i < UNAUTHENTICATED_PER_MINUTE; i++)
      expect(await connectError(BAD_TOKEN)).toBe('UNAUTHORIZED');
    expect(await connectError(BAD_TOKEN)).toBe('RATE_LIMITED');
    expectHttpRateLimited(await server.http('GET', '/api/rooms', { token: BAD_TOKEN }), 60_000);
  });

  it('does not count calls with a valid token or to public endpoints against the address', async () => {
    const valid = await server.token('alice', 'Alice');
    for (let i = 0; i < 3 * UNAUTHENTICATED_PER_MINUTE; i++) {
      expect((await server.http('GET', '/api/rooms', { token: valid })).status).toBe(200);
      expect((await server.http('GET', '/healthz')).status).toBe(200);
    }
    for (let i = 0; i < UNAUTHENTICATED_PER_MINUTE; i++) {
      expect((await server.http('GET', '/api/rooms', { token: BAD_TOKEN })).status).toBe(401);
    }
    expect((await server.http('GET', '/api/rooms', { token: BAD_TOKEN })).status).toBe(429);
  });
});

describe('size limits configured through the environment', () => {
  const LIMIT = 2048;
  let server: TestServer;
  let aliceToken: string;
  let alice: ClientSocket;
  let bob: ClientSocket;
  let roomId: string;

  beforeEach(async () => {
    server = await startServer({
      env: { MAX_SOCKET_PACKET_BYTES: String(LIMIT), MAX_HTTP_BODY_BYTES: String(LIMIT) },
    });
    aliceToken = await server.token('alice', 'Alice');
    alice = await server.connect(aliceToken);
    bob = await server.connect(await server.token('bob', 'Bob'));
    roomId = await createRoom(alice, 'general', { joinedBy: [bob] });
  });

  afterEach(() => server.close());

  async function contents(): Promise<string[]> {
    return okData(await bob.emitWithAck('message:history', { room_id: roomId })).messages.map(
      (m) => m.content,
    );
  }

  it('disconnects a socket whose packet is over MAX_SOCKET_PACKET_BYTES, stores nothing, and keeps others connected', async () => {
    const bobSees = record(bob, 'message:new');
    // Under the configured limit: accepted.
    const fits = 'a'.repeat(LIMIT - 200);
    expect(okData(await alice.emitWithAck('message:send', { room_id: roomId, content: fits })).content).toBe(
      fits,
    );

    // Over it, though far under the default 1 MB and the 4000-character content limit.
    const gone = waitForDisconnect(alice);
    raw(alice).emit('message:send', { room_id: roomId, content: 'b'.repeat(LIMIT + 100) });
    await gone;
    expect(alice.connected).toBe(false);
    expect(bob.connected).toBe(true);
    expect(await contents()).toEqual([fits]);
    // The history ack is a barrier: bob got the accepted message only.
    expect(bobSees.seen.map((m) => m.content)).toEqual([fits]);
  });

  it('answers an HTTP body over MAX_HTTP_BODY_BYTES with 413 PAYLOAD_TOO_LARGE and stores nothing', async () => {
    const fits = 'c'.repeat(LIMIT - 200);
    const ok = await server.http<Message>('POST', '/api/messages', {
      token: aliceToken,
      body: { room_id: roomId, content: fits },
    });
    expect(ok.status).toBe(201);

    const res = await server.http('POST', '/api/messages', {
      token: aliceToken,
      body: { room_id: roomId, content: 'd'.repeat(LIMIT + 100) },
    });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({
      error: expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE', message: expect.stringMatching(/\S/) }),
    });
    expect(await contents()).toEqual([fits]);
  });
});
