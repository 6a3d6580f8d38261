/**
 * Nothing secret reaches the log at LOG_LEVEL=info (and so at warn and error): not a token nor its
 * signature, not the JWT secret, the Admin UI password or a password inside DATABASE_URL or
 * REDIS_URL, not a room's name or description, not a message's content or its edit. The real server
 * runs in a process of its own, in production (JSON lines), and everything it prints is searched
 * after a wide set of operations over Socket.IO, HTTP and the plain WebSocket: successful ones,
 * failed sign-ins with every kind of bad token, tokens in the places the server does not read them
 * (query strings, headers), payloads that are invalid or too large, a token that expires while
 * connected, and a clean shutdown.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import WebSocket from 'ws';
import type { Message, RoomDetail } from '../../shared/index';
import { signToken } from '../../server/auth/jwt';
import { createLogger } from '../../server/logger';
import { emitRaw, okData, raw, waitForDisconnect } from '../helpers/events';
import { withSearchPath, createTestSchema, type TestSchema } from '../helpers/postgres';
import type { ClientSocket } from '../helpers/server';
import { needs, settings } from '../helpers/services';
import { handMade, nowSeconds, tokenSigner } from '../helpers/tokens';
import { startServerProcess, type ServerProcess } from './server-process';

const TIMEOUT_MS = 5000;
const ADMIN_USERNAME = 'ops';
/** Small caps, so that "too large" costs little to send. */
const CAPS = { MAX_CONTENT_LENGTH: '1000', MAX_SOCKET_PACKET_BYTES: '4096', MAX_HTTP_BODY_BYTES: '2048' };

const hex = (bytes = 6): string => randomBytes(bytes).toString('hex');

/** What must never appear in the output, each with what it is, so a failure names the leak. */
class Secrets {
  readonly list: { what: string; value: string }[] = [];

  add(what: string, value: string): string {
    this.list.push({ what, value });
    return value;
  }

  /** A distinctive text (a message, a room name) that is its own canary. */
  text(what: string): string {
    return this.add(what, `${what.replace(/\W+/g, '-')}-${hex()}`);
  }

  /** A token, and its signature on its own: a log line holding either lets the token be replayed or attacked. */
  token(what: string, token: string): string {
    this.add(what, token);
    const signature = token.split('.')[2];
    if (signature) this.add(`${what} (signature)`, signature);
    return token;
  }

  /** Every line of `output` that holds a secret, with what it held. */
  leaksIn(output: string): { what: string; line: string }[] {
    return output
      .split('\n')
      .flatMap((line) =>
        this.list.filter((s) => line.includes(s.value)).map((s) => ({ what: s.what, line })),
      );
  }
}

type Socketish = Socket | ClientSocket;

