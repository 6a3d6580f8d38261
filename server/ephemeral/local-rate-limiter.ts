import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { RateLimiter, RateLimitKind } from '../domain/rate-limits';
import { consumeOrRefuse, limitersByKind, type RateBudgets } from './rate-windows';

export type { RateBudgets } from './rate-windows';

/**
 * In-process limits with rate-limiter-flexible: a fixed budget per window, so a burst up to the
 * whole budget passes and the next call learns how long to wait.
 */
export class LocalRateLimiter implements RateLimiter {
  private readonly limiters: Record<RateLimitKind, RateLimiterMemory>;

  constructor(budgets: RateBudgets) {
    this.limiters = limitersByKind(
      budgets,
      (kind, window) => new RateLimiterMemory({ keyPrefix: kind, ...window }),
    );
  }

  consume(kind: RateLimitKind, key: string, points = 1): Promise<void> {
    return consumeOrRefuse(this.limiters[kind], kind, key, points);
  }
}
