/**
 * Seeded randomness: the corpus, the memberships and the query mix are the same on every run and
 * on both stores, so their figures compare like for like.
 */
export type Random = () => number;

/** mulberry32: 32-bit state, fast, good enough to draw words and rooms. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

export function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

export function shuffle<T>(random: Random, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const a = items[i] as T;
    items[i] = items[j] as T;
    items[j] = a;
  }
  return items;
}

/**
 * Draws ranks 0..n-1 with probability ∝ 1 / (rank + 1)^exponent (Zipf): a cumulative table and a
 * binary search, so a draw costs about log2(n) steps.
 */
export class Zipf {
  private readonly cumulative: Float64Array;

  constructor(
    readonly n: number,
    exponent: number,
  ) {
    this.cumulative = new Float64Array(n);
    let sum = 0;
    for (let r = 0; r < n; r++) {
      sum += 1 / (r + 1) ** exponent;
      this.cumulative[r] = sum;
    }
    for (let r = 0; r < n; r++) this.cumulative[r] = (this.cumulative[r] ?? 0) / sum;
  }

  /** The probability of one rank. */
  probability(rank: number): number {
    return (this.cumulative[rank] ?? 0) - (rank > 0 ? (this.cumulative[rank - 1] ?? 0) : 0);
  }

  draw(random: Random): number {
    const u = random();
    let lo = 0;
    let hi = this.n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] ?? 1) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
