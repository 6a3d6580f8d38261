import { attemptOutcome, retryDelayMs, type RetryPolicy } from '../../server/webhooks/backoff';

/** Exponential backoff with full jitter, the cap, and what an attempt's outcome records. */

const POLICY: RetryPolicy = { retryBaseMs: 5_000, retryMaxMs: 3_600_000, maxAttempts: 8 };
const NOW = new Date('2024-01-01T12:00:00.000Z');
const highest = () => 0.999_999_999;

describe('retryDelayMs', () => {
  test('the ceiling doubles with each attempt from the base, up to the cap', () => {
    const ceilings = [1, 2, 3, 4, 5, 10, 11, 40].map((attempt) => retryDelayMs(attempt, POLICY, highest) + 1);
    expect(ceilings).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 2_560_000, 3_600_000, 3_600_000]);
  });

  test('full jitter: anywhere from 0 to the ceiling, as the random number says', () => {
    expect(retryDelayMs(3, POLICY, () => 0)).toBe(0);
    expect(retryDelayMs(3, POLICY, () => 0.5)).toBe(10_000);
    // Over many draws, the waits spread over the whole range instead of bunching at the ceiling.
    const waits = Array.from({ length: 2000 }, () => retryDelayMs(2, POLICY));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...waits)).toBeLessThan(10_000);
    expect(waits.filter((w) => w < 5_000).length).toBeGreaterThan(800);
    expect(waits.filter((w) => w >= 5_000).length).toBeGreaterThan(800);
  });
});

describe('attemptOutcome', () => {
  const ok = { ok: true, status: 204, error: null };
  const refused = { ok: false, status: 503, error: 'HTTP 503' };

  test('a 2xx is delivered, whatever attempt it was', () => {
    expect(attemptOutcome(ok, 7, NOW, POLICY)).toEqual({
      at: NOW.toISOString(),
      status: 204,
      error: null,
      outcome: 'delivered',
    });
  });

  test('a failure before the last attempt is retried after the backoff of the attempts made so far', () => {
    // The third attempt failed: the wait is drawn below base × 2².
    expect(attemptOutcome(refused, 2, NOW, POLICY, () => 0.5)).toEqual({
      at: NOW.toISOString(),
      status: 503,
      error: 'HTTP 503',
      outcome: 'retry',
      next_attempt_at: new Date(NOW.getTime() + 10_000).toISOString(),
    });
  });

  test('the failure of the last attempt allowed fails the delivery (and so marks the hook failing)', () => {
    expect(attemptOutcome(refused, POLICY.maxAttempts - 2, NOW, POLICY).outcome).toBe('retry');
    expect(attemptOutcome(refused, POLICY.maxAttempts - 1, NOW, POLICY)).toEqual({
      at: NOW.toISOString(),
      status: 503,
      error: 'HTTP 503',
      outcome: 'failed',
    });
    expect(attemptOutcome(refused, 0, NOW, { ...POLICY, maxAttempts: 1 }).outcome).toBe('failed');
  });
});
