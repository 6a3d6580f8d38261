import { spawn } from 'node:child_process';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import pkg from '../../package.json';
import {
  httpErrorSchema,
  type ErrorCode,
  type HistoryPage,
  type Message,
  type RoomDetail,
  type RoomList,
} from '../../shared/index';
import { okData, waitFor } from '../helpers/events';
import { TEST_SECRET, startServer, type HttpResult, type TestServer } from '../helpers/server';
import { handMade, nowSeconds, segment, tokenSigner } from '../helpers/tokens';

const ROOT = path.resolve(__dirname, '../..');
const OTHER_SECRET = 'a-different-secret-that-is-also-long-enough-0123456789';
const REFUSAL_TIMEOUT_MS = 3000;
const CLI_TIMEOUT_MS = 30000;
/** `npx tsx` compiles on start: give the CLI tests room on a busy machine. */
const CLI_TEST_TIMEOUT_MS = 60000;

const sign = tokenSigner(TEST_SECRET);

/** Tokens the contract calls missing, malformed, expired or wrongly signed, or without a valid `sub`. */
const badTokens: [string, () => Promise<string>][] = [
  ['a garbage token', async () => 'not-a-jwt'],
  ['three garbage segments', async () => 'abc.def.ghi'],
  [
    'a token signed with another secret',
    () => sign({ sub: 'alice', name: 'Alice' }, { secret: OTHER_SECRET }),
  ],
  ['an expired token', () => sign({ sub: 'alice', name: 'Alice', exp: nowSeconds() - 60 })],
  [
    'an HS512 token signed with the right secret',
    () => sign({ sub: 'alice', name: 'Alice' }, { alg: 'HS512' }),
  ],
  [
    'an unsigned alg "none" token',
    async () => handMade({ alg: 'none', typ: 'JWT' }, { sub: 'alice', name: 'Alice' }),
  ],
  [
    'a token whose payload was altered after signing',
    async () => {
      const [header, , signature] = (await sign({ sub: 'bob', name: 'Bob' })).split('.');
      return `${header}.${segment({ sub: 'alice', name: 'Alice' })}.${signature}`;
    },
  ],
  ['a token without sub', () => sign({ name: 'Alice' })],
  ['a token whose sub contains a space', () => sign({ sub: 'ali ce', name: 'Alice' })],
  ['a token whose sub has 65 characters', () => sign({ sub: 'a'.repeat(65), name: 'Alice' })],
  [
    'a token whose sub is empty',
    async () => handMade({ alg: 'HS256', typ: 'JWT' }, { sub: '', name: 'A' }, TEST_SECRET),
  ],
  [
    'a token whose sub is a number',
    async () => handMade({ alg: 'HS256', typ: 'JWT' }, { sub: 7, name: 'A' }, TEST_SECRET),
  ],
];

/** Authorization headers that carry no usable bearer token (the token inside, if any, is valid). */
const badHeaders: [string, (valid: string) => Record<string, string>][] = [
  ['no Authorization header', () => ({})],
  ['"Bearer" alone', () => ({ authorization: 'Bearer' })],
  ['"Basic x"', () => ({ authorization: 'Basic x' })],
  ['a Basic scheme with user:password', () => ({ authorization: 'Basic YWxpY2U6c2VjcmV0' })],
  ['the token without a scheme', (valid) => ({ authorization: valid })],
  ['another scheme with the token', (valid) => ({ authorization: `Token ${valid}` })],
  ['a bearer token followed by junk', (valid) => ({ authorization: `Bearer ${valid} extra` })],
];

function expectError(res: HttpResult, status: number, code: ErrorCode): void {
  expect({ status: res.status, body: res.body }).toMatchObject({ status, body: { error: { code } } });
  const parsed = httpErrorSchema.safeParse(res.body);
  expect(parsed.success).toBe(true);
  expect(parsed.data?.error.message).toEqual(expect.stringMatching(/\S/));
}

/**
 * Opens a socket on `namespace` and resolves with its connect_error; rejects when it connects
 * instead or nothing happens within the timeout. The socket is closed either way.
 */
