import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { z } from 'zod';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/events';
import { createApp, type ChatApp } from '../../server/app';
import { signToken } from '../../server/auth/jwt';
import { loadConfig } from '../../server/config/env';
import { createTestSchema } from './postgres';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/**
 * Where a test server keeps its data: a fresh SQLite file in its own folder, or a fresh schema of
 * the PostgreSQL test database (tests/helpers/postgres.ts). A second server started with the same
 * storage sees the first one's data (a restart, or another node).
 */
export interface TestStorage {
  kind: 'sqlite' | 'postgres';
  /** What DATABASE_URL is set to. */
  databaseUrl: string;
  /** Deletes the data: the SQLite folder or the PostgreSQL schema. */
  remove(): Promise<void>;
}

/** The store integration tests run on: TEST_STORE=sqlite (the default) or TEST_STORE=postgres. */
export function testStoreKind(): TestStorage['kind'] {
  const parsed = z
    .enum(['sqlite', 'postgres'])
    .default('sqlite')
    .safeParse(process.env.TEST_STORE || undefined);
  if (!parsed.success) throw new Error('TEST_STORE must be sqlite or postgres');
  return parsed.data;
}

export async function createTestStorage(kind = testStoreKind()): Promise<TestStorage> {
  if (kind === 'postgres') {
    const schema = await createTestSchema();
    return { kind, databaseUrl: schema.url, remove: schema.drop };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'chat-test-'));
  return {
    kind,
    databaseUrl: `sqlite:${path.join(dir, 'chat.db')}`,
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface TestServer {
  app: ChatApp;
  url: string;
  /** Its data; pass it to another startServer to restart on the same data. */
  storage: TestStorage;
  /** A valid token for this server. */
  token(userId: string, name?: string): Promise<string>;
  /** A connected socket on /chat (rejects with the connect_error). */
  connect(token: string): Promise<ClientSocket>;
  http<T = unknown>(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<HttpResult<T>>;
  /** Closes every socket opened through it, the server and (unless kept) removes its storage. */
  close(opts?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts the real server on an ephemeral port with fresh storage of the TEST_STORE kind, or on the
 * given `storage` (whose data it then owns: its close() removes it unless kept).
 * `env` overrides environment variables as `server/config` reads them.
 */
export async function startServer(
  opts: { env?: Record<string, string>; storage?: TestStorage } = {},
): Promise<TestServer> {
  const storage = opts.storage ?? (await createTestStorage());
  let app: ChatApp;
  try {
    const config = loadConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      JWT_SECRET: TEST_SECRET,
      DATABASE_URL: storage.databaseUrl,
      ...opts.env,
    });
    app = await createApp(config);
  } catch (err) {
    if (!opts.storage) await storage.remove();
    throw err;
  }
  const { url } = await app.listen();
  const sockets = new Set<ClientSocket>();

  return {
    app,
    url,
    storage,
    token: (userId, name = userId) => signToken(TEST_SECRET, { id: userId, name }),
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
      const headers: Record<string, string> = { ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      let body: string | undefined = o.rawBody;
      if (o.body !== undefined) body = JSON.stringify(o.body);
      if (body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(`${url}${p}`, { method, headers, body });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    close: async ({ keepData = false } = {}) => {
      for (const s of sockets) s.disconnect();
      await app.close();
      if (!keepData) await storage.remove();
    },
  };
}
