import path from 'node:path';
import { z } from 'zod';

export const STORES = ['sqlite', 'postgres-redis'] as const;
export type StoreKind = (typeof STORES)[number];

const int = (fallback: number, min = 1) => z.coerce.number().int().min(min).default(fallback);
const rate = (fallback: number) => z.coerce.number().min(0).default(fallback);

/**
 * Knobs of `npm run soak`; the defaults are the reference run whose figures go into
 * bench/RESULTS.md. Rates are totals over all clients: at the defaults each of the 2,000 clients
 * sends a message every 20 s, types every 40 s, reacts every 100 s, reconnects about every 200 s
 * and joins or leaves a lobby every 400 s, so per-user budgets are never the limit.
 */
const knobsSchema = z.object({
  SOAK_CLIENTS: int(2000, 20),
  SOAK_MINUTES: z.coerce.number().positive().max(120).default(5),
  /** Excluded from the slopes (default: a fifth of the run, at most 60 s). */
  SOAK_WARMUP_SECONDS: z.coerce.number().min(0).optional(),
  SOAK_STORES: z
    .string()
    .default(STORES.join(','))
    .transform((value, ctx) => {
      const wanted = value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = wanted.filter((s) => !(STORES as readonly string[]).includes(s));
      if (unknown.length > 0 || wanted.length === 0)
        ctx.addIssue({ code: 'custom', message: `expected some of ${STORES.join(',')}, got ${value}` });
      return [...new Set(wanted)] as StoreKind[];
    }),
  SOAK_SENDS_PER_SECOND: rate(100),
  SOAK_TYPING_PER_SECOND: rate(50),
  SOAK_REACTIONS_PER_SECOND: rate(20),
  SOAK_RECONNECTS_PER_SECOND: rate(10),
  /** Lobby joins plus leaves per second. */
  SOAK_MOVES_PER_SECOND: rate(5),
  /** Members of each home room (every client is in one, for the whole run). */
  SOAK_ROOM_SIZE: int(10, 2),
  /** Clients per lobby room (the rooms clients join and leave). */
  SOAK_CLIENTS_PER_LOBBY: int(100, 2),
  SOAK_GENERATORS: int(2),
  SOAK_SAMPLE_SECONDS: z.coerce.number().min(1).default(5),
  /** 1: use the existing dist/ instead of running `npm run build`. */
  SOAK_SKIP_BUILD: z.enum(['0', '1']).default('0'),
  /** Extra chat-service settings, `NAME=value,NAME=value`. */
  SOAK_CHAT_ENV: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const env: Record<string, string> = {};
      for (const pair of value.split(',').map((p) => p.trim())) {
        if (!pair) continue;
        const at = pair.indexOf('=');
        if (at <= 0) ctx.addIssue({ code: 'custom', message: `${pair} is not NAME=value` });
        else env[pair.slice(0, at)] = pair.slice(at + 1);
      }
      return env;
    }),
  SOAK_POSTGRES_URL: z.string().default('postgres://postgres@127.0.0.1:5432/test'),
  SOAK_REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  /** Where soak-results.json is written and RESULTS.md re-rendered (default bench/). */
  SOAK_OUT_DIR: z.string().optional(),
});

export interface SoakRates {
  sends: number;
  typing: number;
  reactions: number;
  reconnects: number;
  moves: number;
}

export interface SoakConfig {
  clients: number;
  durationMs: number;
  warmupMs: number;
  stores: StoreKind[];
  rates: SoakRates;
  roomSize: number;
  clientsPerLobby: number;
  generators: number;
  sampleMs: number;
  skipBuild: boolean;
  chatEnv: Record<string, string>;
  postgresUrl: string;
  redisUrl: string;
  chatDir: string;
  benchDir: string;
  outDir: string;
  /** The knobs given (printed at start and kept with the results). */
  knobs: Record<string, string>;
}

/** Knobs that say where the run happens, not what it measures. */
const NEUTRAL_KNOBS = new Set([
  'SOAK_SKIP_BUILD',
  'SOAK_OUT_DIR',
  'SOAK_STORES',
  'SOAK_POSTGRES_URL',
  'SOAK_REDIS_URL',
]);

export function loadSoakConfig(env: NodeJS.ProcessEnv, benchDir: string): SoakConfig {
  const given = Object.fromEntries(
    Object.entries(env).filter(
      (e): e is [string, string] => e[0].startsWith('SOAK_') && e[1] !== undefined && e[1] !== '',
    ),
  );
  const parsed = knobsSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid soak settings:\n${lines.join('\n')}`);
  }
  const k = parsed.data;
  const durationMs = k.SOAK_MINUTES * 60_000;
  return {
    clients: k.SOAK_CLIENTS,
    durationMs,
    warmupMs:
      k.SOAK_WARMUP_SECONDS !== undefined
        ? Math.min(k.SOAK_WARMUP_SECONDS * 1000, durationMs / 2)
        : Math.min(60_000, durationMs / 5),
    stores: k.SOAK_STORES,
    rates: {
      sends: k.SOAK_SENDS_PER_SECOND,
      typing: k.SOAK_TYPING_PER_SECOND,
      reactions: k.SOAK_REACTIONS_PER_SECOND,
      reconnects: k.SOAK_RECONNECTS_PER_SECOND,
      moves: k.SOAK_MOVES_PER_SECOND,
    },
    roomSize: k.SOAK_ROOM_SIZE,
    clientsPerLobby: k.SOAK_CLIENTS_PER_LOBBY,
    generators: k.SOAK_GENERATORS,
    sampleMs: k.SOAK_SAMPLE_SECONDS * 1000,
    skipBuild: k.SOAK_SKIP_BUILD === '1',
    chatEnv: k.SOAK_CHAT_ENV,
    postgresUrl: k.SOAK_POSTGRES_URL,
    redisUrl: k.SOAK_REDIS_URL,
    chatDir: path.resolve(benchDir, '..'),
    benchDir,
    outDir: path.resolve(k.SOAK_OUT_DIR ?? benchDir),
    knobs: given,
  };
}

/**
 * The reference run: at least the default clients and minutes, default rates and shape. Fewer
 * clients or minutes, or another mix, are marked partial in RESULTS.md.
 */
export function isReferenceRun(config: SoakConfig): boolean {
  return Object.entries(config.knobs).every(([name, value]) => {
    if (NEUTRAL_KNOBS.has(name)) return true;
    if (name === 'SOAK_CLIENTS') return Number(value) >= 2000;
    if (name === 'SOAK_MINUTES') return Number(value) >= 5;
    return false;
  });
}

/** The settings as printed at start and stored with the results. */
export function describeSettings(config: SoakConfig): Record<string, number | string> {
  return {
    clients: config.clients,
    minutes: config.durationMs / 60_000,
    warmupSeconds: config.warmupMs / 1000,
    sendsPerSecond: config.rates.sends,
    typingPerSecond: config.rates.typing,
    reactionsPerSecond: config.rates.reactions,
    reconnectsPerSecond: config.rates.reconnects,
    movesPerSecond: config.rates.moves,
    roomSize: config.roomSize,
    clientsPerLobby: config.clientsPerLobby,
    generators: config.generators,
    sampleSeconds: config.sampleMs / 1000,
    chatEnv: Object.entries(config.chatEnv)
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  };
}
