import { monotonicMs } from './load/clock';
import type { GeneratorPool } from './load/generator-pool';
import { Histogram } from './load/histogram';
import { sumCpuMs } from './proc';

/** What every scenario round works with. */
export interface Workload {
  pool: GeneratorPool;
  secret: string;
  stepMs: number;
  drainMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens `count` clients, client i as user `userId(i)` on `origins[i % origins.length]`. */
export async function connectClients(
  w: Workload,
  origins: readonly string[],
  count: number,
  userId: (i: number) => string,
  concurrencyPerGenerator = 50,
): Promise<void> {
  const results = await w.pool.all((g) => ({
    type: 'connect',
    origins: [...origins],
    secret: w.secret,
    clients: Array.from({ length: count }, (_, i) => i)
      .filter((i) => w.pool.generatorOf(i) === g)
      .map((i) => ({ index: i, userId: userId(i), origin: i % origins.length })),
    concurrency: concurrencyPerGenerator,
    timeoutMs: 30_000,
  }));
  const failed = results.reduce((sum, r) => sum + r.failed, 0);
  if (failed > 0) {
    const firstError = results.find((r) => r.firstError)?.firstError;
    throw new Error(`${failed} of ${count} clients failed to connect: ${firstError}`);
  }
}

/** `room:create` from one client; the new room's id. */
export async function createRoom(w: Workload, client: number, name: string): Promise<string> {
  const { ack } = await w.pool.call(w.pool.generatorOf(client), {
    type: 'request',
    client,
    event: 'room:create',
    payload: { name },
    timeoutMs: 30_000,
  });
  const data = typeof ack === 'object' && ack !== null && 'data' in ack ? ack.data : undefined;
  const id = typeof data === 'object' && data !== null && 'id' in data ? data.id : undefined;
  if (typeof id !== 'string') throw new Error(`room:create answered ${JSON.stringify(ack)}`);
  return id;
}

/** `room:join` for every (client, room) pair at once, each from its generator. */
export async function joinRooms(
  w: Workload,
  joins: readonly { client: number; roomId: string }[],
): Promise<void> {
  const results = await w.pool.all((g) => ({
    type: 'requestAll',
    calls: joins
      .filter((j) => w.pool.generatorOf(j.client) === g)
      .map((j) => ({ client: j.client, event: 'room:join', payload: { room_id: j.roomId } })),
    timeoutMs: 120_000,
  }));
  const failed = results.reduce((sum, r) => sum + r.failed, 0);
  if (failed > 0) {
    throw new Error(`${failed} joins failed: ${results.find((r) => r.firstError)?.firstError}`);
  }
}

export interface Activity {
  frames: number;
  bytes: number;
  open: number;
  closed: number;
}

export async function activity(w: Workload): Promise<Activity & { lastFrameAt: number }> {
  const all = await w.pool.all({ type: 'activity' });
  return {
    frames: all.reduce((s, a) => s + a.frames, 0),
    bytes: all.reduce((s, a) => s + a.bytes, 0),
    open: all.reduce((s, a) => s + a.open, 0),
    closed: all.reduce((s, a) => s + a.closed, 0),
    lastFrameAt: Math.max(0, ...all.map((a) => a.lastFrameAt)),
  };
}

/**
 * Waits until no client has received a frame for `quietMs`: the server has finished what the
 * last step (or the fill) gave it. False when it is still busy at the timeout.
 */
export async function waitQuiet(w: Workload, quietMs = 150, timeoutMs = 20_000): Promise<boolean> {
  const deadline = monotonicMs() + timeoutMs;
  for (;;) {
    const { lastFrameAt } = await activity(w);
    if (monotonicMs() - lastFrameAt >= quietMs) return true;
    if (monotonicMs() > deadline) return false;
    await sleep(50);
  }
}

export interface StepSpec {
  /** Sends per second offered, over all senders. */
  rate: number;
  senders: readonly { client: number; roomId: string }[];
  /** Deliveries each acknowledged send must produce (room members, the sender included). */
  deliveriesPerSend: number;
  /** Server processes whose CPU the step is charged. */
  serverPids: readonly number[];
  durationMs?: number;
}

export interface StepResult {
  rate: number;
  sent: number;
  acked: number;
  failed: number;
  errors: Record<string, number>;
  expectedDeliveries: number;
  delivered: number;
  ackP50Ms: number;
  ackP99Ms: number;
  deliveryP50Ms: number;
  deliveryP99Ms: number;
  deliveryMaxMs: number;
  /** How far the generators fell behind their schedule at worst. */
  generatorLagMs: number;
  serverCpuMs: number;
  generatorCpuMs: number;
  wallMs: number;
  /** Whatever else the scenario sampled around the step (Redis, PostgreSQL). */
  external: Record<string, number>;
}

let nextStep = 1;

/** Around each step: read external counters before and after; the difference lands in `external`. */
export type ExternalSampler = () => Promise<Record<string, number>>;

/**
 * One step at a fixed offered rate: waits for quiet, sends for `stepMs` (open loop), then waits
 * for every ack and delivery until `drainMs` past the last send; server CPU covers exactly that.
 */
export async function runStep(w: Workload, spec: StepSpec, external?: ExternalSampler): Promise<StepResult> {
  const step = nextStep++;
  const durationMs = spec.durationMs ?? w.stepMs;
  await waitQuiet(w);
  const externalBefore = external ? await external() : {};
  const cpuBefore = sumCpuMs(spec.serverPids);
  const generatorCpuBefore = sumCpuMs(w.pool.pids);
  const started = monotonicMs();
  const deadline = started + durationMs + w.drainMs;
  const sends = await w.pool.all((g) => {
    const mine = spec.senders.filter((s) => w.pool.generatorOf(s.client) === g);
    if (mine.length === 0) return undefined;
    return {
      type: 'send',
      step,
      durationMs,
      ratePerSecond: (spec.rate * mine.length) / spec.senders.length,
      senders: mine,
      ackTimeoutMs: w.drainMs,
    };
  });
  const acked = sends.reduce((s, r) => s + r.acked, 0);
  const expectedDeliveries = acked * spec.deliveriesPerSend;
  let delivered = 0;
  while (monotonicMs() < deadline) {
    const tallies = await w.pool.all({ type: 'deliveries', step, forget: false });
    delivered = tallies.reduce((s, t) => s + t.count, 0);
    if (delivered >= expectedDeliveries) break;
    await sleep(20);
  }
  const tallies = await w.pool.all({ type: 'deliveries', step, forget: true });
  const serverCpuMs = sumCpuMs(spec.serverPids) - cpuBefore;
  const generatorCpuMs = sumCpuMs(w.pool.pids) - generatorCpuBefore;
  const wallMs = monotonicMs() - started;
  const externalAfter = external ? await external() : {};
  delivered = tallies.reduce((s, t) => s + t.count, 0);

  const ack = new Histogram();
  for (const s of sends) ack.merge(Histogram.fromSparse(s.ackLatency));
  const delivery = new Histogram();
  for (const t of tallies) delivery.merge(Histogram.fromSparse(t.latency));
  const errors: Record<string, number> = {};
  for (const s of sends) {
    for (const [code, count] of Object.entries(s.errors)) errors[code] = (errors[code] ?? 0) + count;
  }
  return {
    rate: spec.rate,
    sent: sends.reduce((s, r) => s + r.sent, 0),
    acked,
    failed: sends.reduce((s, r) => s + r.failed, 0),
    errors,
    expectedDeliveries,
    delivered,
    ackP50Ms: ack.percentile(50),
    ackP99Ms: ack.percentile(99),
    deliveryP50Ms: delivery.percentile(50),
    deliveryP99Ms: delivery.percentile(99),
    deliveryMaxMs: delivery.maxMs,
    generatorLagMs: Math.max(0, ...sends.map((s) => s.maxLagMs)),
    serverCpuMs,
    generatorCpuMs,
    wallMs,
    external: Object.fromEntries(
      Object.entries(externalAfter).map(([key, value]) => [key, value - (externalBefore[key] ?? 0)]),
    ),
  };
}

/** A short step at a low rate before a ladder: JIT, caches and prepared statements warm up. */
export async function warmUp(w: Workload, spec: StepSpec): Promise<void> {
  await runStep(w, { ...spec, durationMs: Math.min(1000, w.stepMs) });
}
