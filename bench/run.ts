/**
 * `npm run bench`: chat-service side by side with a bare Socket.IO server, scenarios (a)-(f) of
 * issue 11, A/B/A/B, writing bench/RESULTS.md and bench/results.json. Loopback only, bounded in
 * count and time (BENCH_TIME_LIMIT_MIN); every process and temporary file it makes is gone when it
 * ends. Knobs for quick runs: see bench/config.ts (BENCH_ROUNDS, BENCH_SCENARIOS, …).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { buildAll } from './build';
import { loadBenchConfig, type BenchConfig, type Scenario } from './config';
import { GeneratorPool } from './load/generator-pool';
import { installExitHandlers, isStopping, runCleanups } from './processes';
import { cpuMsOfProcessesNamed, machineCpuMs, ownTreeCpuMs, sumCpuMs } from './proc';
import { computeCapacity } from './report/capacity';
import { describeMachine } from './report/machine';
import { renderResults } from './report/results-md';
import { summarize, type BenchResults, type SummaryRow } from './report/results';
import { writeFormatted } from './report/write';
import type { BenchContext } from './scenarios/context';
import { runFanout } from './scenarios/fanout';
import { runHistory } from './scenarios/history';
import { runIdle } from './scenarios/idle';
import { runPostgresRedis } from './scenarios/postgres-redis';
import { runSmallRooms } from './scenarios/small-rooms-sqlite';

/** Knobs that change where or how the run happens, not what it measures. */
const NEUTRAL_KNOBS = new Set([
  'BENCH_CHAT_DIR',
  'BENCH_SKIP_BUILD',
  'BENCH_OUT_DIR',
  'BENCH_TIME_LIMIT_MIN',
]);

const startedAt = Date.now();
function log(line: string): void {
  const elapsed = ((Date.now() - startedAt) / 1000).toFixed(0).padStart(4);
  process.stdout.write(`[bench ${elapsed} s] ${line}\n`);
}

function isFullRun(config: BenchConfig): boolean {
  return Object.keys(config.changedKnobs).every((k) => NEUTRAL_KNOBS.has(k));
}

/** CPU of everything that is not the bench (nor the PostgreSQL and Redis it drives). */
function cpuCounters(pool?: GeneratorPool) {
  return {
    machine: machineCpuMs(),
    own: ownTreeCpuMs() + (pool ? sumCpuMs(pool.pids) : 0),
    services: cpuMsOfProcessesNamed('postgres') + cpuMsOfProcessesNamed('redis-server'),
  };
}

/** Summary, capacity and both files, from the raw results. */
async function writeResults(outDir: string, results: BenchResults): Promise<SummaryRow[]> {
  const rows = summarize(results);
  const capacity = computeCapacity(results);
  await writeFormatted(
    path.join(outDir, 'results.json'),
    JSON.stringify({ ...results, summary: rows, capacity }, null, 2),
  );
  await writeFormatted(path.join(outDir, 'RESULTS.md'), renderResults(results, rows, capacity));
  log(`wrote ${path.join(outDir, 'RESULTS.md')} and results.json`);
  return rows;
}

/** Our own results.json, read back: the raw part is what RESULTS.md is rendered from. */
const storedResults = z
  .object({
    generatedAt: z.string(),
    machine: z.object({}).passthrough(),
    scenarios: z.object({}).passthrough(),
  })
  .passthrough();

