import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { makeTempDir, removeTempDir, trackChild } from './processes';

export type ServerKind = 'bare' | 'chat';

/** A server under test, in its own process, on 127.0.0.1. */
export interface ServerProcess {
  readonly kind: ServerKind;
  readonly pid: number;
  /** `ws://127.0.0.1:<port>`: what the generators connect to. */
  readonly origin: string;
  /** SIGTERM (graceful) or SIGKILL, then waits for the exit; a graceful stop is forced after 10 s. */
  stop(graceful?: boolean): Promise<void>;
  /** Set when the process ended without being stopped (a crash): what it printed last. */
  crashed(): string | undefined;
}

/**
 * Every budget and per-user bound of chat-service raised so that none caps a run: each bench
 * client is its own user, yet all connect from one address and send far above human rates.
 */
const UNCAPPED = '1000000000';
const UNCAPPED_ENV: Record<string, string> = {
  RATE_LIMIT_MESSAGES_PER_SECOND: UNCAPPED,
  RATE_LIMIT_TYPING_PER_SECOND: UNCAPPED,
  RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: UNCAPPED,
  RATE_LIMIT_REACTIONS_PER_SECOND: UNCAPPED,
  RATE_LIMIT_READS_PER_SECOND: UNCAPPED,
  RATE_LIMIT_MEMBERSHIP_PER_SECOND: UNCAPPED,
  RATE_LIMIT_ROOMS_PER_MINUTE: UNCAPPED,
  RATE_LIMIT_INVITES_PER_MINUTE: UNCAPPED,
  RATE_LIMIT_HANDSHAKES_PER_MINUTE: UNCAPPED,
  RATE_LIMIT_ADMIN_LOGINS_PER_MINUTE: UNCAPPED,
  MAX_EVENTS_IN_FLIGHT: '1000000',
  MAX_CONNECTIONS_PER_USER: '1000',
  // A generator that falls behind must show up as late deliveries, not as cut connections.
  MAX_BUFFERED_BYTES: String(1024 * 1024 * 1024),
};

export interface ChatServerOptions {
  /** The checkout whose dist/server/main.js runs. */
  chatDir: string;
  secret: string;
  databaseUrl: string;
  redis?: { url: string; keyPrefix: string };
  /** BENCH_CHAT_ENV: extra settings (a group commit window, a coalescing delay, …). */
  extraEnv: Record<string, string>;
}

export async function startChatServer(options: ChatServerOptions): Promise<ServerProcess> {
  const port = await freePort();
  const env: Record<string, string> = {
    ...UNCAPPED_ENV,
    NODE_ENV: 'production',
    JWT_SECRET: options.secret,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: options.databaseUrl,
    LOG_LEVEL: 'warn',
    ...(options.redis ? { REDIS_URL: options.redis.url, REDIS_KEY_PREFIX: options.redis.keyPrefix } : {}),
    ...options.extraEnv,
  };
  return startServer('chat', path.join(options.chatDir, 'dist/server/main.js'), port, env);
}

export async function startBareServer(script: string): Promise<ServerProcess> {
  const port = await freePort();
  return startServer('bare', script, port, { HOST: '127.0.0.1', PORT: String(port) });
}

async function startServer(
  kind: ServerKind,
  script: string,
  port: number,
  env: Record<string, string>,
): Promise<ServerProcess> {
  // An empty working directory: main.js would read a developer's .env from its cwd.
  const cwd = makeTempDir(`bench-${kind}-cwd-`);
  const child = spawn(process.execPath, [script], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  const output = keepTail(child);
  const exited = once(child, 'exit');
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitReady(origin, child, 30_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(
      `${kind} server did not become ready: ${err instanceof Error ? err.message : String(err)}\n${output()}`,
    );
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${kind} server has no pid`);
  let stopped: Promise<void> | undefined;
  return {
    crashed: () =>
      !stopped && (child.exitCode !== null || child.signalCode !== null)
        ? `exited with ${child.exitCode ?? child.signalCode}: ${output()}`
        : undefined,
    kind,
    pid,
    origin: `ws://127.0.0.1:${port}`,
    stop: (graceful = false) => {
      stopped ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill(graceful ? 'SIGTERM' : 'SIGKILL');
        const force = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(force);
        removeTempDir(cwd);
      })();
      return stopped;
    },
  };
}

/** The last few KB a server printed, for the error when it fails to start. */
function keepTail(child: ChildProcess): () => string {
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => tail;
}

async function waitReady(origin: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited with ${child.exitCode ?? child.signalCode}`);
    }
    const ready = await fetch(`${origin}/readyz`).then(
      (res) => res.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ready /readyz within ${timeoutMs} ms`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
