import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { ChatError } from '../../shared/errors';
import type { RateLimiter, RateLimitKind } from '../domain/rate-limits';

export interface RateBudgets {
  messagesPerSecond: number;
  typingPerSecond: number;
  unauthenticatedPerMinute: number;
}

const WHAT: Record<RateLimitKind, string> = {
  message: 'messages',
  typing: 'typing updates',
  unauthenticated: 'unauthenticated requests',
};

/**
 * In-process limits with rate-limiter-flexible: a fixed budget per window, so a burst up to the
 * whole budget passes and the next call learns how long to wait.
 */
export class LocalRateLimiter implements RateLimiter {
  private readonly limiters: Record<RateLimitKind, RateLimiterMemory>;

  constructor(budgets: RateBudgets) {
    this.limiters = {
      message: new RateLimiterMemory({
        keyPrefix: 'message',
        points: budgets.messagesPerSecond,
        duration: 1,
      }),
      typing: new RateLimiterMemory({ keyPrefix: 'typing', points: budgets.typingPerSecond, duration: 1 }),
      unauthenticated: new RateLimiterMemory({
        keyPrefix: 'unauthenticated',
        points: budgets.unauthenticatedPerMinute,
        duration: 60,
      }),
    };
  }

  async consume(kind: RateLimitKind, key: string): Promise<void> {
    try {
      await this.limiters[kind].consume(key);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      const retryAfterMs = Math.max(1, Math.ceil(err.msBeforeNext));
      throw new ChatError(
        'RATE_LIMITED',
        `Too many ${WHAT[kind]}; retry in ${retryAfterMs} ms`,
        undefined,
        retryAfterMs,
      );
    }
  }
}
