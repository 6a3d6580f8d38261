import WebSocket from 'ws';
import type { HttpError, InviteList, Message, RoomDetail } from '../../shared/index';
import { signToken } from '../../server/auth/jwt';
import {
  plainWsServerFrameSchema,
  type PlainWsServerFrame,
  type PlainWsServerFrameType,
} from '../../shared/schemas/plain-ws';
import { okData, record, waitFor } from '../helpers/events';
import { connectUsers, mintTokens } from '../helpers/fixtures';
import { startServer, type ClientSocket, type HttpResult, type TestServer } from '../helpers/server';
import { needs, settings } from '../helpers/services';

/**
 * The seed's plain WebSocket endpoint `/ws/{room_id}`: JSON frames over the same services as
 * Socket.IO and HTTP, so what happens anywhere in a room reaches its plain connections and the
 * reverse. Driven by the real `ws` client against the real server.
 */

const TIMEOUT_MS = 3000;

type FrameOf<T extends PlainWsServerFrameType> = Extract<PlainWsServerFrame, { type: T }>;

interface Refusal {
  status: number;
  body: HttpError;
}

/** A `ws` client whose received frames are validated against the contract's schema and queued. */
class PlainClient {
  private readonly queue: PlainWsServerFrame[] = [];
  private readonly waiters = new Set<() => void>();
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      expect(isBinary).toBe(false);
      // A frame outside the contract fails the test here.
      this.queue.push(plainWsServerFrameSchema.parse(JSON.parse(String(data))));
      for (const wake of this.waiters) wake();
    });
    this.closed = new Promise((resolve) => {
      ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
    });
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Takes the first queued (or next arriving) frame of `type` that matches `filter`. */
  next<T extends PlainWsServerFrameType>(
    type: T,
    filter: (frame: FrameOf<T>) => boolean = () => true,
  ): Promise<FrameOf<T>> {
    const take = (): FrameOf<T> | undefined => {
      const i = this.queue.findIndex((f) => f.type === type && filter(f as FrameOf<T>));
      return i === -1 ? undefined : (this.queue.splice(i, 1)[0] as FrameOf<T>);
    };
    const found = take();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const wake = (): void => {
        const frame = take();
        if (!frame) return;
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(frame);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(new Error(`timed out after ${TIMEOUT_MS} ms waiting for a "${type}" frame`));
      }, TIMEOUT_MS);
      this.waiters.add(wake);
    });
  }

  /** The frames received and not taken yet, of `type`. */
  pending<T extends PlainWsServerFrameType>(type: T): FrameOf<T>[] {
    return this.queue.filter((f): f is FrameOf<T> => f.type === type);
  }

  /**
   * A ping/pong round trip: frames are answered in order and broadcasts are written before the
   * answer to a later frame, so whatever was due to this connection has arrived once it returns.
   */
  async barrier(): Promise<void> {
    const id = `barrier-${Math.random().toString(36).slice(2)}`;
    this.send({ type: 'ping', request_id: id });
    await this.next('pong', (f) => f.request_id === id);
  }
}

let server: TestServer;
let tokens: Record<'alice' | 'bob' | 'carol', string>;
let sockets: Record<'alice' | 'carol', ClientSocket>;
/** Public, created by alice; bob is not a member until he connects. */
let general: string;
const opened: WebSocket[] = [];

/** Redis for the test across two nodes, as the other Redis-backed tests find it. */
const TEST_REDIS_URL = settings.redisUrl;

