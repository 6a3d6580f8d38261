/**
 * `npm run bench`: message throughput and latency on one node, against 127.0.0.1 only, bounded in
 * count and time. Starts the real server (SQLite in a temporary folder, rate limits raised so they
 * do not cap the run), connects senders and listeners with socket.io-client, and reports:
 * - ack latency of `message:send` (stored durably, then acknowledged), p50/p95/p99;
 * - fan-out latency from send to `message:new` on every listener;
 * - throughput (acknowledged messages per second) and the server's memory before and after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/events';
import { createApp } from '../server/app';
import { signToken } from '../server/auth/jwt';
import { loadConfig } from '../server/config/env';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

const SENDERS = Number(process.env.BENCH_SENDERS ?? 8);
const LISTENERS = Number(process.env.BENCH_LISTENERS ?? 32);
const MESSAGES_PER_SENDER = Number(process.env.BENCH_MESSAGES ?? 250);
const TIME_LIMIT_MS = 60_000;
const SECRET = 'bench-secret-that-is-long-enough-for-hs256-0123456789';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, index)] ?? 0) * 100) / 100;
}

function summary(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
  };
}

const mb = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;

async function connect(url: string, userId: string): Promise<Client> {
  const token = await signToken(SECRET, { id: userId, name: userId });
  const socket: Client = io(`${url}/chat`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'chat-bench-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'silent',
    JWT_SECRET: SECRET,
    // BENCH_DATABASE_URL=postgres://… and BENCH_REDIS_URL=redis://… measure a scale-out node.
    DATABASE_URL: process.env.BENCH_DATABASE_URL ?? `sqlite:${path.join(dir, 'chat.db')}`,
    REDIS_URL: process.env.BENCH_REDIS_URL ?? '',
    REDIS_KEY_PREFIX: `bench-${process.pid}:`,
    RATE_LIMIT_MESSAGES_PER_SECOND: '1000000',
  });
  const app = await createApp(config);
  const { url } = await app.listen();
  const deadline = Date.now() + TIME_LIMIT_MS;
  try {
    const owner = await connect(url, 'owner');
    const created = await owner.emitWithAck('room:create', { name: 'bench' });
    if (!created.ok) throw new Error(created.error.message);
    const roomId = created.data.id;
    const senders = await Promise.all(Array.from({ length: SENDERS }, (_, i) => connect(url, `sender-${i}`)));
    const listeners = await Promise.all(
      Array.from({ length: LISTENERS }, (_, i) => connect(url, `listener-${i}`)),
    );
    for (const s of [...senders, ...listeners]) await s.emitWithAck('room:join', { room_id: roomId });

    const sentAt = new Map<string, number>();
    const fanout: number[] = [];
    const expected = SENDERS * MESSAGES_PER_SENDER * LISTENERS;
    let delivered = 0;
    const allDelivered = new Promise<void>((resolve) => {
      for (const l of listeners) {
        l.on('message:new', (m) => {
          const start = m.client_id ? sentAt.get(m.client_id) : undefined;
          if (start !== undefined) fanout.push(performance.now() - start);
          if (++delivered === expected) resolve();
        });
      }
    });

    const memoryBefore = process.memoryUsage();
    const acks: number[] = [];
    const started = performance.now();
    await Promise.all(
      senders.map(async (s, i) => {
        for (let n = 0; n < MESSAGES_PER_SENDER && Date.now() < deadline; n++) {
          const clientId = `s${i}-${n}`;
          const t0 = performance.now();
          sentAt.set(clientId, t0);
          const ack = await s.emitWithAck('message:send', {
            room_id: roomId,
            content: `bench ${n}`,
            client_id: clientId,
          });
          if (!ack.ok) throw new Error(`send failed: ${ack.error.code}`);
          acks.push(performance.now() - t0);
        }
      }),
    );
    const elapsedMs = performance.now() - started;
    await Promise.race([
      allDelivered,
      new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()))),
    ]);
    const memoryAfter = process.memoryUsage();

    const report = {
      node: process.version,
      senders: SENDERS,
      listeners: LISTENERS,
      messages: acks.length,
      throughput_msgs_per_s: Math.round((acks.length / elapsedMs) * 1000),
      ack_latency_ms: summary(acks),
      fanout_latency_ms: summary(fanout),
      deliveries: { expected, received: delivered },
      rss_mb: { before: mb(memoryBefore.rss), after: mb(memoryAfter.rss) },
      heap_used_mb: { before: mb(memoryBefore.heapUsed), after: mb(memoryAfter.heapUsed) },
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    for (const s of [owner, ...senders, ...listeners]) s.disconnect();
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
