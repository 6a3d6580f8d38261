import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../shared/events';
import { createApp, type ChatApp } from '../../server/app';
import { signToken } from '../../server/auth/jwt';
import { loadConfig } from '../../server/config/env';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestServer {
  app: ChatApp;
  url: string;
  dbFile: string;
  /** A valid token for this server. */
  token(userId: string, name?: string): Promise<string>;
  /** A connected socket on /chat (rejects with the connect_error). */
  connect(token: string): Promise<ClientSocket>;
  http<T = unknown>(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<HttpResult<T>>;
  /** Closes every socket opened through it, the server and (unless kept) the database folder. */
  close(opts?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts the real server on an ephemeral port with a fresh SQLite file (or the given one).
 * `env` overrides environment variables as `server/config` reads them.
 */
export async function startServer(
  opts: { env?: Record<string, string>; dbFile?: string } = {},
): Promise<TestServer> {
  const dir = opts.dbFile ? path.dirname(opts.dbFile) : mkdtempSync(path.join(tmpdir(), 'chat-test-'));
  const dbFile = opts.dbFile ?? path.join(dir, 'chat.db');
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    JWT_SECRET: TEST_SECRET,
    DATABASE_URL: `sqlite:${dbFile}`,
    ...opts.env,
  });
  const app = await createApp(config);
  const { url } = await app.listen();
  const sockets = new Set<ClientSocket>();

  return {
    app,
    url,
    dbFile,
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
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
  };
}