function refusal(url: string, namespace: string, auth?: Record<string, unknown>): Promise<Error> {
  const socket: Socket = io(`${url}${namespace}`, {
    ...(auth ? { auth } : {}),
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise<Error>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`timed out after ${REFUSAL_TIMEOUT_MS} ms waiting for connect_error on ${namespace}`),
        ),
      REFUSAL_TIMEOUT_MS,
    );
    socket.once('connect', () => {
      clearTimeout(timer);
      reject(new Error(`the socket was admitted to ${namespace}; expected a connect_error`));
    });
    socket.once('connect_error', (err) => {
      clearTimeout(timer);
      resolve(err);
    });
  }).finally(() => socket.disconnect());
}

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tsx server/auth/token-cli.ts` as `npm run token` does, with JWT_SECRET set to the test secret. */
function runTokenCli(args: string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'test', JWT_SECRET: TEST_SECRET };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'server/auth/token-cli.ts', ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`token CLI did not exit within ${CLI_TIMEOUT_MS} ms (args: ${JSON.stringify(args)})`));
    }, CLI_TIMEOUT_MS);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('authentication and identity', () => {
  let server: TestServer;
  let aliceToken: string;
  let bobToken: string;
  let roomId: string;

  beforeEach(async () => {
    server = await startServer();
    aliceToken = await server.token('alice', 'Alice');
    bobToken = await server.token('bob', 'Bob');
    const room = await server.http<RoomDetail>('POST', '/api/rooms', {
      token: aliceToken,
      body: { name: 'general' },
    });
    expect(room.status).toBe(201);
    roomId = room.body.id;
    expect((await server.http('POST', `/api/rooms/${roomId}/join`, { token: bobToken })).status).toBe(200);
  });

  afterEach(() => server.close());

  const history = async (): Promise<Message[]> => {
    const res = await server.http<HistoryPage>('GET', `/api/rooms/${roomId}/messages`, { token: aliceToken });
    expect(res.status).toBe(200);
    return res.body.messages;
  };

  describe('HTTP refuses requests without a valid token with 401 UNAUTHORIZED', () => {
    it('accepts a valid token (the control for the refusals below)', async () => {
      const rooms = await server.http<RoomList>('GET', '/api/rooms', { token: aliceToken });
      expect(rooms.status).toBe(200);
      expect(rooms.body.rooms.map((r) => r.id)).toEqual([roomId]);
      const sent = await server.http<Message>('POST', '/api/messages', {
        token: aliceToken,
        body: { room_id: roomId, content: 'hi' },
      });
      expect(sent.status).toBe(201);
    });

    it('reads the Bearer scheme case-insensitively', async () => {
      const res = await server.http('GET', '/api/rooms', {
        headers: { authorization: `bearer ${aliceToken}` },
      });
      expect(res.status).toBe(200);
    });

    it.each(badHeaders)('GET /api/rooms with %s', async (_case, header) => {
      expectError(
        await server.http('GET', '/api/rooms', { headers: header(aliceToken) }),
        401,
        'UNAUTHORIZED',
      );
    });

    it.each(badHeaders)('POST /api/messages with %s, storing nothing', async (_case, header) => {
      const res = await server.http('POST', '/api/messages', {
        headers: header(aliceToken),
        body: { room_id: roomId, content: 'should not be stored' },
      });
      expectError(res, 401, 'UNAUTHORIZED');
      expect(await history()).toEqual([]);
    });

    it.each(badTokens)('GET /api/rooms with %s', async (_case, make) => {
      expectError(await server.http('GET', '/api/rooms', { token: await make() }), 401, 'UNAUTHORIZED');
    });

    it.each(badTokens)('POST /api/messages with %s, storing nothing', async (_case, make) => {
      const res = await server.http('POST', '/api/messages', {
        token: await make(),
        body: { room_id: roomId, content: 'should not be stored', user_id: 'alice' },
      });
      expectError(res, 401, 'UNAUTHORIZED');
      expect(await history()).toEqual([]);
    });

    it.each(badTokens)('POST /api/rooms with %s, creating nothing', async (_case, make) => {
      const res = await server.http('POST', '/api/rooms', { token: await make(), body: { name: 'sneaky' } });
      expectError(res, 401, 'UNAUTHORIZED');
      const rooms = await server.http<RoomList>('GET', '/api/rooms', { token: aliceToken });
      expect(rooms.body.rooms.map((r) => r.name)).toEqual(['general']);
    });

    it('answers 401 (not a body error) to an unauthenticated request with a malformed body', async () => {
      const res = await server.http('POST', '/api/messages', { rawBody: '{"room_id": ' });
      expectError(res, 401, 'UNAUTHORIZED');
    });
  });

  describe('Socket.IO refuses connections without a valid token with connect_error UNAUTHORIZED', () => {
    it('admits a valid token (the control for the refusals below)', async () => {
      const socket = await server.connect(aliceToken);
      expect(socket.connected).toBe(true);
    });

    it('refuses a socket without auth', async () => {
      expect((await refusal(server.url, '/chat')).message).toBe('UNAUTHORIZED');
    });

    it.each<[string, Record<string, unknown>]>([
      ['an empty auth object', {}],
      ['an empty token', { token: '' }],
      ['a numeric token', { token: 42 }],
      ['a token under the wrong key', { jwt: 'whatever' }],
    ])('refuses a socket with %s', async (_case, auth) => {
      expect((await refusal(server.url, '/chat', auth)).message).toBe('UNAUTHORIZED');
    });

    it.each(badTokens)('refuses a socket with %s', async (_case, make) => {
      expect((await refusal(server.url, '/chat', { token: await make() })).message).toBe('UNAUTHORIZED');
    });
  });

  describe('the token decides who acts', () => {
    it('refuses POST /api/rooms whose creator_id is not the token subject (403), creating nothing', async () => {
      const res = await server.http('POST', '/api/rooms', {
        token: aliceToken,
        body: { name: 'impostor', creator_id: 'bob' },
      });
      expectError(res, 403, 'FORBIDDEN');
      for (const token of [aliceToken, bobToken]) {
        const rooms = await server.http<RoomList>('GET', '/api/rooms', { token });
        expect(rooms.body.rooms.map((r) => r.name)).toEqual(['general']);
      }
    });

    it('creates the room when creator_id equals the token subject', async () => {
      const res = await server.http<RoomDetail>('POST', '/api/rooms', {
        token: aliceToken,
        body: { name: 'mine', creator_id: 'alice' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        name: 'mine',
        created_by: 'alice',
        members: [{ user_id: 'alice', username: 'Alice', role: 'owner' }],
      });
    });

    it('refuses POST /api/messages whose user_id is another member (403), storing nothing', async () => {
      const res = await server.http('POST', '/api/messages', {
        token: aliceToken,
        body: { room_id: roomId, content: 'I am bob', user_id: 'bob' },
      });
      expectError(res, 403, 'FORBIDDEN');
      expect(await history()).toEqual([]);
    });

    it('compares user_id with the subject exactly (no case folding)', async () => {
      const res = await server.http('POST', '/api/messages', {
        token: aliceToken,
        body: { room_id: roomId, content: 'hi', user_id: 'ALICE' },
      });
      expectError(res, 403, 'FORBIDDEN');
      expect(await history()).toEqual([]);
    });

    it('posts the message when user_id equals the token subject', async () => {
      const res = await server.http<Message>('POST', '/api/messages', {
        token: aliceToken,
        body: { room_id: roomId, content: 'hello', user_id: 'alice' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({
        room_id: roomId,
        user_id: 'alice',
        username: 'Alice',
        content: 'hello',
      });
      expect((await history()).map((m) => m.id)).toEqual([res.body.id]);
    });

    it("compares the seed's numeric ids with the subject as strings", async () => {
      const numericToken = await server.token('42', 'Forty-Two');
      const created = await server.http<RoomDetail>('POST', '/api/rooms', {
        token: numericToken,
        body: { name: 'numbers', creator_id: 42 },
      });
      expect(created.status).toBe(201);
      const sent = await server.http<Message>('POST', '/api/messages', {
        token: numericToken,
        body: { room_id: created.body.id, content: 'hi', user_id: 42 },
      });
      expect(sent.status).toBe(201);
      expect(sent.body.user_id).toBe('42');
      const other = await server.http('POST', '/api/messages', {
        token: numericToken,
        body: { room_id: created.body.id, content: 'hi', user_id: 43 },
      });
      expectError(other, 403, 'FORBIDDEN');
      // Any other value, even one that could never be a user id, is simply not the caller.
      const malformed = await server.http('POST', '/api/messages', {
        token: numericToken,
        body: { room_id: created.body.id, content: 'hi', user_id: 'not valid!' },
      });
      expectError(malformed, 403, 'FORBIDDEN');
    });

    it("stores the token's name, not the body's username, everywhere the message is seen", async () => {
      const bob = await server.connect(bobToken);
      const arrival = waitFor(bob, 'message:new');
      const res = await server.http<Message>('POST', '/api/messages', {
        token: aliceToken,
        body: { room_id: roomId, content: 'hello', username: 'Mallory' },
      });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ user_id: 'alice', username: 'Alice' });
      expect(await arrival).toMatchObject({ id: res.body.id, username: 'Alice' });
      const fetched = await server.http<Message>('GET', `/api/messages/${res.body.id}`, { token: bobToken });
      expect(fetched.body.username).toBe('Alice');
      expect((await history()).map((m) => m.username)).toEqual(['Alice']);
    });
  });

  describe('a valid token without a name claim', () => {
    it('works over HTTP, showing the user id as the display name', async () => {
      const carolToken = await sign({ sub: 'carol', exp: nowSeconds() + 600 });
      const room = await server.http<RoomDetail>('POST', '/api/rooms', {
        token: carolToken,
        body: { name: 'c' },
      });
      expect(room.status).toBe(201);
      expect(room.body.members).toEqual([expect.objectContaining({ user_id: 'carol', username: 'carol' })]);
      const sent = await server.http<Message>('POST', '/api/messages', {
        token: carolToken,
        body: { room_id: room.body.id, content: 'hi' },
      });
      expect(sent.status).toBe(201);
      expect(sent.body).toMatchObject({ user_id: 'carol', username: 'carol' });
    });

    it('works over Socket.IO, showing the user id as the display name', async () => {
      const carol = await server.connect(await sign({ sub: 'carol' }));
      okData(await carol.emitWithAck('room:join', { room_id: roomId }));
      const sent = okData(await carol.emitWithAck('message:send', { room_id: roomId, content: 'hi' }));
      expect(sent).toMatchObject({ user_id: 'carol', username: 'carol' });
    });
  });

  describe('health endpoints need no token', () => {
    it('answers GET / with the service name and version', async () => {
      const res = await server.http('GET', '/');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', service: 'chat-service', version: pkg.version });
    });

    it.each(['/healthz', '/readyz'])('answers GET %s with 200, with or without a bad token', async (p) => {
      expect((await server.http('GET', p)).status).toBe(200);
      expect((await server.http('GET', p, { token: 'garbage' })).status).toBe(200);
    });
  });

  describe('namespaces', () => {
    it('refuses sockets on the default namespace, even with a valid token', async () => {
      await expect(refusal(server.url, '/', { token: aliceToken })).resolves.toBeInstanceOf(Error);
      await expect(refusal(server.url, '/')).resolves.toBeInstanceOf(Error);
    });

    it('serves /chat with the same token', async () => {
      const socket = await server.connect(aliceToken);
      const rooms = okData(await socket.emitWithAck('room:list', {}));
      expect(rooms.rooms.map((r) => r.id)).toEqual([roomId]);
    });
  });

  describe('npm run token', () => {
    it(
      'prints a token that the server accepts, carrying the display name',
      async () => {
        const cli = await runTokenCli(['alice', 'Alice Smith']);
        expect(cli.code).toBe(0);
        expect(cli.stderr).not.toMatch(/JWT_SECRET is not set/);
        const token = cli.stdout.trim();
        expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
        const sent = await server.http<Message>('POST', '/api/messages', {
          token,
          body: { room_id: roomId, content: 'from the CLI' },
        });
        expect(sent.status).toBe(201);
        expect(sent.body).toMatchObject({ user_id: 'alice', username: 'Alice Smith' });
        const socket = await server.connect(token);
        expect(socket.connected).toBe(true);
      },
      CLI_TEST_TIMEOUT_MS,
    );

    it(
      'exits with code 2 and a usage message for bad usage, printing no token',
      async () => {
        const results = await Promise.all([
          runTokenCli([]),
          runTokenCli(['bad id']),
          runTokenCli(['a'.repeat(65)]),
        ]);
        for (const result of results) {
          expect(result).toMatchObject({ code: 2, stdout: '' });
          expect(result.stderr).toMatch(/usage/);
        }
      },
      CLI_TEST_TIMEOUT_MS,
    );
  });
});
