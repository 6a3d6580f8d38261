import type { DeliveryAttempt } from '../store/webhook-types';
import type { SendResult } from './sender';

/** What decides the next attempt: WEBHOOK_RETRY_BASE_MS, the cap, WEBHOOK_MAX_ATTEMPTS. */
export interface RetryPolicy {
  retryBaseMs: number;
  retryMaxMs: number;
  maxAttempts: number;
}

/**
 * How long to wait after the `attempt`-th failed attempt (1 for the first): exponential backoff
 * with full jitter, a uniformly random wait between 0 and min(cap, base × 2^(attempt-1)). The
 * randomness spreads the retries of many deliveries that failed together (a receiver that was
 * down) instead of sending them back in lockstep.
 */
export function retryDelayMs(
  attempt: number,
  policy: RetryPolicy,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(attempt - 1, 0), 52);
  const ceiling = Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** exponent);
  return Math.floor(random() * ceiling);
}

/**
 * What to record after an attempt: delivered on a 2xx; otherwise a retry after the backoff, or,
 * when this was the last attempt allowed, failed (which marks the hook failing).
 */
export function attemptOutcome(
  result: SendResult,
  attemptsBefore: number,
  now: Date,
  policy: RetryPolicy,
  random: () => number = Math.random,
): DeliveryAttempt {
  const base = { at: now.toISOString(), status: result.status, error: result.error };
  if (result.ok) return { ...base, outcome: 'delivered' };
  const attempts = attemptsBefore + 1;
  if (attempts >= policy.maxAttempts) return { ...base, outcome: 'failed' };
  const next = new Date(now.getTime() + retryDelayMs(attempts, policy, random));
  return { ...base, outcome: 'retry', next_attempt_at: next.toISOString() };
}
