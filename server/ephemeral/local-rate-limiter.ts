import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { RateLimiter, RateLimitKind } from '../domain/rate-limits';
import { consumeOrRefuse, rateWindows, type RateBudgets } from './rate-windows';

export type { RateBudgets } from './rate-windows';

/**
 * In-process limits with rate-limiter-flexible: a fixed budget per window, so a burst up to the
 * whole budget passes and the next call learns how long to wait.
 */
export class LocalRateLimiter implements RateLimiter {
  private readonly limiters: Record<RateLimitKind, RateLimiterMemory>;

  constructor(budgets: RateBudgets) {
    const windows = rateWindows(budgets);
    const limiter = (kind: RateLimitKind) => new RateLimiterMemory({ keyPrefix: kind, ...windows[kind] });
    this.limiters = {
      message: limiter('message'),
      typing: limiter('typing'),
      unauthenticated: limiter('unauthenticated'),
    };
  }

  consume(kind: RateLimitKind, key: string): Promise<void> {
    return consumeOrRefuse(this.limiters[kind], kind, key);
  }
}