function withTimeout<T>(
  what: string,
  work: (resolve: (value: T) => void, reject: (err: Error) => void) => void,
) {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`timed out after ${TIMEOUT_MS} ms: ${what}`)),
      TIMEOUT_MS,
    );
    work(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** Socket.IO clients and plain WebSockets opened by a run, all closed at its end. */
class Clients {
  private readonly sockets: Socketish[] = [];
  private readonly websockets: WebSocket[] = [];

  constructor(private readonly url: string) {}

  socket(nsp: string, opts: Partial<ManagerOptions & SocketOptions>): Socket {
    const socket = io(`${this.url}${nsp}`, {
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      ...opts,
    });
    this.sockets.push(socket);
    return socket;
  }

  /** A connected chat socket, typed as the contract says. */
  async chat(auth: Record<string, unknown>): Promise<ClientSocket> {
    const socket = this.socket('/chat', { auth });
    await withTimeout<boolean>('connecting to /chat', (resolve, reject) => {
      socket.once('connect', () => resolve(true));
      socket.once('connect_error', reject);
    });
    return socket as unknown as ClientSocket;
  }

  /** The connect_error message of a socket the server must refuse. */
  refusal(nsp: string, opts: Partial<ManagerOptions & SocketOptions>): Promise<string> {
    const socket = this.socket(nsp, opts);
    return withTimeout(`a refusal on ${nsp}`, (resolve, reject) => {
      socket.once('connect', () => reject(new Error(`${nsp} admitted a socket it should refuse`)));
      socket.once('connect_error', (err) => resolve(err.message));
    });
  }

  websocket(path: string, protocols?: string[]): WebSocket {
    const ws = new WebSocket(`${this.url.replace(/^http/, 'ws')}${path}`, protocols);
    ws.on('error', () => undefined);
    this.websockets.push(ws);
    return ws;
  }

  /** An open plain WebSocket, whose frames are collected in `frames`. */
  async plain(path: string, protocols?: string[]): Promise<{ ws: WebSocket; frames: unknown[] }> {
    const ws = this.websocket(path, protocols);
    const frames: unknown[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data))));
    await withTimeout<boolean>(`opening ${path.split('?')[0]}`, (resolve, reject) => {
      ws.once('open', () => resolve(true));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    return { ws, frames };
  }

  /** The HTTP status of an upgrade the server must refuse. */
  plainRefusal(path: string, protocols?: string[]): Promise<number> {
    const ws = this.websocket(path, protocols);
    return withTimeout('a refused upgrade', (resolve, reject) => {
      ws.once('open', () => reject(new Error('an upgrade that should be refused was accepted')));
      ws.once('unexpected-response', (_req, res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
    });
  }

  closeAll(): void {
    for (const s of this.sockets.splice(0)) s.disconnect();
    for (const ws of this.websockets.splice(0)) ws.terminate();
  }
}

/** Resolves with the close code of `ws`. */
function closed(ws: WebSocket, timeoutMs = TIMEOUT_MS): Promise<number> {
  if (ws.readyState === WebSocket.CLOSED) return Promise.resolve(-1);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out waiting for a close')), timeoutMs);
    ws.once('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Resolves with the first frame of `type` that `frames` receives. */
function frameOf(ws: WebSocket, frames: unknown[], type: string): Promise<unknown> {
  const match = (f: unknown): boolean =>
    typeof f === 'object' && f !== null && 'type' in f && f.type === type;
  return withTimeout(`a "${type}" frame`, (resolve) => {
    const found = frames.find(match);
    if (found !== undefined) return resolve(found);
    const listener = (): void => {
      const arrived = frames.find(match);
      if (arrived === undefined) return;
      ws.off('message', listener);
      resolve(arrived);
    };
    ws.on('message', listener);
  });
}

/** A request through fetch; the body as text, never parsed (invalid answers are part of the test). */
async function request(
  url: string,
  method: string,
  opts: { token?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(url, { method, headers, body: opts.body });
  return { status: res.status, text: await res.text() };
}

/** A request in the absolute form (`GET http://user:password@host/path`), which fetch never sends. */
function absoluteFormRequest(url: string, target: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return withTimeout('an absolute-form request', (resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`);
    });
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.once('end', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.once('error', reject);
  });
}

interface Run {
  secrets: Secrets;
  jwtSecret: string;
  server: ServerProcess;
  clients: Clients;
}

/** The tokens of a run: good ones for alice and bob, and every kind of bad one. */
async function mintTokens(run: Run) {
  const { secrets, jwtSecret } = run;
  const sign = tokenSigner(jwtSecret);
  return {
    alice: secrets.token('alice token', await signToken(jwtSecret, { id: 'alice', name: 'Alice' })),
    bob: secrets.token('bob token', await signToken(jwtSecret, { id: 'bob', name: 'Bob' })),
    wrongKey: secrets.token(
      'token signed with another key',
      await sign({ sub: 'alice', name: 'Alice' }, { secret: `another-key-${hex(16)}` }),
    ),
    expired: secrets.token('expired token', await sign({ sub: 'alice', exp: nowSeconds() - 60 })),
    unsigned: secrets.token(
      'unsigned token',
      handMade({ alg: 'none', typ: 'JWT' }, { sub: 'alice', n: hex() }),
    ),
    garbage: secrets.text('not a jwt'),
  };
}

type Tokens = Awaited<ReturnType<typeof mintTokens>>;

async function driveSocketIo(run: Run, tokens: Tokens): Promise<string> {
  const { secrets, clients } = run;
  const alice = await clients.chat({ token: tokens.alice });
  // As an Authorization header would carry it.
  const bob = await clients.chat({ token: `Bearer ${tokens.bob}` });

  const room = okData(
    await alice.emitWithAck('room:create', {
      name: secrets.text('room name'),
      description: secrets.text('room description'),
    }),
  ) as RoomDetail;
  const hidden = okData(
    await alice.emitWithAck('room:create', {
      name: secrets.text('private room name'),
      is_private: true,
      invited_users: ['bob'],
    }),
  ) as RoomDetail;
  okData(await bob.emitWithAck('invite:list', {}));
  okData(await bob.emitWithAck('room:decline', { room_id: hidden.id }));
  okData(await bob.emitWithAck('room:join', { room_id: room.id }));
  okData(await bob.emitWithAck('room:list', {}));
  okData(await bob.emitWithAck('room:get', { room_id: room.id }));
  okData(await bob.emitWithAck('room:members', { room_id: room.id }));

  const message = okData(
    await alice.emitWithAck('message:send', {
      room_id: room.id,
      content: secrets.text('socket message'),
      client_id: `c-${hex()}`,
    }),
  ) as Message;
  const reply = okData(
    await bob.emitWithAck('message:send', {
      room_id: room.id,
      content: secrets.text('socket reply'),
      parent_id: message.id,
    }),
  ) as Message;
  okData(
    await alice.emitWithAck('message:edit', { message_id: message.id, content: secrets.text('socket edit') }),
  );
  okData(await bob.emitWithAck('reaction:add', { message_id: message.id, emoji: '👍' }));
  okData(await bob.emitWithAck('reaction:remove', { message_id: message.id, emoji: '👍' }));
  okData(await bob.emitWithAck('typing:update', { room_id: room.id, is_typing: true }));
  okData(await bob.emitWithAck('room:read', { room_id: room.id, seq: message.seq }));
  okData(await bob.emitWithAck('message:history', { room_id: room.id, after_seq: 0 }));
  okData(await bob.emitWithAck('presence:get', { user_ids: ['alice', 'bob'] }));
  okData(await bob.emitWithAck('message:delete', { message_id: reply.id }));

  // Refused payloads, each carrying content: every answer must be an error ack.
  const refused: unknown[] = await Promise.all([
    emitRaw(alice, 'message:send', { room_id: room.id, content: secrets.text('too long').padEnd(1001, 'x') }),
    emitRaw(alice, 'message:send', { room_id: room.id, content: 'hi', extra: secrets.text('unknown field') }),
    emitRaw(alice, 'message:send', { room_id: room.id, content: { nested: secrets.text('content object') } }),
    emitRaw(alice, 'message:edit', {
      message_id: 'no-such-message',
      content: secrets.text('edit of nothing'),
    }),
    emitRaw(alice, 'room:create', { name: secrets.text('room name too long').padEnd(500, 'x') }),
    emitRaw(alice, secrets.text('unknown event'), { content: secrets.text('unknown event payload') }),
  ]);
  for (const answer of refused) expect(answer).toMatchObject({ ok: false });
  okData(await bob.emitWithAck('room:leave', { room_id: room.id }));

  // A packet over MAX_SOCKET_PACKET_BYTES ends its connection.
  const flooder = await clients.chat({ token: tokens.alice });
  const gone = waitForDisconnect(flooder, TIMEOUT_MS);
  raw(flooder).emit('message:send', {
    room_id: room.id,
    content: secrets.text('oversized packet').padEnd(8000, 'x'),
  });
  await gone;
  return room.id;
}

async function refuseSocketIoSignIns(run: Run, tokens: Tokens): Promise<void> {
  const { clients } = run;
  const refusals = await Promise.all([
    clients.refusal('/chat', { auth: { token: tokens.wrongKey } }),
    clients.refusal('/chat', { auth: { token: tokens.expired } }),
    clients.refusal('/chat', { auth: { token: tokens.unsigned } }),
    clients.refusal('/chat', { auth: { token: tokens.garbage } }),
    clients.refusal('/chat', { auth: { token: `Bearer ${tokens.expired}` } }),
    // Where the server does not look for a token: the query string and the headers.
    clients.refusal('/chat', { query: { token: tokens.alice } }),
    clients.refusal('/chat', { extraHeaders: { authorization: `Bearer ${tokens.bob}` } }),
    // Long polling puts the query string in every request's URL.
    clients.refusal('/chat', {
      transports: ['polling'],
      query: { token: tokens.bob, access_token: tokens.alice },
      auth: { token: tokens.wrongKey },
    }),
  ]);
  expect(refusals).toEqual(Array(refusals.length).fill('UNAUTHORIZED'));
}

async function driveHttp(run: Run, tokens: Tokens): Promise<void> {
  const { secrets, server } = run;
  const api = (method: string, path: string, opts?: Parameters<typeof request>[2]) =>
    request(`${server.url}${path}`, method, opts);
  const json = (value: unknown): string => JSON.stringify(value);
  const token = tokens.alice;

  expect((await api('GET', '/api/rooms', { token })).status).toBe(200);
  const created = await api('POST', '/api/rooms', {
    token,
    body: json({ name: secrets.text('http room name') }),
  });
  expect(created.status).toBe(201);
  const roomId = (JSON.parse(created.text) as RoomDetail).id;
  const sent = await api('POST', '/api/messages', {
    token,
    body: json({ room_id: roomId, content: secrets.text('http message') }),
  });
  expect(sent.status).toBe(201);
  const messageId = (JSON.parse(sent.text) as Message).id;
  const edited = await api('PATCH', `/api/messages/${messageId}`, {
    token,
    body: json({ content: secrets.text('http edit') }),
  });
  expect(edited.status).toBe(200);
  const reads = await Promise.all([
    api('GET', `/api/rooms/${roomId}/messages?after_seq=0&limit=10`, { token }),
    api('GET', `/api/messages/${messageId}`, { token }),
    api('POST', '/api/typing', { token, body: json({ room_id: roomId, is_typing: true }) }),
    api('POST', '/api/reactions', { token, body: json({ message_id: messageId, emoji: '🎉' }) }),
    api('GET', `/api/rooms/${roomId}/presence`, { token }),
  ]);
  expect(reads.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
  expect(
    (await api('DELETE', `/api/messages/${messageId}/reactions/${encodeURIComponent('🎉')}`, { token }))
      .status,
  ).toBe(200);
  expect((await api('DELETE', `/api/messages/${messageId}`, { token })).status).toBe(204);

  const basic = Buffer.from(
    `${ADMIN_USERNAME}:${run.secrets.list.find((s) => s.what === 'ADMIN_UI_PASSWORD')?.value ?? ''}`,
  );
  const unauthorized = await Promise.all([
    api('GET', '/api/rooms', { token: tokens.wrongKey }),
    api('GET', '/api/rooms', { token: tokens.expired }),
    api('GET', '/api/rooms', { token: tokens.unsigned }),
    api('GET', '/api/rooms', { token: tokens.garbage }),
    api('GET', '/api/rooms', { headers: { authorization: `Basic ${basic.toString('base64')}` } }),
    // Tokens in the query string are not read, and must not be logged with the path either.
    api('GET', `/api/rooms?token=${tokens.alice}`),
    api('GET', `/api/rooms?access_token=${tokens.bob}&limit=5`),
    api('POST', `/api/messages?token=${tokens.alice}`, {
      body: json({ room_id: roomId, content: secrets.text('401 body') }),
    }),
  ]);
  expect(unauthorized.map((r) => r.status)).toEqual(Array(unauthorized.length).fill(401));
  expect((await api('GET', `/healthz?token=${tokens.alice}`)).status).toBe(200);

  const invalid = await Promise.all([
    // Not JSON: a parser's message may quote the text it choked on.
    api('POST', '/api/messages', {
      token,
      body: `{"room_id":"${roomId}","content":"${secrets.text('broken json')}`,
    }),
    api('POST', '/api/messages', {
      token,
      body: json({ room_id: roomId, content: 'hi', extra: secrets.text('http unknown field') }),
    }),
    api('PATCH', `/api/messages/${messageId}`, {
      token,
      body: json({ content: secrets.text('edit of deleted') }),
    }),
    api('POST', '/api/rooms', {
      token,
      body: json({ name: secrets.text('http room name too long').padEnd(500, 'x') }),
    }),
  ]);
  expect(invalid.map((r) => r.status)).toEqual([400, 400, 409, 400]);
  const tooLarge = await api('POST', '/api/messages', {
    token,
    body: json({ room_id: roomId, content: secrets.text('oversized body').padEnd(4000, 'x') }),
  });
  expect(tooLarge.status).toBe(413);

  // A proxy-style target with credentials and a token: answered, logged by its path alone.
  const password = secrets.text('absolute form password');
  expect(
    await absoluteFormRequest(
      server.url,
      `http://${ADMIN_USERNAME}:${password}@127.0.0.1/healthz?token=${token}`,
    ),
  ).toMatch(/^HTTP\/1\.1 200/);
}

async function drivePlainWs(run: Run, tokens: Tokens, roomId: string): Promise<void> {
  const { secrets, clients } = run;
  const alice = await clients.plain(`/ws/${roomId}?token=${encodeURIComponent(tokens.alice)}`);
  const bob = await clients.plain(`/ws/${roomId}`, ['bearer', tokens.bob]);

  alice.ws.send(
    JSON.stringify({ type: 'message', request_id: 'm1', content: secrets.text('plain ws message') }),
  );
  expect(await frameOf(alice.ws, alice.frames, 'ack')).toMatchObject({ request_id: 'm1' });
  bob.ws.send(JSON.stringify({ type: 'typing', request_id: 't1', is_typing: true }));
  alice.ws.send(JSON.stringify({ type: 'ping', request_id: 'p1' }));
  await frameOf(alice.ws, alice.frames, 'pong');
  // Refused frames, each carrying content: answered with error frames.
  bob.ws.send(`{"type":"message","content":"${secrets.text('plain ws broken json')}`);
  bob.ws.send(
    JSON.stringify({ type: 'message', content: 'hi', extra: secrets.text('plain ws unknown field') }),
  );
  bob.ws.send(
    JSON.stringify({ type: secrets.text('plain ws unknown type'), content: secrets.text('plain ws body') }),
  );
  await frameOf(bob.ws, bob.frames, 'error');
  // A frame over MAX_SOCKET_PACKET_BYTES ends the connection (1009).
  const ended = closed(bob.ws);
  bob.ws.send(
    JSON.stringify({ type: 'message', content: secrets.text('plain ws oversized').padEnd(8000, 'x') }),
  );
  expect(await ended).toBe(1009);

  const statuses = await Promise.all([
    clients.plainRefusal(`/ws/${roomId}?token=${encodeURIComponent(tokens.wrongKey)}`),
    clients.plainRefusal(`/ws/${roomId}?token=${encodeURIComponent(tokens.expired)}`),
    clients.plainRefusal(`/ws/${roomId}?token=${encodeURIComponent(tokens.garbage)}`),
    clients.plainRefusal(`/ws/${roomId}`, ['bearer', tokens.unsigned]),
    clients.plainRefusal(`/ws/${roomId}`, [tokens.expired]),
  ]);
  expect(statuses).toEqual([401, 401, 401, 401, 401]);
}

/** A socket and a plain WebSocket whose token expires while they are connected: both are ended. */
async function expireWhileConnected(run: Run, roomId: string): Promise<void> {
  const { secrets, jwtSecret, clients } = run;
  const token = secrets.token(
    'short-lived token',
    await tokenSigner(jwtSecret)({ sub: 'carol', name: 'Carol', exp: Math.ceil(Date.now() / 1000 + 1.5) }),
  );
  const socket = await clients.chat({ token });
  okData(await socket.emitWithAck('room:join', { room_id: roomId }));
  const plain = await clients.plain(`/ws/${roomId}?token=${encodeURIComponent(token)}`);
  const [reason, code] = await Promise.all([waitForDisconnect(socket, TIMEOUT_MS), closed(plain.ws)]);
  expect([reason, code]).toEqual(['io server disconnect', 4401]);
}

/** The Admin UI: a wrong password, a wrong user name, then the right password. */
async function driveAdminUi(run: Run, password: string): Promise<void> {
  const { secrets, clients, server } = run;
  const login = (auth: Record<string, unknown>): Promise<string> => {
    const socket = clients.socket('/admin', { auth });
    return withTimeout('an Admin UI login', (resolve) => {
      socket.once('connect_error', (err) => resolve(err.message));
      socket.once('config', () => resolve('ok'));
    });
  };
  expect(await login({ username: ADMIN_USERNAME, password: secrets.text('admin password guess') })).toBe(
    'invalid credentials',
  );
  expect(await login({ username: secrets.text('admin user guess'), password })).toBe('invalid credentials');
  expect(await login({ username: ADMIN_USERNAME, password })).toBe('ok');
  expect((await request(`${server.url}/admin/`, 'GET')).status).toBeLessThan(500);
}

type LogEntry = Record<string, unknown>;

const { describe: describeWithServices } = needs('postgres', 'redis');

describe('the log at LOG_LEVEL=info (SQLite, Admin UI on)', () => {
  const secrets = new Secrets();
  let output = '';
  let entries: LogEntry[] = [];

  beforeAll(async () => {
    const jwtSecret = secrets.add('JWT_SECRET', `jwt-secret-${hex(24)}`);
    const adminPassword = secrets.add('ADMIN_UI_PASSWORD', `admin-password-${hex()}`);
    const server = await startServerProcess({
      JWT_SECRET: jwtSecret,
      ADMIN_UI: 'true',
      ADMIN_UI_USERNAME: ADMIN_USERNAME,
      ADMIN_UI_PASSWORD: adminPassword,
      ...CAPS,
    });
    const clients = new Clients(server.url);
    const run: Run = { secrets, jwtSecret, server, clients };
    try {
      const tokens = await mintTokens(run);
      const roomId = await driveSocketIo(run, tokens);
      await refuseSocketIoSignIns(run, tokens);
      await driveHttp(run, tokens);
      await drivePlainWs(run, tokens, roomId);
      await expireWhileConnected(run, roomId);
      await driveAdminUi(run, adminPassword);
    } finally {
      clients.closeAll();
      await server.stop();
    }
    output = server.output();
    entries = server.logs();
  }, 60_000);

  it('holds the activity it was driven through, at info and above only', () => {
    const messages = new Set(entries.map((e) => e.message));
    for (const expected of [
      'chat-service listening',
      'http request',
      'socket connected',
      'socket disconnected',
      'plain websocket connected',
      'plain websocket disconnected',
      'shutting down',
      'stopped',
    ]) {
      expect(messages).toContain(expected);
    }
    expect(new Set(entries.map((e) => e.level))).not.toContain('debug');
  });

  it('holds no token, signature, secret, password, room name or message content', () => {
    expect(secrets.list.length).toBeGreaterThan(40);
    expect(secrets.leaksIn(output)).toEqual([]);
  });

  it('logs requests by their path alone: no query string, no credentials', () => {
    const requests = entries.filter((e) => e.message === 'http request');
    const paths = requests.map((e) => String(e.path));
    expect(paths.filter((p) => /[?@#]|token/.test(p))).toEqual([]);
    // The requests that carried a token in their query string were logged, without it.
    const refusedRooms = requests.filter((e) => e.path === '/api/rooms' && e.status === 401);
    expect(refusedRooms.length).toBeGreaterThanOrEqual(7);
    // `/healthz?token=` and the absolute-form request.
    expect(requests.filter((e) => e.path === '/healthz' && e.status === 200).length).toBeGreaterThanOrEqual(
      2,
    );
  });
});

describe("the logger's last line of defence", () => {
  /** What the call sites never log, as a library's error message might still quote it. */
  it('cuts out JWTs and the configured secrets, in messages, metadata and errors, in both formats', async () => {
    const jwtSecret = `jwt-secret-${hex(24)}`;
    const adminPassword = `admin-password-${hex()}`;
    const dbPassword = `db-p@ss-${hex()}`;
    const redisPassword = `redis-password-${hex()}`;
    const token = await signToken(jwtSecret, { id: 'alice', name: 'Alice' });
    for (const env of ['production', 'development'] as const) {
      const stream = new PassThrough();
      let written = '';
      stream.on('data', (chunk: Buffer) => (written += chunk.toString()));
      const logger = createLogger(
        {
          env,
          logLevel: 'info',
          jwtSecret,
          adminUi: { enabled: true, username: ADMIN_USERNAME, password: adminPassword },
          storage: { kind: 'postgres', url: `postgres://chat:${encodeURIComponent(dbPassword)}@db/chat` },
          redisUrl: `redis://default:${redisPassword}@cache:6379`,
        },
        stream,
      );
      logger.info(`handshake with ${token}`, {
        header: `Bearer ${token}`,
        nested: { list: [adminPassword] },
      });
      logger.error('driver failed', { err: new Error(`auth failed for ${dbPassword} and ${redisPassword}`) });
      logger.warn('key', { secret: jwtSecret, encoded: encodeURIComponent(dbPassword) });
      expect(written.split('\n').filter(Boolean)).toHaveLength(3);
      for (const secret of [
        token,
        jwtSecret,
        adminPassword,
        dbPassword,
        encodeURIComponent(dbPassword),
        redisPassword,
      ]) {
        expect(written).not.toContain(secret);
      }
      expect(written).toContain('[redacted]');
      expect(written).toContain('handshake with');
    }
  });
});

describe('start-up failures print no secret', () => {
  const attempt = async (env: Record<string, string>): Promise<string> => {
    const started = await startServerProcess(env).then(
      async (server) => {
        await server.stop();
        return undefined;
      },
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    if (started === undefined) throw new Error('the server started, but it should have failed');
    return started;
  };

  it('a database that refuses connections: not its password', async () => {
    const password = `db-password-${hex()}`;
    const message = await attempt({ DATABASE_URL: `postgres://postgres:${password}@127.0.0.1:1/test` });
    expect(message).toMatch(/failed to start/);
    expect(message).not.toContain(password);
  });

  it('a database URL that does not parse: not its password', async () => {
    const password = `db-password-${hex()}`;
    const message = await attempt({ DATABASE_URL: `postgres://chat:${password}@[db/chat` });
    expect(message).toMatch(/DATABASE_URL is not a valid URL/);
    expect(message).not.toContain(password);
  });

  it('a configuration error: not the password it quotes', async () => {
    const password = `origin-password-${hex()}`;
    const message = await attempt({ CORS_ORIGINS: `https://${ADMIN_USERNAME}:${password}@app.example.com` });
    expect(message).toMatch(/CORS_ORIGINS/);
    expect(message).not.toContain(password);
  });
});

/** `url` with `password` (raw, as a person would type it) unless it already has one, which is then the secret. */
function withPassword(url: string, user: string, password: string): { url: string; passwords: string[] } {
  const parsed = new URL(url);
  if (parsed.password) return { url, passwords: [parsed.password, decodeURIComponent(parsed.password)] };
  const rest = url.slice(`${parsed.protocol}//`.length).replace(/^[^/?#]*@/, '');
  return {
    url: `${parsed.protocol}//${parsed.username || user}:${password}@${rest}`,
    passwords: [password, encodeURIComponent(password)],
  };
}

describeWithServices('the log at LOG_LEVEL=info (PostgreSQL and Redis with passwords)', () => {
  const secrets = new Secrets();
  let schema: TestSchema;
  let output = '';
  let entries: LogEntry[] = [];

  beforeAll(async () => {
    schema = await createTestSchema();
    const jwtSecret = secrets.add('JWT_SECRET', `jwt-secret-${hex(24)}`);
    // Trust authentication (the local test services) accepts any password; a real one is kept.
    const database = withPassword(settings.databaseUrl, 'postgres', `pg-password-${hex()}`);
    // A raw `@` in the password: a redaction that stops at the first `@` would print the rest.
    const redis = withPassword(settings.redisUrl, 'default', `redis-p@ss-${hex()}`);
    for (const p of database.passwords) secrets.add('DATABASE_URL password', p);
    for (const p of redis.passwords) secrets.add('REDIS_URL password', p);
    // What follows its `@` is distinctive too: a partial leak is a leak.
    for (const p of redis.passwords) secrets.add('REDIS_URL password (its end)', p.split(/@|%40/).pop() ?? p);
    const server = await startServerProcess({
      JWT_SECRET: jwtSecret,
      DATABASE_URL: withSearchPath(database.url, schema.name),
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `logs-test:${hex()}:`,
    });
    const clients = new Clients(server.url);
    const run: Run = { secrets, jwtSecret, server, clients };
    try {
      const tokens = await mintTokens(run);
      const alice = await clients.chat({ token: tokens.alice });
      const room = okData(
        await alice.emitWithAck('room:create', { name: secrets.text('pg room name') }),
      ) as RoomDetail;
      const sent = okData(
        await alice.emitWithAck('message:send', { room_id: room.id, content: secrets.text('pg message') }),
      ) as Message;
      okData(
        await alice.emitWithAck('message:edit', { message_id: sent.id, content: secrets.text('pg edit') }),
      );
      expect(await clients.refusal('/chat', { auth: { token: tokens.expired } })).toBe('UNAUTHORIZED');
      const plain = await clients.plain(`/ws/${room.id}?token=${encodeURIComponent(tokens.bob)}`);
      plain.ws.send(
        JSON.stringify({ type: 'message', request_id: 'm1', content: secrets.text('pg plain message') }),
      );
      await frameOf(plain.ws, plain.frames, 'ack');
    } finally {
      clients.closeAll();
      await server.stop();
      await schema.drop();
    }
    output = server.output();
    entries = server.logs();
  }, 60_000);

  it('names Redis with its password hidden, and holds no secret or content', () => {
    const named = entries.find((e) => e.message === 'shared state in Redis');
    // Hidden up to the host, whatever the password holds.
    expect(named?.redis).toMatch(/^rediss?:\/\/[^@]*\*\*\*@[^@]*$/);
    expect(secrets.leaksIn(output)).toEqual([]);
  });
});
