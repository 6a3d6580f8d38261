import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * bench/soak-results.json: what `npm run soak` measured, one entry per storage configuration (a
 * run of one configuration replaces only its own entry). RESULTS.md renders its Soak section from
 * it, so `npm run bench` and `npm run soak` never overwrite each other's figures.
 */
const counts = z.record(z.string(), z.number());
const nullableNumber = z.number().nullable();

const machineSchema = z.object({
  cores: z.number(),
  model: z.string(),
  ramGb: z.number(),
  node: z.string(),
  kernel: z.string(),
  loadAverageAtStart: z.array(z.number()),
});

export const soakNodeSchema = z.object({
  rssStartMb: z.number(),
  rssEndMb: z.number(),
  rssMaxMb: z.number(),
  rssMeanMb: z.number(),
  /** Least squares over the samples after the warm-up, MB per minute. */
  rssSlopeMbPerMin: nullableNumber,
  /**
   * V8 heap used is a sawtooth (it climbs until a major GC), so what is live is its floor: the
   * lowest sample of each minute after the warm-up. First and last minute, and the slope.
   */
  heapFloorFirstMb: nullableNumber,
  heapFloorLastMb: nullableNumber,
  heapFloorSlopeMbPerMin: nullableNumber,
  /** V8 heap committed, memory outside the V8 heap that V8 knows of, libuv handles: first and last sample. */
  heapTotalFirstMb: nullableNumber,
  heapTotalLastMb: nullableNumber,
  externalFirstMb: nullableNumber,
  externalLastMb: nullableNumber,
  handlesFirst: nullableNumber,
  handlesLast: nullableNumber,
  /** prom-client's `nodejs_eventloop_lag_p99_seconds` per sample interval, in ms. */
  eldP99MedianMs: nullableNumber,
  eldP99MaxMs: nullableNumber,
  eldP99SlopeMsPerMin: nullableNumber,
  eldMaxMs: nullableNumber,
  /** Server CPU time / wall time over the load. */
  cores: z.number(),
  /** Share of the load the event-loop thread was runnable but waiting for a CPU (/proc schedstat). */
  cpuWaitShare: z.number(),
});
export type SoakNode = z.infer<typeof soakNodeSchema>;

export const timelinePointSchema = z.object({
  /** Seconds since the load started. */
  t: z.number(),
  connected: z.number(),
  serverSockets: nullableNumber,
  sendsPerSecond: z.number(),
  ackP99Ms: nullableNumber,
  foreignCpuShare: nullableNumber,
  nodes: z.array(
    z.object({
      rssMb: z.number(),
      heapMb: nullableNumber,
      heapTotalMb: nullableNumber,
      externalMb: nullableNumber,
      handles: nullableNumber,
      eldP99Ms: nullableNumber,
      eldMaxMs: nullableNumber,
      cores: z.number(),
      /** Share of the interval the event-loop thread was runnable but waiting for a CPU. */
      cpuWaitShare: z.number(),
    }),
  ),
});
export type TimelinePoint = z.infer<typeof timelinePointSchema>;

/** One event's answer times at the nodes (`chat_event_duration_seconds`), summed over nodes. */
export const serverDurationSchema = z.object({
  count: z.number(),
  meanMs: z.number(),
  over1s: z.number(),
  over10s: z.number(),
});
export type ServerDuration = z.infer<typeof serverDurationSchema>;

export const historyCheckSchema = z.object({
  rooms: z.number(),
  /** Messages in the rooms' full histories. */
  messages: z.number(),
  /** Distinct acknowledged message ids. */
  acked: z.number(),
  /** Acknowledged but not in its room's history. */
  missing: z.number(),
  /** A (user, client_id) stored more than once, or an id listed twice. */
  duplicates: z.number(),
  /** Stored, never acknowledged, and not a send the soak could not get an ack for. */
  unexpected: z.number(),
  /** Sends never acknowledged (already errors) that are in history. */
  storedUnacked: z.number(),
  /** Rooms whose seqs are not exactly 1..n. */
  seqGaps: z.number(),
  /** History pages refused RATE_LIMITED to the checker (waited out, not a failure). */
  throttled: z.number(),
  problems: z.array(z.string()),
});
export type HistoryCheck = z.infer<typeof historyCheckSchema>;

