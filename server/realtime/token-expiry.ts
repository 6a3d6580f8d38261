/** setTimeout's ceiling (about 24.8 days); a longer delay would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs `onExpiry` at `expiresAt` (ms since the epoch), however far away: a delay beyond the timer
 * ceiling is waited out in steps. Returns a cancel function. Timers are unref'd, so a pending
 * expiry never keeps the process alive.
 */
export function atTokenExpiry(expiresAt: number | undefined, onExpiry: () => void): () => void {
  if (expiresAt === undefined) return () => undefined;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    const delay = expiresAt - Date.now();
    if (delay > MAX_TIMER_MS) timer = setTimeout(arm, MAX_TIMER_MS);
    else timer = setTimeout(onExpiry, Math.max(0, delay));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
