import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { signToken } from '../../server/auth/jwt';
import { TEST_SECRET, type HttpResult } from '../helpers/server';

const ROOT = path.resolve(__dirname, '../..');
const START_TIMEOUT_MS = 40_000;
const STOP_TIMEOUT_MS = 15_000;

type Labels = Record<string, string>;

/**
 * The real server in a process of its own, on SQLite in a fresh folder: what a hostile client does
 * to it can crash it (seen as the process exiting) or grow its memory (read from /proc), and
 * neither touches the test runner.
 */
export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  readonly process: ChildProcess;
  token(userId: string, name?: string): Promise<string>;
  http<T = unknown>(
    method: string,
    p: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<HttpResult<T>>;
  /** True until the process exits, however it exits. */
  alive(): boolean;
  /** The process's resident set size (VmRSS), in bytes. */
  rssBytes(): Promise<number>;
  /** The sum of the `/metrics` samples of `name` whose labels include `labels`. */
  metric(name: string, labels?: Labels): Promise<number>;
  /** The JSON log lines the process wrote, parsed (non-JSON lines are skipped). */
  logs(): Record<string, unknown>[];
  /** What the process printed, for a failing test's message. */
  output(): string;
  /** SIGTERM, then waits for the exit (SIGKILL if it takes too long); removes the data folder. */
  stop(): Promise<void>;
}

export async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const dir = await mkdtemp(path.join(tmpdir(), 'chat-security-'));
  // `node --import tsx`, not the tsx CLI, so the pid is the server's own.
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      JWT_SECRET: TEST_SECRET,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      DATABASE_URL: `sqlite:${path.join(dir, 'chat.db')}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { stdout, pid } = child;
  if (!stdout || pid === undefined) throw new Error('the server process did not start');
  const lines: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stderr?.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the server did not start within ${START_TIMEOUT_MS} ms:\n${lines.join('\n')}`));
    }, START_TIMEOUT_MS);
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the server exited during start-up:\n${lines.join('\n')}`));
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

  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    url,
    pid,
    process: child,
    token: (userId, name = userId) => signToken(TEST_SECRET, { id: userId, name }),
    http: async (method, p, o = {}) => {
      const headers: Record<string, string> = { ...o.headers };
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      if (o.body !== undefined) headers['content-type'] = 'application/json';
      const res = await send(
        `${url}${p}`,
        method,
        headers,
        o.body === undefined ? undefined : JSON.stringify(o.body),
      );
      return { status: res.status, body: res.text ? JSON.parse(res.text) : undefined, headers: res.headers };
    },
    alive,
    rssBytes: async () => {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
      if (kb === undefined) throw new Error(`no VmRSS for process ${pid}`);
      return Number(kb) * 1024;
    },
    metric: async (name, labels = {}) => {
      const { text } = await send(`${url}/metrics`, 'GET', {});
      return sumSamples(text, name, labels);
    },
    logs: () => lines.map(parseLine).filter((entry) => entry !== undefined),
    output: () => lines.join('\n'),
    stop: async () => {
      if (alive()) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Samples `sample` every `everyMs` while running; `stop()` returns the largest value seen. */
export function samplePeak(sample: () => Promise<number>, everyMs = 20): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, await sample().catch(() => 0));
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return peak;
    },
  };
}

/**
 * Polls `probe` until it returns true (for what only polling can observe: a counter, the memory of
 * a process); rejects with `what` after `timeoutMs`.
 */
export async function eventually(
  probe: () => Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export const MiB = 1024 * 1024;

/**
 * One request on a connection of its own (no keep-alive pool): a server kept busy by a test can
 * let an idle pooled connection time out just as it is reused, which would fail the request.
 */
function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string; headers: Headers }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const answered = new Headers();
        for (const [key, value] of Object.entries(res.headers)) {
          if (typeof value === 'string') answered.set(key, value);
        }
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), headers: answered });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

function sumSamples(text: string, name: string, labels: Labels): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const have = Object.fromEntries(
      [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k, v]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(match[3]);
  }
  return sum;
}

function parseLine(line: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
