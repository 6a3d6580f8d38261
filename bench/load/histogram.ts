/**
 * A latency histogram with logarithmic buckets (1% wide, from 1 µs to about 7 minutes): recording
 * is one Math.log and an increment, so a generator can record every delivery, and histograms from
 * several generator processes merge by adding counts.
 */
const MIN_MS = 0.001;
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 2000;

/** Non-empty buckets as [index, count] pairs: what crosses the IPC channel. */
export type SparseHistogram = [number, number][];

export class Histogram {
  private readonly counts = new Uint32Array(BUCKETS);
  total = 0;
  maxMs = 0;

  record(ms: number): void {
    const index = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log(ms / MIN_MS) / LOG_GROWTH));
    this.counts[index] = (this.counts[index] ?? 0) + 1;
    this.total++;
    if (ms > this.maxMs) this.maxMs = ms;
  }

  /** The upper bound of the bucket holding the p-th percentile (never above the largest sample). */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.min(this.maxMs, MIN_MS * GROWTH ** (i + 1));
    }
    return this.maxMs;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] = (this.counts[i] ?? 0) + (other.counts[i] ?? 0);
    this.total += other.total;
    this.maxMs = Math.max(this.maxMs, other.maxMs);
  }

  toSparse(): { buckets: SparseHistogram; maxMs: number } {
    const buckets: SparseHistogram = [];
    this.counts.forEach((count, index) => {
      if (count > 0) buckets.push([index, count]);
    });
    return { buckets, maxMs: this.maxMs };
  }

  static fromSparse(sparse: { buckets: SparseHistogram; maxMs: number }): Histogram {
    const h = new Histogram();
    for (const [index, count] of sparse.buckets) {
      if (index < 0 || index >= BUCKETS) continue;
      h.counts[index] = (h.counts[index] ?? 0) + count;
      h.total += count;
    }
    h.maxMs = sparse.maxMs;
    return h;
  }
}