export const soakRunSchema = z.object({
  store: z.string(),
  nodes: z.number(),
  generatedAt: z.string(),
  /** False when knobs shrank the run (fewer clients or minutes, another mix). */
  reference: z.boolean(),
  knobs: z.record(z.string(), z.string()),
  settings: z.record(z.string(), z.union([z.number(), z.string()])),
  /** The working tree measured (git describe of HEAD, and whether it had uncommitted changes). */
  revision: z.string(),
  machine: machineSchema,
  loadAverageAtEnd: z.array(z.number()),
  /** Share of the machine's CPU used by processes outside the soak, over the whole run and at worst. */
  foreignCpuShare: nullableNumber,
  foreignCpuShareMax: nullableNumber,
  loadSeconds: z.number(),
  wallSeconds: z.number(),
  passed: z.boolean(),
  failures: z.array(z.string()),
  clients: z.object({
    target: z.number(),
    connectedMin: z.number(),
    connectedMedian: z.number(),
    connectedEnd: z.number(),
    serverSocketsMin: nullableNumber,
    serverSocketsMax: nullableNumber,
  }),
  /** Achieved per second over the load (acknowledged ok). */
  perSecond: z.object({
    sends: z.number(),
    typing: z.number(),
    reactions: z.number(),
    joins: z.number(),
    leaves: z.number(),
    reconnects: z.number(),
    historyPages: z.number(),
    deliveries: z.number(),
  }),
  totals: z.object({
    ok: counts,
    reconnects: z.number(),
    dropsMidSend: z.number(),
    resends: z.number(),
    skipped: z.number(),
    catchUpPages: z.number(),
    catchUpMessages: z.number(),
    deliveries: z.number(),
    /** New messages the nodes stored (their `chat_messages_stored_total`). */
    messagesStored: nullableNumber,
    /** Sends the nodes answered ok without storing: client_id repeats answered with the stored copy. */
    repeatsAnswered: nullableNumber,
  }),
  errors: z.record(z.string(), counts),
  connectErrors: counts,
  rateLimited: z.number(),
  unsolicitedDisconnects: z.number(),
  catchUpGaps: z.number(),
  /** `chat_events_total` at the end, summed over nodes: `event outcome` → count. */
  serverEvents: counts,
  serverDurations: z.record(z.string(), serverDurationSchema),
  ackLatency: z.object({ p50Ms: z.number(), p99Ms: z.number(), maxMs: z.number() }),
  generatorCores: z.number(),
  nodeFigures: z.array(soakNodeSchema),
  history: historyCheckSchema.nullable(),
  timeline: z.array(timelinePointSchema),
});
export type SoakRun = z.infer<typeof soakRunSchema>;

export const soakResultsSchema = z.object({ runs: z.record(z.string(), soakRunSchema) });
export type SoakResults = z.infer<typeof soakResultsSchema>;

export const SOAK_RESULTS_FILE = 'soak-results.json';

/**
 * The stored soak results, or none (no soak has run). A configuration whose entry is from an
 * older shape of this file is left out (and said so), the others kept.
 */
export function readSoakResults(file: string): SoakResults | null {
  if (!existsSync(file)) return null;
  const parsed = z
    .object({ runs: z.record(z.string(), z.unknown()) })
    .safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) {
    process.stderr.write(`ignoring ${file}: ${parsed.error.message}\n`);
    return null;
  }
  const runs: SoakResults['runs'] = {};
  for (const [store, raw] of Object.entries(parsed.data.runs)) {
    const run = soakRunSchema.safeParse(raw);
    if (run.success) runs[store] = run.data;
    else
      process.stderr.write(
        `ignoring the ${store} run in ${file}: ${run.error.issues.length} fields do not fit\n`,
      );
  }
  return { runs };
}
