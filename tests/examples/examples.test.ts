import { execFile } from 'node:child_process';
import path from 'node:path';
import type { HistoryPage, RoomDetail } from 'chat-service-contract';
import { createTestStorage, startServer, type TestServer } from '../helpers/server';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
/** Generous: tsx compiles on first start, and CI shares two cores; a hung example still fails. */
const EXAMPLE_TIMEOUT_MS = 30_000;
const TOKEN_HINT = 'export CHAT_TOKEN=$(npm run -s token -- alice Alice)';

interface Run {
  code: number | null;
  /** Set when the example had to be killed: it did not exit by itself. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * The examples of examples/, run exactly as the README says (`npx tsx examples/<name>.ts` from the
 * repository's root) against a real server, so they cannot rot: each must exit 0 by itself (it
 * closes its connections), print its steps, and leave on the server what it says it did.
 */
describe('examples/', () => {
  let server: TestServer;
  let token: string;

  beforeAll(async () => {
    // SQLite whatever TEST_STORE says: this suite needs nothing outside npm.
    server = await startServer({ storage: await createTestStorage('sqlite') });
    token = await server.token('alice', 'Alice');
  });

  afterAll(() => server?.close());

  /** Runs `examples/<name>.ts` with CHAT_URL and CHAT_TOKEN pointing at the test server, unless `env` says otherwise. */
  function runExample(name: string, env: Record<string, string | undefined> = {}): Promise<Run> {
    // CHAT_ROOM unset whatever the shell running the tests has; an undefined value unsets a variable.
    const merged = { ...process.env, CHAT_ROOM: undefined, CHAT_URL: server.url, CHAT_TOKEN: token, ...env };
    const childEnv = Object.fromEntries(
      Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    return new Promise((resolve) => {
      execFile(
        TSX,
        [`examples/${name}.ts`],
        { cwd: ROOT, env: childEnv, timeout: EXAMPLE_TIMEOUT_MS, killSignal: 'SIGKILL' },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
          resolve({ code, signal: error?.signal ?? null, stdout, stderr });
        },
      );
    });
  }

  /** Asserts a clean exit, naming the output when it was not (the assertion that says most). */
  function expectSuccess(run: Run): string[] {
    expect({ code: run.code, signal: run.signal, stderr: run.stderr }).toEqual({
      code: 0,
      signal: null,
      stderr: '',
    });
    return run.stdout.trimEnd().split('\n');
  }

  /** The room id in the line matching `pattern` (its first group). */
  function roomIdIn(lines: string[], pattern: RegExp): string {
    const id = lines.map((line) => pattern.exec(line)?.[1]).find((found) => found !== undefined);
    if (id === undefined) throw new Error(`no line matches ${pattern}:\n${lines.join('\n')}`);
    return id;
  }

  async function historyOf(roomId: string): Promise<HistoryPage> {
    const page = await server.http<HistoryPage>('GET', `/api/rooms/${roomId}/messages`, { token });
    expect(page.status).toBe(200);
    return page.body;
  }

  it('socketio-bot.ts creates a room, sends, prints its own message as it arrives, disconnects, exits 0', async () => {
    const lines = expectSuccess(await runExample('socketio-bot'));
    const roomId = roomIdIn(lines, /^in room (\S+) "socketio-bot"$/);
    expect(lines[0]).toBe(`connected to ${server.url}/chat`);
    expect(lines).toEqual(
      expect.arrayContaining(['sent #1', 'received #1 from Alice: hello from socketio-bot']),
    );
    expect(lines.at(-1)).toBe('disconnected');
    const { messages } = await historyOf(roomId);
    expect(messages).toEqual([
      expect.objectContaining({ seq: 1, user_id: 'alice', content: 'hello from socketio-bot' }),
    ]);
  }, 60_000);

  it('socketio-bot.ts joins the room CHAT_ROOM names instead of creating one', async () => {
    const bob = await server.token('bob', 'Bob');
    const created = await server.http<RoomDetail>('POST', '/api/rooms', {
      token: bob,
      body: { name: 'ops' },
    });
    expect(created.status).toBe(201);
    const roomId = created.body.id;

    const lines = expectSuccess(await runExample('socketio-bot', { CHAT_ROOM: roomId }));
    expect(lines).toEqual(expect.arrayContaining([`in room ${roomId} "ops"`, 'sent #1']));
    const room = await server.http<RoomDetail>('GET', `/api/rooms/${roomId}`, { token: bob });
    expect(room.body.members.map((m) => m.user_id)).toEqual(['bob', 'alice']);
    expect((await historyOf(roomId)).messages.map((m) => m.content)).toEqual(['hello from socketio-bot']);
  }, 60_000);

  it('http-bot.ts creates a room, captures its id, posts, reads the history back, exits 0', async () => {
    const lines = expectSuccess(await runExample('http-bot'));
    const roomId = roomIdIn(lines, /^created room (\S+) "http-bot"$/);
    expect(lines).toEqual([
      `created room ${roomId} "http-bot"`,
      'posted #1: deploy finished',
      `history of ${roomId}:`,
      '  #1 Alice: deploy finished',
    ]);
    const { messages } = await historyOf(roomId);
    expect(messages).toEqual([
      expect.objectContaining({ seq: 1, user_id: 'alice', content: 'deploy finished' }),
    ]);
  }, 60_000);

  it('typed-client.ts creates a room, sends, reads the history, closes the client, exits 0', async () => {
    const lines = expectSuccess(await runExample('typed-client'));
    const roomId = roomIdIn(lines, /^created room (\S+) "typed-client"$/);
    expect(lines[0]).toBe(`connected to ${server.url}`);
    expect(lines).toEqual(expect.arrayContaining(['sent #1', 'history: #1 hello from typed-client']));
    expect(lines.at(-1)).toBe('disconnected');
    const { messages } = await historyOf(roomId);
    expect(messages).toEqual([
      expect.objectContaining({ seq: 1, user_id: 'alice', content: 'hello from typed-client' }),
    ]);
  }, 60_000);

  const EXAMPLES = ['socketio-bot', 'http-bot', 'typed-client'];

  it('without CHAT_TOKEN, each example says how to get one and exits 1 (never silently)', async () => {
    const runs = await Promise.all(EXAMPLES.map((name) => runExample(name, { CHAT_TOKEN: undefined })));
    for (const run of runs) {
      expect({ code: run.code, signal: run.signal }).toEqual({ code: 1, signal: null });
      expect(run.stderr).toContain('CHAT_TOKEN is not set');
      expect(run.stderr).toContain(TOKEN_HINT);
    }
  }, 60_000);

  it('with a token the server refuses, each example names the error and exits 1', async () => {
    const runs = await Promise.all(EXAMPLES.map((name) => runExample(name, { CHAT_TOKEN: 'not-a-token' })));
    for (const run of runs) {
      expect({ code: run.code, signal: run.signal }).toEqual({ code: 1, signal: null });
      expect(run.stderr).toContain('UNAUTHORIZED');
    }
  }, 60_000);
});
