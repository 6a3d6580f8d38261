import { randomBytes } from 'node:crypto';
import { monotonicMs } from '../load/clock';
import { Histogram } from '../load/histogram';
import { sumCpuMs } from '../proc';
import type { HistoryCheck, ServerDuration, TimelinePoint } from '../report/soak';
import type { ServerProcess } from '../servers';
import { checkHistory } from './audit';
import type { SoakConfig, StoreKind } from './config';
import type { AckedMessage, CommandResult, Counters } from './ipc';
import { metricSum, scrape, type Sample } from './metrics-text';
import { SoakPool } from './pool';
import { Sampler } from './sampler';
import { deploy } from './stores';
import { mergeCounters } from './tally';

/** Everything one configuration's soak collected, before it is summarized. */
export interface SoakRaw {
  store: StoreKind;
  nodes: number;
  loadSeconds: number;
  timeline: TimelinePoint[];
  /** Generator counters when the load started (after the setup) and after the settle. */
  countersAtStart: Counters;
  counters: Counters;
  ackLatency: Histogram;
  generatorCpuMs: number;
  /** `chat_events_total` at the end, summed over nodes: `event outcome` → count. */
  serverEvents: Record<string, number>;
  /** `chat_event_duration_seconds` at the end, summed over nodes, per event. */
  serverDurations: Record<string, ServerDuration>;
  /** Share of the machine's CPU other processes used during the load. */
  foreignCpuShare: number | null;
  /** `chat_messages_stored_total` at the end, summed over nodes (new messages, not client_id repeats). */
  messagesStored: number | null;
  history: HistoryCheck | null;
  /** What went wrong outside the counters: a crash, a setup or settle failure. */
  failures: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const httpOf = (server: ServerProcess): string => server.origin.replace(/^ws:/, 'http:');

function crashes(servers: readonly ServerProcess[]): string[] {
  return servers.flatMap((s, i) => {
    const crash = s.crashed();
    return crash ? [`node ${i + 1} (pid ${s.pid}) crashed: ${crash.slice(-600)}`] : [];
  });
}

/**
 * How long the nodes took to answer each event, from receipt to ack, as their own histogram says
 * (a request the soak timed out on shows here whether the time went in the server or before it).
 */
function serverDurations(samples: readonly Sample[]): Record<string, ServerDuration> {
  const byEvent: Record<string, ServerDuration> = {};
  const entry = (event: string): ServerDuration =>
    (byEvent[event] ??= { count: 0, meanMs: 0, over1s: 0, over10s: 0 });
  const sums: Record<string, number> = {};
  for (const s of samples) {
    const event = s.labels.event;
    if (!event) continue;
    if (s.name === 'chat_event_duration_seconds_count') entry(event).count += s.value;
    else if (s.name === 'chat_event_duration_seconds_sum') sums[event] = (sums[event] ?? 0) + s.value;
    else if (s.name === 'chat_event_duration_seconds_bucket' && s.labels.le === '1')
      entry(event).over1s -= s.value;
    else if (s.name === 'chat_event_duration_seconds_bucket' && s.labels.le === '10')
      entry(event).over10s -= s.value;
  }
  for (const [event, d] of Object.entries(byEvent)) {
    d.over1s += d.count;
    d.over10s += d.count;
    d.meanMs = d.count > 0 ? Math.round(((sums[event] ?? 0) / d.count) * 1e6) / 1e3 : 0;
  }
  return byEvent;
}

/** Connects every client (client i on node i % nodes), creates the rooms, joins every member. */
async function setUp(
  config: SoakConfig,
  pool: SoakPool,
  origins: string[],
  secret: string,
  log: (line: string) => void,
): Promise<{ homes: string[]; lobbies: string[] }> {
  const connected = await pool.all((g) => ({
    type: 'connect',
    origins,
    secret,
    clients: Array.from({ length: config.clients }, (_, i) => i)
      .filter((i) => pool.generatorOf(i) === g)
      .map((i) => ({ index: i, userId: `soak${i}`, origin: i % origins.length })),
    concurrency: 50,
    timeoutMs: 30_000,
  }));
  const failed = connected.reduce((s, r) => s + r.failed, 0);
  if (failed > 0)
    throw new Error(
      `${failed} clients failed to connect: ${connected.find((r) => r.firstError)?.firstError}`,
    );
  const homeCount = Math.ceil(config.clients / config.roomSize);
  const lobbyCount = Math.max(1, Math.floor(config.clients / config.clientsPerLobby));
  // A creator per room, each creating one (the per-user room budget is 10 a minute).
  const create = (client: number, name: string): Promise<string> =>
    pool.call(pool.generatorOf(client), { type: 'createRoom', client, name }).then((r) => r.roomId);
  const homes = await Promise.all(
    Array.from({ length: homeCount }, (_, r) => create(r * config.roomSize, `home ${r}`)),
  );
  const lobbies = await Promise.all(
    Array.from({ length: lobbyCount }, (_, l) =>
      create((l * config.roomSize + 1) % config.clients, `lobby ${l}`),
    ),
  );
  const joined = await pool.all((g) => ({
    type: 'join',
    joins: Array.from({ length: config.clients }, (_, i) => i)
      .filter((i) => pool.generatorOf(i) === g)
      .flatMap((i) => [
        { client: i, roomId: homes[Math.floor(i / config.roomSize)] ?? '', home: true },
        // Every other client starts in a lobby, so joins and leaves balance from the start and
        // lobby membership does not grow through the run (it would pass for a memory slope).
        ...(i % 2 === 1 ? [{ client: i, roomId: lobbies[i % lobbies.length] ?? '', home: false }] : []),
      ]),
  }));
  const joinFailed = joined.reduce((s, r) => s + r.failed, 0);
  if (joinFailed > 0)
    throw new Error(`${joinFailed} joins failed: ${joined.find((r) => r.firstError)?.firstError}`);
  log(
    `${config.clients} clients connected; ${homeCount} home rooms of ${config.roomSize}, ` +
      `${lobbyCount} lobbies holding half the clients`,
  );
  return { homes, lobbies };
}

/**
 * One configuration: deploy, connect and set up, run the mixed load for SOAK_MINUTES while
 * sampling every node, settle, read back every room's history, tear everything down.
 */
export async function soakOne(
  config: SoakConfig,
  store: StoreKind,
  generatorScript: string,
  log: (line: string) => void,
): Promise<SoakRaw> {
  const secret = randomBytes(32).toString('base64url');
  const failures: string[] = [];
  const deployment = await deploy(config, store, secret);
  const servers = deployment.servers;
  const origins = servers.map((s) => s.origin);
  const pool = SoakPool.start(generatorScript, config.generators);
  const raw: SoakRaw = {
    store,
    nodes: servers.length,
    loadSeconds: 0,
    timeline: [],
    countersAtStart: mergeCounters([]),
    counters: mergeCounters([]),
    ackLatency: new Histogram(),
    generatorCpuMs: 0,
    serverEvents: {},
    messagesStored: null,
    serverDurations: {},
    foreignCpuShare: null,
    history: null,
    failures,
  };
  try {
    const { homes, lobbies } = await setUp(config, pool, origins, secret, log);
    const sampler = new Sampler(
      servers.map((s) => ({ pid: s.pid, http: httpOf(s) })),
      pool,
      store !== 'sqlite',
    );
    raw.timeline = sampler.points;
    await sampler.begin();
    raw.countersAtStart = sampler.counters ?? raw.countersAtStart;
    const generatorCpuAtStart = sumCpuMs(pool.pids);
    const startedAt = monotonicMs();
    await pool.all(() => ({
      type: 'start',
      lobbies,
      rates: {
        sends: config.rates.sends / pool.size,
        typing: config.rates.typing / pool.size,
        reactions: config.rates.reactions / pool.size,
        reconnects: config.rates.reconnects / pool.size,
        moves: config.rates.moves / pool.size,
      },
    }));
    let nextSample = startedAt + config.sampleMs;
    let nextLog = startedAt + 30_000;
    while (monotonicMs() < startedAt + config.durationMs) {
      await sleep(Math.max(0, Math.min(nextSample, startedAt + config.durationMs) - monotonicMs()));
      if (monotonicMs() < nextSample) continue;
      nextSample += config.sampleMs;
      const point = await sampler.take();
      const crashed = crashes(servers);
      if (crashed.length > 0) {
        failures.push(...crashed);
        break;
      }
      if (monotonicMs() >= nextLog) {
        nextLog += 30_000;
        log(
          `${store} ${point.t.toFixed(0)} s: ${point.connected} connected, ${point.sendsPerSecond.toFixed(0)} sends/s, ` +
            point.nodes
              .map(
                (n, i) =>
                  `node ${i + 1} RSS ${n.rssMb.toFixed(0)} MB ELD p99 ${n.eldP99Ms?.toFixed(1) ?? '?'} ms`,
              )
              .join(', '),
        );
      }
    }
    raw.loadSeconds = (monotonicMs() - startedAt) / 1000;
    raw.generatorCpuMs = sumCpuMs(pool.pids) - generatorCpuAtStart;
    raw.foreignCpuShare = sampler.foreignCpuShare();
    const finished: CommandResult<'finish'>[] = await pool.all(() => ({
      type: 'finish',
      timeoutMs: 120_000,
    }));
    raw.counters = mergeCounters(finished.map((f) => f.counters));
    for (const f of finished) raw.ackLatency.merge(Histogram.fromSparse(f.ackLatency));
    failures.push(...crashes(servers));
    const metrics = await Promise.all(servers.map((s) => scrape(httpOf(s))));
    for (const m of metrics) {
      for (const s of m) {
        if (s.name !== 'chat_events_total') continue;
        const key = `${s.labels.event ?? '?'} ${s.labels.outcome ?? '?'}`;
        raw.serverEvents[key] = (raw.serverEvents[key] ?? 0) + s.value;
      }
    }
    raw.serverDurations = serverDurations(metrics.flat());
    raw.messagesStored = metrics
      .map((m) => metricSum(m, 'chat_messages_stored_total') ?? 0)
      .reduce((a, b) => a + b, 0);
    const acked: AckedMessage[] = finished.flatMap((f) => f.acked);
    const unacked = finished.flatMap((f) => f.unacked);
    log(
      `${store}: load done (${raw.loadSeconds.toFixed(0)} s); reading back ${homes.length + lobbies.length} rooms`,
    );
    raw.history = await checkHistory(servers.map(httpOf), [...homes, ...lobbies], acked, unacked, secret);
  } catch (err) {
    failures.push(err instanceof Error ? (err.stack ?? err.message) : String(err));
    failures.push(...crashes(servers));
  } finally {
    await pool.all(() => ({ type: 'closeAll' })).catch(() => undefined);
    await pool.stop();
    await deployment.dispose();
  }
  return raw;
}
