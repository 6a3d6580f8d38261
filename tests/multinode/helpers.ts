import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { io } from 'socket.io-client';
import { createClient } from 'redis';
import { signToken } from '../../server/auth/jwt';
import { createTestSchema, type TestSchema } from '../helpers/postgres';
import type { ClientSocket, HttpResult } from '../helpers/server';
import { settings } from '../helpers/services';
import { TEST_SECRET } from '../helpers/server';

/**
 * The Redis the multi-node tests share (TEST_REDIS_URL). They declare `needs('postgres', 'redis')`,
 * so they are skipped when either did not answer at the start of the run.
 */
export const TEST_REDIS_URL = settings.redisUrl;

const ROOT = path.resolve(__dirname, '../..');
const START_TIMEOUT_MS = 40_000;
const STOP_TIMEOUT_MS = 15_000;

/** One chat-service process. */
export interface ChatNode {
  readonly name: string;
  readonly url: string;
  readonly process: ChildProcess;
  /** A connected socket on /chat of this node (rejects with the connect_error). */
  connect(token: string): Promise<ClientSocket>;
  http<T = unknown>(
    method: string,
    p: string,
    opts?: { token?: string; body?: unknown },
  ): Promise<HttpResult<T>>;
  /** `kill -9`: the process dies without closing anything. Resolves once it has exited. */
  kill(): Promise<void>;
  /** SIGTERM, then waits for the exit (SIGKILL if it takes too long). */
  stop(): Promise<void>;
  /** What the process printed, for a failing test's message. */
  output(): string;
}

/**
 * Nodes that form one service: one PostgreSQL schema and one Redis database, both fresh, that
 * every node of the cluster shares (Redis keys are not prefixed per run, so each run gets its own
 * database number).
 */
export interface Cluster {
  readonly databaseUrl: string;
  readonly redisDb: number;
  /** REDIS_URL of the cluster's database on `base` (a proxy in front of Redis, for instance). */
  redisUrl(base?: string): string;
  start(name: string, env?: Record<string, string>): Promise<ChatNode>;
  token(userId: string, name?: string): Promise<string>;
  /** Closes every socket, stops every node still running, drops the schema and empties the Redis database. */
  close(): Promise<void>;
}

export async function startCluster(): Promise<Cluster> {
  const schema: TestSchema = await createTestSchema();
  const redisDb = await freshRedisDb();
  const nodes: ChatNode[] = [];
  const sockets = new Set<ClientSocket>();
  const redisUrl = (base = TEST_REDIS_URL) => `${base.replace(/\/\d*$/, '')}/${redisDb}`;
  return {
    databaseUrl: schema.url,
    redisDb,
    redisUrl,
    start: async (name, env = {}) => {
      const node = await startNode(name, sockets, {
        DATABASE_URL: schema.url,
        REDIS_URL: redisUrl(),
        ...env,
      });
      nodes.push(node);
      return node;
    },
    token: (userId, name = userId) => signToken(TEST_SECRET, { id: userId, name }),
    close: async () => {
      for (const socket of sockets) socket.disconnect();
      await Promise.all(nodes.map((n) => n.stop()));
      await schema.drop();
      await flushRedisDb(redisDb);
    },
  };
}

/**
 * A Redis database number of its own for this run: allocated round-robin from a counter in
 * database 0 (1-15), then emptied. Parallel runs would have to start 15 clusters before one ended
 * to meet.
 */
async function freshRedisDb(): Promise<number> {
  const client = createClient({ url: TEST_REDIS_URL });
  await client.connect();
  try {
    const n = await client.incr('chat-test:multinode-db');
    const db = 1 + (n % 15);
    await client.select(db);
    await client.flushDb();
    return db;
  } finally {
    client.destroy();
  }
}

async function flushRedisDb(db: number): Promise<void> {
  const client = createClient({ url: `${TEST_REDIS_URL.replace(/\/\d*$/, '')}/${db}` });
  await client.connect();
  try {
    await client.flushDb();
  } finally {
    client.destroy();
  }
}

async function startNode(
  name: string,
  sockets: Set<ClientSocket>,
  env: Record<string, string>,
): Promise<ChatNode> {
  // `node --import tsx`, not the tsx CLI: the CLI runs the server in a child process, which a
  // SIGKILL of the CLI would leave running.
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      JWT_SECRET: TEST_SECRET,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { stdout } = child;
  if (!stdout) throw new Error('no stdout');
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stderr?.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${name} did not start within ${START_TIMEOUT_MS} ms:\n${lines.join('\n')}`));
    }, START_TIMEOUT_MS);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`node ${name} exited during start-up:\n${lines.join('\n')}`));
    });
    createInterface({ input: stdout }).on('line', (line) => {
      lines.push(line);
      const entry = parseLine(line);
      if (entry?.message === 'chat-service listening' && typeof entry.url === 'string') {
        clearTimeout(timer);
        resolve(entry.url);
      }
    });
  });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };
  return {
    name,
    url,
    process: child,
    connect: (token) => {
      const socket: ClientSocket = io(`${url}/chat`, {
        auth: { token },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
      });
      sockets.add(socket);
      return new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(socket));
        socket.once('connect_error', (err) => reject(err));
      });
    },
    http: async (method, p, o = {}) => {
      const headers: Record<string, string> = {};
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      if (o.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(`${url}${p}`, {
        method,
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    stop,
    output: () => lines.join('\n'),
  };
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Polls `probe` until it returns true (for what only polling can observe, such as a readiness
 * endpoint); rejects with `what` after `timeoutMs`.
 */
export async function eventually(
  probe: () => Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
