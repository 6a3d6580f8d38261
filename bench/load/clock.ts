/**
 * Milliseconds on CLOCK_MONOTONIC: one clock for every process of this machine, so a generator can
 * time a delivery that another generator sent (Date.now() could step; performance.now() starts at
 * each process's own origin).
 */
export function monotonicMs(): number {
  const [seconds, nanoseconds] = process.hrtime();
  return seconds * 1e3 + nanoseconds / 1e6;
}
