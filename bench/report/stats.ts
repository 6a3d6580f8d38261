/** Median of the finite values; null when there is none. */
export function median(values: readonly (number | null | undefined)[]): number | null {
  const sorted = values
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
    .sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? null) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** max/min of the rounds: how far identical runs of one server disagree (1 = not at all). */
export function spread(values: readonly (number | null | undefined)[]): number | null {
  const finite = values.filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (finite.length < 2) return null;
  const min = Math.min(...finite);
  return min > 0 ? Math.max(...finite) / min : null;
}

export function ratio(chat: number | null, bare: number | null): number | null {
  return chat === null || bare === null || bare === 0 ? null : chat / bare;
}

/**
 * The least-squares slope of `value` against time, per minute (`t` in seconds): how fast a
 * figure drifts over a soak, so "flat" is a number. Null with fewer than three points.
 */
export function slopePerMinute(points: readonly { t: number; value: number | null }[]): number | null {
  const finite = points.filter(
    (p): p is { t: number; value: number } => p.value !== null && Number.isFinite(p.value),
  );
  if (finite.length < 3) return null;
  const n = finite.length;
  const meanT = finite.reduce((s, p) => s + p.t, 0) / n;
  const meanV = finite.reduce((s, p) => s + p.value, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const p of finite) {
    covariance += (p.t - meanT) * (p.value - meanV);
    variance += (p.t - meanT) ** 2;
  }
  return variance > 0 ? (covariance / variance) * 60 : null;
}
