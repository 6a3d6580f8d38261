import path from 'node:path';
import { z } from 'zod';

/** The scenarios of issue 11: (e) is measured while the (a) rounds fill their room. */
export const SCENARIOS = ['a', 'b', 'c', 'd', 'e', 'f'] as const;
export type Scenario = (typeof SCENARIOS)[number];

const int = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);

/**
 * Knobs for quicker local runs; the defaults are the full run that writes the reference
 * bench/RESULTS.md. Anything else in the environment is ignored.
 */
const knobsSchema = z.object({
  /** Rounds per server (bare, chat, bare, chat, …); medians need 3. */
  BENCH_ROUNDS: int(3),
  /** Comma-separated subset of a,b,c,d,e,f. */
  BENCH_SCENARIOS: z
    .string()
    .default(SCENARIOS.join(','))
    .transform((value, ctx) => {
      const wanted = value
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean);
      const unknown = wanted.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
      if (unknown.length > 0)
        ctx.addIssue({ code: 'custom', message: `unknown scenarios ${unknown.join(',')}` });
      return new Set(wanted as Scenario[]);
    }),
  /** Load generator processes. */
  BENCH_GENERATORS: int(2),
  /** How long each step of a rate ladder sends (ms). */
  BENCH_STEP_MS: int(2000, 200),
  /** How long after a step's last send its acks and deliveries may still arrive (ms). */
  BENCH_DRAIN_MS: int(1000, 100),
  BENCH_FANOUT_CLIENTS: int(1000, 2),
  BENCH_ROOMS: int(50),
  BENCH_ROOM_SIZE: int(10, 2),
  BENCH_IDLE_CONNECTIONS: int(5000),
  BENCH_HISTORY_MESSAGES: int(1_000_000, 2000),
  BENCH_HISTORY_REQUESTS: int(300),
  /** The checkout whose chat-service is built and measured (default: this one). */
  BENCH_CHAT_DIR: z.string().optional(),
  /** 1: use the checkout's existing dist/ instead of running `npm run build`. */
  BENCH_SKIP_BUILD: z.enum(['0', '1']).default('0'),
  /** Extra chat-service settings, `NAME=value,NAME=value` (e.g. STORE_WRITE_WINDOW_MS=2). */
  BENCH_CHAT_ENV: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const pairs = value
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      const env: Record<string, string> = {};
      for (const pair of pairs) {
        const at = pair.indexOf('=');
        if (at <= 0) ctx.addIssue({ code: 'custom', message: `${pair} is not NAME=value` });
        else env[pair.slice(0, at)] = pair.slice(at + 1);
      }
      return env;
    }),
  /** Where scenario (f) creates (and drops) its database; needs CREATE DATABASE rights. */
  BENCH_POSTGRES_URL: z.string().default('postgres://postgres@127.0.0.1:5432/test'),
  BENCH_REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** Whole-run budget in minutes: scenarios that would start after it are skipped (and reported). */
  BENCH_TIME_LIMIT_MIN: z.coerce.number().positive().default(14),
  /** Where RESULTS.md and results.json are written. */
  BENCH_OUT_DIR: z.string().optional(),
  /** 1: measure nothing; regenerate RESULTS.md from the results.json already there (after editing the prose). */
  BENCH_RENDER_ONLY: z.enum(['0', '1']).default('0'),
});

export interface BenchConfig {
  rounds: number;
  scenarios: Set<Scenario>;
  generators: number;
  stepMs: number;
  drainMs: number;
  fanoutClients: number;
  rooms: number;
  roomSize: number;
  idleConnections: number;
  historyMessages: number;
  historyRequests: number;
  chatDir: string;
  benchDir: string;
  skipBuild: boolean;
  chatEnv: Record<string, string>;
  postgresUrl: string;
  redisUrl: string;
  timeLimitMs: number;
  outDir: string;
  renderOnly: boolean;
  /** The knobs that differ from the full run (printed in RESULTS.md). */
  changedKnobs: Record<string, string>;
}

export function loadBenchConfig(env: NodeJS.ProcessEnv, benchDir: string): BenchConfig {
  const given = Object.fromEntries(
    Object.entries(env).filter(([name, value]) => name.startsWith('BENCH_') && value !== ''),
  );
  const parsed = knobsSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid bench settings:\n${lines.join('\n')}`);
  }
  const k = parsed.data;
  const repoDir = path.resolve(benchDir, '..');
  return {
    rounds: k.BENCH_ROUNDS,
    scenarios: k.BENCH_SCENARIOS,
    generators: k.BENCH_GENERATORS,
    stepMs: k.BENCH_STEP_MS,
    drainMs: k.BENCH_DRAIN_MS,
    fanoutClients: k.BENCH_FANOUT_CLIENTS,
    rooms: k.BENCH_ROOMS,
    roomSize: k.BENCH_ROOM_SIZE,
    idleConnections: k.BENCH_IDLE_CONNECTIONS,
    historyMessages: k.BENCH_HISTORY_MESSAGES,
    historyRequests: k.BENCH_HISTORY_REQUESTS,
    chatDir: path.resolve(k.BENCH_CHAT_DIR ?? repoDir),
    benchDir,
    skipBuild: k.BENCH_SKIP_BUILD === '1',
    chatEnv: k.BENCH_CHAT_ENV,
    postgresUrl: k.BENCH_POSTGRES_URL,
    redisUrl: k.BENCH_REDIS_URL,
    timeLimitMs: k.BENCH_TIME_LIMIT_MIN * 60_000,
    outDir: path.resolve(k.BENCH_OUT_DIR ?? benchDir),
    renderOnly: k.BENCH_RENDER_ONLY === '1',
    changedKnobs: given as Record<string, string>,
  };
}
