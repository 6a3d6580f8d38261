import path from 'node:path';
import { z } from 'zod';

/**
 * Knobs of `bench/search/run.ts` (environment variables, all optional). The defaults are the
 * reference run RESULTS.md reports; any other value is printed with the results.
 */
const knobsSchema = z.object({
  SEARCH_MESSAGES: z.coerce.number().int().min(1000).default(1_000_000),
  SEARCH_ROOMS: z.coerce.number().int().min(10).default(300),
  SEARCH_USERS: z.coerce.number().int().min(100).default(5_000),
  /** Measured queries per store, after the warm-up. */
  SEARCH_QUERIES: z.coerce.number().int().min(10).default(2_000),
  SEARCH_WARMUP_QUERIES: z.coerce.number().int().min(0).default(300),
  /** The measurement stops here, whatever is left of the queries (the count measured is reported). */
  SEARCH_MEASURE_SECONDS: z.coerce.number().positive().default(180),
  /** Everything random (corpus, memberships, queries) comes from this seed. */
  SEARCH_SEED: z.coerce.number().int().default(14),
  SEARCH_STORES: z
    .string()
    .default('sqlite,postgres')
    .transform((s) => s.split(',').map((x) => x.trim()))
    .pipe(z.array(z.enum(['sqlite', 'postgres'])).min(1)),
  SEARCH_POSTGRES_URL: z.string().default('postgres://postgres@127.0.0.1:5432/test'),
  /** Where search-results.json is written and RESULTS.md updated (default bench/). */
  SEARCH_OUT_DIR: z.string().optional(),
  /** 1: keep the SQLite file and the PostgreSQL database (their places are printed) to look into. */
  SEARCH_KEEP: z.enum(['0', '1']).default('0'),
  /** 1: measure nothing, re-render the Search section of RESULTS.md from search-results.json. */
  SEARCH_RENDER_ONLY: z.enum(['0', '1']).default('0'),
});

export type SearchStoreKind = 'sqlite' | 'postgres';

export interface SearchBenchConfig {
  messages: number;
  rooms: number;
  users: number;
  queries: number;
  warmupQueries: number;
  measureMs: number;
  seed: number;
  stores: SearchStoreKind[];
  postgresUrl: string;
  outDir: string;
  keep: boolean;
  /** The knobs given that change what is measured (empty for the reference run). */
  knobs: Record<string, string>;
}

/** Knobs that say where the run happens, not what it measures. */
const NEUTRAL = new Set([
  'SEARCH_STORES',
  'SEARCH_POSTGRES_URL',
  'SEARCH_OUT_DIR',
  'SEARCH_KEEP',
  'SEARCH_RENDER_ONLY',
]);

export function loadSearchConfig(env: NodeJS.ProcessEnv, benchDir: string): SearchBenchConfig {
  const given = Object.fromEntries(
    Object.entries(env).filter(
      (e): e is [string, string] => e[0].startsWith('SEARCH_') && e[1] !== undefined && e[1] !== '',
    ),
  );
  const parsed = knobsSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid search bench settings:\n${lines.join('\n')}`);
  }
  const k = parsed.data;
  return {
    messages: k.SEARCH_MESSAGES,
    rooms: k.SEARCH_ROOMS,
    users: k.SEARCH_USERS,
    queries: k.SEARCH_QUERIES,
    warmupQueries: k.SEARCH_WARMUP_QUERIES,
    measureMs: k.SEARCH_MEASURE_SECONDS * 1000,
    seed: k.SEARCH_SEED,
    stores: k.SEARCH_STORES,
    postgresUrl: k.SEARCH_POSTGRES_URL,
    outDir: k.SEARCH_OUT_DIR ?? benchDir,
    keep: k.SEARCH_KEEP === '1',
    knobs: Object.fromEntries(Object.entries(given).filter(([name]) => !NEUTRAL.has(name))),
  };
}

export const SEARCH_RESULTS_FILE = 'search-results.json';
export const resultsPath = (config: SearchBenchConfig): string =>
  path.join(config.outDir, SEARCH_RESULTS_FILE);