async function main(): Promise<void> {
  installExitHandlers();
  const config = loadBenchConfig(process.env, __dirname);
  if (config.renderOnly) {
    const raw: unknown = JSON.parse(readFileSync(path.join(config.outDir, 'results.json'), 'utf8'));
    await writeResults(config.outDir, storedResults.parse(raw) as unknown as BenchResults);
    return;
  }
  const machine = describeMachine();
  const cpuAtStart = cpuCounters();
  log(
    `${machine.cores} × ${machine.model}, Node.js ${machine.node}; scenarios ${[...config.scenarios].join(',')}`,
  );
  const scripts = await buildAll(config, log);
  const pool = GeneratorPool.start(scripts.generator, config.generators);
  const ctx: BenchContext = {
    config,
    workload: {
      pool,
      secret: randomBytes(32).toString('base64url'),
      stepMs: config.stepMs,
      drainMs: config.drainMs,
    },
    bareScript: scripts.bareServer,
    log,
  };
  const results: BenchResults = {
    generatedAt: new Date().toISOString(),
    wallSeconds: 0,
    fullRun: isFullRun(config),
    knobs: config.changedKnobs,
    settings: {
      rounds: config.rounds,
      generators: config.generators,
      stepMs: config.stepMs,
      drainMs: config.drainMs,
      fanoutClients: config.fanoutClients,
      rooms: config.rooms,
      roomSize: config.roomSize,
      idleConnections: config.idleConnections,
      historyMessages: config.historyMessages,
      historyRequests: config.historyRequests,
      chatEnv: Object.entries(config.chatEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    },
    machine,
    foreignCpuShare: null,
    scenarios: {},
    errors: {},
    skipped: [],
  };
  const want = (...s: Scenario[]): boolean => s.some((x) => config.scenarios.has(x));
  const plan: [string, boolean, () => Promise<void>][] = [
    [
      'a/e fan-out and fill',
      want('a', 'e'),
      async () => {
        results.scenarios.fanout = await runFanout(ctx, want('a'));
      },
    ],
    [
      'b small rooms',
      want('b'),
      async () => {
        results.scenarios.smallRooms = await runSmallRooms(ctx);
      },
    ],
    [
      'c idle connections',
      want('c'),
      async () => {
        results.scenarios.idle = await runIdle(ctx);
      },
    ],
    [
      'd history',
      want('d'),
      async () => {
        results.scenarios.history = await runHistory(ctx);
      },
    ],
    [
      'f PostgreSQL + Redis',
      want('f'),
      async () => {
        results.scenarios.postgresRedis = await runPostgresRedis(ctx);
      },
    ],
  ];
  try {
    for (const [name, wanted, run] of plan) {
      if (!wanted) continue;
      if (Date.now() - startedAt > config.timeLimitMs) {
        results.skipped.push(name);
        log(`${name}: skipped, over the ${config.timeLimitMs / 60_000} min budget`);
        continue;
      }
      log(`${name}: start`);
      try {
        await run();
      } catch (err) {
        results.errors[name] = err instanceof Error ? (err.stack ?? err.message) : String(err);
        log(`${name}: FAILED ${results.errors[name]}`);
        await pool.all({ type: 'closeAll' }).catch(() => undefined);
      }
    }
  } finally {
    const cpuAtEnd = cpuCounters(pool);
    pool.stop();
    await runCleanups();
    const machineMs = cpuAtEnd.machine.total - cpuAtStart.machine.total;
    const foreign =
      cpuAtEnd.machine.busy -
      cpuAtStart.machine.busy -
      (cpuAtEnd.own - cpuAtStart.own) -
      (cpuAtEnd.services - cpuAtStart.services);
    results.foreignCpuShare = machineMs > 0 ? Math.max(0, foreign / machineMs) : null;
    results.wallSeconds = (Date.now() - startedAt) / 1000;
  }
  // An interrupted run leaves the previous results in place.
  if (isStopping()) return;
  const rows = await writeResults(config.outDir, results);
  for (const r of rows) {
    log(
      `(${r.scenario}) ${r.metric}: bare ${r.bare?.toFixed(2) ?? '—'} chat ${r.chat?.toFixed(2) ?? '—'} ${r.unit}` +
        ` ratio ${r.ratio?.toFixed(2) ?? '—'} met ${r.met ?? '—'}`,
    );
  }
  if (Object.keys(results.errors).length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
