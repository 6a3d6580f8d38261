import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * bench/search-results.json: what `bench/search/run.ts` measured, one entry per store (a run of
 * one store replaces only its own entry). The Search section of RESULTS.md renders from it.
 */
const latency = z.object({
  count: z.number(),
  p50: z.number().nullable(),
  p95: z.number().nullable(),
  p99: z.number().nullable(),
  max: z.number().nullable(),
  mean: z.number().nullable(),
  hitsMedian: z.number().nullable(),
});

const classFigures = latency.extend({
  cls: z.string(),
  scope: z.enum(['all', 'room']),
  slowest: z.object({ q: z.string(), roomId: z.string().nullable(), ms: z.number() }).nullable(),
});

const sizeRow = z.object({ name: z.string(), bytes: z.number() });

export const searchRunSchema = z.object({
  store: z.enum(['sqlite', 'postgres']),
  generatedAt: z.string(),
  revision: z.string(),
  machine: z.object({
    cores: z.number(),
    model: z.string(),
    ramGb: z.number(),
    node: z.string(),
    kernel: z.string(),
    loadAverageAtStart: z.array(z.number()),
  }),
  loadAverageAtEnd: z.array(z.number()),
  wallSeconds: z.number(),
  /** Knobs that changed what was measured; empty for the reference run. */
  knobs: z.record(z.string(), z.string()),
  engine: z.string(),
  corpus: z.object({
    messages: z.number(),
    live: z.number(),
    deleted: z.number(),
    meanWords: z.number(),
    vocabulary: z.number(),
    rooms: z.number(),
    privateRooms: z.number(),
    busiestRoomMessages: z.number(),
    users: z.number(),
    memberships: z.number(),
    viewers: z.number(),
    viewerRooms: z.number(),
    viewerPrivateRoomsMean: z.number(),
    /** Messages (live) holding a word of each pool: [fewest, most]. */
    poolFrequency: z.record(z.string(), z.tuple([z.number(), z.number()])),
    seed: z.number(),
  }),
  seedSeconds: z.number(),
  databaseBytes: z.number(),
  indexBytes: z.number(),
  /** PostgreSQL: the stored tsvector column inside the rows (not in indexBytes). */
  columnBytes: z.number().nullable(),
  largest: z.array(sizeRow),
  warmup: z.object({ queries: z.number(), seconds: z.number() }),
  measured: z.object({ planned: z.number(), count: z.number(), seconds: z.number(), skipped: z.number() }),
  overall: latency,
  byClass: z.array(classFigures),
});
export type SearchRun = z.infer<typeof searchRunSchema>;

export const searchResultsSchema = z.object({
  runs: z.object({ sqlite: searchRunSchema.optional(), postgres: searchRunSchema.optional() }),
});
export type SearchResults = z.infer<typeof searchResultsSchema>;

export function readSearchResults(file: string): SearchResults | null {
  if (!existsSync(file)) return null;
  return searchResultsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}