function open(path: string, protocols?: string[], base = server.url): WebSocket {
  const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${path}`, protocols);
  opened.push(ws);
  return ws;
}

/** Connects to `path`; rejects with the HTTP answer when the upgrade is refused. */
function connect(path: string, protocols?: string[], base?: string): Promise<PlainClient> {
  const ws = open(path, protocols, base);
  const client = new PlainClient(ws);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => {
      reject(new Error(`upgrade refused with ${res.statusCode}`));
    });
    ws.once('error', reject);
  });
}

function connectTo(roomId: string, token: string, base?: string): Promise<PlainClient> {
  return connect(`/ws/${roomId}?token=${encodeURIComponent(token)}`, undefined, base);
}

/** The HTTP answer to an upgrade the server must refuse. */
function refusal(path: string, protocols?: string[]): Promise<Refusal> {
  const ws = open(path, protocols);
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error(`the upgrade to ${path} was accepted`)));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as HttpError }));
    });
    ws.on('error', () => undefined);
  });
}

async function roomAs(user: 'alice' | 'bob' | 'carol', roomId: string): Promise<RoomDetail> {
  const res = await server.http<RoomDetail>('GET', `/api/rooms/${roomId}`, { token: tokens[user] });
  expect(res.status).toBe(200);
  return res.body;
}

async function setUp(env: Record<string, string> = {}): Promise<void> {
  server = await startServer({ env });
  const users = await connectUsers(server, ['alice', 'carol'] as const);
  sockets = users.sockets;
  tokens = { ...users.tokens, ...(await mintTokens(server, ['bob'] as const)) };
  general = okData(await sockets.alice.emitWithAck('room:create', { name: 'general' })).id;
}

async function tearDown(): Promise<void> {
  for (const ws of opened.splice(0)) ws.terminate();
  await server.close();
}

describe('plain WebSocket /ws/{room_id}', () => {
  beforeEach(() => setUp());
  afterEach(() => tearDown());

  it('answers ping with pong, echoing request_id when the ping carries one', async () => {
    const bob = await connectTo(general, tokens.bob);
    bob.send({ type: 'ping' });
    expect(await bob.next('pong')).toEqual({ type: 'pong' });
    bob.send({ type: 'ping', request_id: 'r-1' });
    expect(await bob.next('pong')).toEqual({ type: 'pong', request_id: 'r-1' });
  });

  it('joins a public room on connect: the room hears room:user_joined, and the user is a member', async () => {
    const joined = waitFor(sockets.alice, 'room:user_joined', (e) => e.user_id === 'bob');
    await connectTo(general, tokens.bob);
    expect(await joined).toEqual({
      room_id: general,
      user_id: 'bob',
      username: 'Bob',
      timestamp: expect.any(String),
    });
    const room = await roomAs('bob', general);
    expect(room.is_member).toBe(true);
    expect(room.members.map((m) => m.user_id)).toEqual(['alice', 'bob']);
  });

  it('announces no second join when a member connects again', async () => {
    await connectTo(general, tokens.bob);
    const joins = record(sockets.alice, 'room:user_joined');
    const again = await connectTo(general, tokens.bob);
    await again.barrier();
    okData(await sockets.alice.emitWithAck('room:list', {}));
    expect(joins.seen).toEqual([]);
  });

  it('relays joins and leaves made elsewhere as user_joined and user_left frames', async () => {
    const bob = await connectTo(general, tokens.bob);
    okData(await sockets.carol.emitWithAck('room:join', { room_id: general }));
    expect((await bob.next('user_joined')).data).toEqual({
      room_id: general,
      user_id: 'carol',
      username: 'Carol',
      timestamp: expect.any(String),
    });
    okData(await sockets.carol.emitWithAck('room:leave', { room_id: general }));
    expect((await bob.next('user_left')).data).toMatchObject({ room_id: general, user_id: 'carol' });
  });

  it('delivers messages sent over Socket.IO and HTTP as message frames, and only those of its room', async () => {
    const bob = await connectTo(general, tokens.bob);
    const other = okData(await sockets.alice.emitWithAck('room:create', { name: 'other' })).id;
    okData(await sockets.alice.emitWithAck('message:send', { room_id: other, content: 'elsewhere' }));

    const overSocket = okData(
      await sockets.alice.emitWithAck('message:send', { room_id: general, content: 'over socket.io' }),
    );
    expect(await bob.next('message')).toEqual({ type: 'message', data: overSocket });

    const overHttp = await server.http<Message>('POST', '/api/messages', {
      token: tokens.alice,
      body: { room_id: general, content: 'over http' },
    });
    expect(overHttp.status).toBe(201);
    expect(await bob.next('message')).toEqual({ type: 'message', data: overHttp.body });

    await bob.barrier();
    expect(bob.pending('message')).toEqual([]);
  });

  it('sends a message frame through the message service: acked with the stored message, broadcast everywhere, idempotent by client_id', async () => {
    const bob = await connectTo(general, tokens.bob);
    const aliceHears = waitFor(sockets.alice, 'message:new');
    bob.send({ type: 'message', content: '  hello from ws  ', client_id: 'c-1', request_id: 'm-1' });
    const ack = await bob.next('ack');
    expect(ack).toEqual({
      type: 'ack',
      request_id: 'm-1',
      data: expect.objectContaining({
        room_id: general,
        seq: 1,
        user_id: 'bob',
        username: 'Bob',
        content: 'hello from ws',
        message_type: 'text',
        client_id: 'c-1',
      }),
    });
    expect(await aliceHears).toEqual(ack.data);
    // The sender's own connection is in the room and hears it, as the sender's sockets do.
    expect((await bob.next('message')).data).toEqual(ack.data);

    const aliceLater = record(sockets.alice, 'message:new');
    bob.send({ type: 'message', content: 'resent', client_id: 'c-1' });
    expect((await bob.next('ack')).data).toEqual(ack.data);
    await bob.barrier();
    okData(await sockets.alice.emitWithAck('room:list', {}));
    expect(bob.pending('message')).toEqual([]);
    expect(aliceLater.seen).toEqual([]);
    const history = okData(await sockets.alice.emitWithAck('message:history', { room_id: general }));
    expect(history.messages.map((m) => m.id)).toEqual([ack.data.id]);
  });

  it('carries typing both ways and ends it when the typer sends a message', async () => {
    const bob = await connectTo(general, tokens.bob);
    const aliceHears = waitFor(sockets.alice, 'typing:update');
    bob.send({ type: 'typing', is_typing: true });
    expect(await aliceHears).toMatchObject({
      room_id: general,
      typing_users: [{ user_id: 'bob', username: 'Bob' }],
    });
    expect((await bob.next('typing_update')).data.typing_users).toEqual([
      { user_id: 'bob', username: 'Bob' },
    ]);

    okData(await sockets.alice.emitWithAck('typing:update', { room_id: general, is_typing: true }));
    expect((await bob.next('typing_update')).data).toEqual({
      room_id: general,
      typing_users: [
        { user_id: 'bob', username: 'Bob' },
        { user_id: 'alice', username: 'Alice' },
      ],
      timestamp: expect.any(String),
    });

    const stopped = waitFor(sockets.alice, 'typing:update', (u) => u.typing_users.length === 1);
    bob.send({ type: 'message', content: 'done typing' });
    await bob.next('ack');
    expect((await stopped).typing_users).toEqual([{ user_id: 'alice', username: 'Alice' }]);
  });

  it('refuses a missing, malformed or wrongly signed token with HTTP 401 UNAUTHORIZED', async () => {
    const forged = await signToken('another-secret-that-is-long-enough-0123456789', {
      id: 'bob',
      name: 'Bob',
    });
    for (const path of [
      `/ws/${general}`,
      `/ws/${general}?token=not-a-jwt`,
      `/ws/${general}?token=${forged}`,
    ]) {
      const { status, body } = await refusal(path);
      expect([path, status, body.error.code]).toEqual([path, 401, 'UNAUTHORIZED']);
    }
    expect((await refusal(`/ws/${general}`, ['bearer', forged])).status).toBe(401);
    // Nobody joined the room on the way.
    expect((await roomAs('alice', general)).members.map((m) => m.user_id)).toEqual(['alice']);
  });

  it('refuses a private room the user is not in as 404 NOT_FOUND, exactly like a room that does not exist', async () => {
    const secret = okData(
      await sockets.alice.emitWithAck('room:create', { name: 'secret', is_private: true }),
    ).id;
    for (const path of [`/ws/${secret}`, '/ws/no-such-room', '/ws/not%20an%20id']) {
      const { status, body } = await refusal(`${path}?token=${tokens.bob}`);
      expect([path, status, body.error.code]).toEqual([path, 404, 'NOT_FOUND']);
    }
    expect((await roomAs('alice', secret)).members.map((m) => m.user_id)).toEqual(['alice']);

    // Invited, bob connects: connecting joins the room as room:join does, which accepts the invite.
    okData(await sockets.alice.emitWithAck('room:invite', { room_id: secret, user_ids: ['bob'] }));
    expect((await roomAs('alice', secret)).members.map((m) => m.user_id)).toEqual(['alice']);
    const bob = await connectTo(secret, tokens.bob);
    expect((await roomAs('alice', secret)).members.map((m) => m.user_id)).toEqual(['alice', 'bob']);
    const invites = await server.http<InviteList>('GET', '/api/invites', { token: tokens.bob });
    expect(invites.body).toEqual({ invites: [], next_cursor: null });
    const sent = okData(
      await sockets.alice.emitWithAck('message:send', { room_id: secret, content: 'psst' }),
    );
    expect((await bob.next('message')).data).toEqual(sent);
  });

  it('answers invalid frames with error frames in the contract shape and keeps the connection open', async () => {
    const bob = await connectTo(general, tokens.bob);
    const invalid = async (frame: string | Buffer): Promise<FrameOf<'error'>> => {
      bob.ws.send(frame, { binary: Buffer.isBuffer(frame) });
      return bob.next('error');
    };
    const field = (f: FrameOf<'error'>): string | undefined => f.error.details?.[0]?.field;

    const notJson = await invalid('{"type": "ping"');
    expect(notJson).toEqual({
      type: 'error',
      error: {
        code: 'VALIDATION_ERROR',
        message: expect.any(String),
        details: [{ field: '', reason: 'malformed JSON' }],
      },
    });
    expect((await invalid('42')).error).toMatchObject({ code: 'VALIDATION_ERROR', details: [{ field: '' }] });
    expect((await invalid(Buffer.from('{"type":"ping"}'))).error.code).toBe('VALIDATION_ERROR');

    const unknown = await invalid(JSON.stringify({ type: 'shout', request_id: 'u-1' }));
    expect([unknown.request_id, unknown.error.code, field(unknown)]).toEqual([
      'u-1',
      'VALIDATION_ERROR',
      'type',
    ]);

    const noContent = await invalid(JSON.stringify({ type: 'message' }));
    expect([noContent.error.code, field(noContent)]).toEqual(['VALIDATION_ERROR', 'content']);
    const extraKey = await invalid(JSON.stringify({ type: 'typing', is_typing: true, shout: 1 }));
    expect(extraKey.error.details).toEqual([{ field: 'shout', reason: 'unknown field' }]);
    const notUrl = await invalid(JSON.stringify({ type: 'message', content: 'x', message_type: 'image' }));
    expect([notUrl.error.code, field(notUrl)]).toEqual(['VALIDATION_ERROR', 'content']);

    // The seed's user_id may only repeat the token's subject.
    const impostor = await invalid(JSON.stringify({ type: 'message', content: 'hi', user_id: 'alice' }));
    expect([impostor.error.code, field(impostor)]).toEqual(['FORBIDDEN', 'user_id']);

    bob.send({ type: 'ping', request_id: 'still-here' });
    expect(await bob.next('pong')).toEqual({ type: 'pong', request_id: 'still-here' });
    expect(bob.ws.readyState).toBe(WebSocket.OPEN);
    const history = okData(await sockets.alice.emitWithAck('message:history', { room_id: general }));
    expect(history.messages).toEqual([]);
  });

  it('accepts the token in Sec-WebSocket-Protocol, answering the protocol browsers require', async () => {
    const marked = await connect(`/ws/${general}`, ['bearer', tokens.bob]);
    expect(marked.ws.protocol).toBe('bearer');
    marked.send({ type: 'message', content: 'via protocol header' });
    expect((await marked.next('ack')).data).toMatchObject({ user_id: 'bob', username: 'Bob' });

    const bare = await connect(`/ws/${general}`, [tokens.carol]);
    expect(bare.ws.protocol).toBe(tokens.carol);
    bare.send({ type: 'message', content: 'token as the only protocol' });
    expect((await bare.next('ack')).data).toMatchObject({ user_id: 'carol' });
  });

  it('counts a plain connection for presence: online on connect, offline when the last one closes', async () => {
    okData(await sockets.alice.emitWithAck('room:invite', { room_id: general, user_ids: ['bob'] }));
    const online = waitFor(sockets.alice, 'presence:update', (u) => u.user_id === 'bob');
    const bob = await connectTo(general, tokens.bob);
    expect(await online).toMatchObject({ user_id: 'bob', status: 'online' });
    const listed = okData(await sockets.alice.emitWithAck('presence:get', { user_ids: ['bob'] }));
    expect(listed.presence[0]?.status).toBe('online');

    const offline = waitFor(sockets.alice, 'presence:update', (u) => u.user_id === 'bob');
    bob.ws.close();
    expect(await offline).toMatchObject({ user_id: 'bob', status: 'offline' });
  });

  it('ends the connection with 4403 after user_left when the user leaves the room elsewhere', async () => {
    const bob = await connectTo(general, tokens.bob);
    const left = await server.http('POST', `/api/rooms/${general}/leave`, { token: tokens.bob });
    expect(left.status).toBe(204);
    expect((await bob.next('user_left')).data).toMatchObject({ room_id: general, user_id: 'bob' });
    expect(await bob.closed).toEqual({ code: 4403, reason: 'left the room' });
  });

  it('closes with 4403 a connection whose user left the room while the upgrade was being admitted', async () => {
    const secret = okData(
      await sockets.alice.emitWithAck('room:create', { name: 'secret', is_private: true }),
    ).id;
    okData(await sockets.alice.emitWithAck('room:invite', { room_id: secret, user_ids: ['bob'] }));
    // The join on connect reads the members last; bob's leave over HTTP lands right then, after the
    // join checked his membership and before the connection is in the hub the leave closes.
    const { store } = server.app;
    const listMembers = store.listMembers.bind(store);
    let leave: Promise<HttpResult> | undefined;
    store.listMembers = async (roomId) => {
      leave ??= server.http('POST', `/api/rooms/${secret}/leave`, { token: tokens.bob });
      expect((await leave).status).toBe(204);
      return listMembers(roomId);
    };
    const bob = await connectTo(secret, tokens.bob);
    store.listMembers = listMembers;
    expect(leave).toBeDefined();

    const closed = await Promise.race([
      bob.closed,
      new Promise((resolve) => setTimeout(() => resolve('still open'), TIMEOUT_MS).unref()),
    ]);
    expect(closed).toEqual({ code: 4403, reason: 'left the room' });
    okData(await sockets.alice.emitWithAck('message:send', { room_id: secret, content: 'not for bob' }));
    expect(bob.pending('message')).toEqual([]);
    expect((await roomAs('alice', secret)).members.map((m) => m.user_id)).toEqual(['alice']);
  });

  it('refuses upgrades on paths nobody serves with 404 instead of leaving them hanging', async () => {
    const { status, body } = await refusal(`/elsewhere?token=${tokens.bob}`);
    expect([status, body.error.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('closes every connection with 1001 when the server shuts down', async () => {
    const bob = await connectTo(general, tokens.bob);
    await server.app.close();
    expect((await bob.closed).code).toBe(1001);
  });
});

describe('plain WebSocket limits', () => {
  beforeEach(() => setUp({ MAX_SOCKET_PACKET_BYTES: '2048' }));
  afterEach(() => tearDown());

  it('closes a connection that sends a frame over MAX_SOCKET_PACKET_BYTES with 1009', async () => {
    const bob = await connectTo(general, tokens.bob);
    bob.send({ type: 'message', content: 'x'.repeat(3000) });
    expect((await bob.closed).code).toBe(1009);
    const history = okData(await sockets.alice.emitWithAck('message:history', { room_id: general }));
    expect(history.messages).toEqual([]);
  });
});

needs('redis').describe('plain WebSocket on two nodes sharing Redis and storage', () => {
  let nodeA: TestServer;
  let nodeB: TestServer;

  afterEach(async () => {
    for (const ws of opened.splice(0)) ws.terminate();
    await nodeB.close({ keepData: true });
    await nodeA.close();
  });

  it('receives what is broadcast on the other node, and is closed there when its user leaves through it', async () => {
    nodeA = await startServer({ env: { REDIS_URL: TEST_REDIS_URL } });
    nodeB = await startServer({ env: { REDIS_URL: TEST_REDIS_URL }, storage: nodeA.storage });
    // Ids of this run only: presence and rate limits live in the Redis other test runs share.
    const run = Math.random().toString(36).slice(2, 10);
    const [aliceId, bobId] = [`alice-${run}`, `bob-${run}`];
    const alice = await nodeA.connect(await nodeA.token(aliceId, 'Alice'));
    const bobToken = await nodeB.token(bobId, 'Bob');
    const roomId = okData(await alice.emitWithAck('room:create', { name: 'across' })).id;

    const joined = waitFor(alice, 'room:user_joined', (e) => e.user_id === bobId);
    const bob = await connectTo(roomId, bobToken, nodeB.url);
    expect((await joined).room_id).toBe(roomId);

    const sent = okData(await alice.emitWithAck('message:send', { room_id: roomId, content: 'from node A' }));
    expect(await bob.next('message')).toEqual({ type: 'message', data: sent });

    // And the other way: bob's frame on node B reaches alice's socket on node A.
    const heard = waitFor(alice, 'message:new', (m) => m.user_id === bobId);
    bob.send({ type: 'message', content: 'from node B' });
    const ack = await bob.next('ack');
    expect(await heard).toEqual(ack.data);

    const left = await nodeA.http('POST', `/api/rooms/${roomId}/leave`, { token: bobToken });
    expect(left.status).toBe(204);
    expect((await bob.next('user_left')).data).toMatchObject({ room_id: roomId, user_id: bobId });
    expect((await bob.closed).code).toBe(4403);
  });

  it('relays broadcasts to the other node only while that node holds a plain WebSocket', async () => {
    nodeA = await startServer({ env: { REDIS_URL: TEST_REDIS_URL } });
    nodeB = await startServer({ env: { REDIS_URL: TEST_REDIS_URL }, storage: nodeA.storage });
    const run = Math.random().toString(36).slice(2, 10);
    const [aliceId, bobId] = [`alice-${run}`, `bob-${run}`];
    const alice = await nodeA.connect(await nodeA.token(aliceId, 'Alice'));
    const bobToken = await nodeB.token(bobId, 'Bob');
    const bobSocket = await nodeB.connect(bobToken);
    const roomId = okData(await alice.emitWithAck('room:create', { name: 'relay' })).id;
    okData(await bobSocket.emitWithAck('room:join', { room_id: roomId }));

    // A node relays everything for a few seconds after it starts, until the others have answered.
    await eventually(async () => (await relayState(nodeA)).on === 0, 10_000);
    const before = (await relayState(nodeA)).relayed;
    const heard = waitFor(bobSocket, 'message:new', (m) => m.content === 'nobody plain');
    okData(await alice.emitWithAck('message:send', { room_id: roomId, content: 'nobody plain' }));
    await heard;
    expect((await relayState(nodeA)).relayed).toBe(before);

    // The upgrade on node B completes only once node A relays to it: no wait needed here.
    const bob = await connectTo(roomId, bobToken, nodeB.url);
    expect((await relayState(nodeA)).on).toBe(1);
    const sent = okData(await alice.emitWithAck('message:send', { room_id: roomId, content: 'to plain' }));
    expect(await bob.next('message')).toEqual({ type: 'message', data: sent });
    expect((await relayState(nodeA)).relayed).toBeGreaterThan(before);

    // Node B holds no plain WebSocket any more: node A stops relaying.
    bob.ws.close();
    await bob.closed;
    await eventually(async () => (await relayState(nodeA)).on === 0, 5000);
  });
});

/** The relay series of a node's /metrics. */
async function relayState(node: TestServer): Promise<{ on: number; relayed: number }> {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  const read = (name: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    if (!line) throw new Error(`${name} missing from /metrics`);
    return Number(line.slice(name.length + 1));
  };
  return { on: read('chat_plain_ws_relay_on'), relayed: read('chat_plain_ws_relayed_total') };
}

/** Resolves once `check` holds, asking every 50 ms; rejects after `timeoutMs`. */
async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not true after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
