import { performance } from 'node:perf_hooks';
import type { BenchQuery, QueryClass, QueryScope } from './queries';
import type { Search } from './searcher';

export interface Timed {
  query: BenchQuery;
  ms: number;
  hits: number;
}

export interface Measured {
  timed: Timed[];
  /** Queries left unmeasured when the time budget ran out. */
  skipped: number;
  warmupMs: number;
  measureMs: number;
}

/**
 * One query at a time (latency, not throughput), each timed from the call to its answer on the
 * monotonic clock. The warm-up queries (another draw of the same mix) go first and are not kept:
 * they bring the index and the tables into the caches and the code to its optimized state.
 */
export async function measure(
  search: Search,
  warmup: readonly BenchQuery[],
  queries: readonly BenchQuery[],
  budgetMs: number,
  log: (line: string) => void,
): Promise<Measured> {
  const warmStart = performance.now();
  for (const q of warmup) await search(q);
  const warmupMs = performance.now() - warmStart;
  log(`warm-up: ${warmup.length} queries in ${(warmupMs / 1000).toFixed(1)} s`);
  const timed: Timed[] = [];
  const start = performance.now();
  let lastLog = start;
  for (const query of queries) {
    const t0 = performance.now();
    if (t0 - start > budgetMs) break;
    const hits = await search(query);
    const t1 = performance.now();
    timed.push({ query, ms: t1 - t0, hits });
    if (t1 - lastLog > 15_000) {
      log(`${timed.length} of ${queries.length} queries measured`);
      lastLog = t1;
    }
  }
  return { timed, skipped: queries.length - timed.length, warmupMs, measureMs: performance.now() - start };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? Number.NaN;
}

export interface LatencyFigures {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  /** Median number of results returned (a page holds at most 20). */
  hitsMedian: number;
}

const round = (v: number): number => Math.round(v * 1000) / 1000;

export function figures(timed: readonly Timed[]): LatencyFigures {
  const ms = timed.map((t) => t.ms).sort((a, b) => a - b);
  const hits = timed.map((t) => t.hits).sort((a, b) => a - b);
  return {
    count: ms.length,
    p50: round(percentile(ms, 50)),
    p95: round(percentile(ms, 95)),
    p99: round(percentile(ms, 99)),
    max: round(ms[ms.length - 1] ?? Number.NaN),
    mean: round(ms.reduce((a, b) => a + b, 0) / Math.max(1, ms.length)),
    hitsMedian: percentile(hits, 50),
  };
}

export interface ClassFigures extends LatencyFigures {
  cls: QueryClass;
  scope: QueryScope;
  /** The slowest query of the group, to look into. */
  slowest: { q: string; roomId: string | null; ms: number } | null;
}

export function figuresByClass(timed: readonly Timed[], classes: readonly QueryClass[]): ClassFigures[] {
  const out: ClassFigures[] = [];
  for (const cls of classes) {
    for (const scope of ['all', 'room'] as const) {
      const group = timed.filter((t) => t.query.cls === cls && t.query.scope === scope);
      const slow = group.reduce<Timed | null>((a, t) => (a === null || t.ms > a.ms ? t : a), null);
      out.push({
        cls,
        scope,
        ...figures(group),
        slowest: slow ? { q: slow.query.q, roomId: slow.query.roomId, ms: round(slow.ms) } : null,
      });
    }
  }
  return out;
}
