import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ChatError } from '../../shared/errors';
import type { RateLimitKind } from '../domain/rate-limits';

export interface RateBudgets {
  messagesPerSecond: number;
  typingPerSecond: number;
  unauthenticatedPerMinute: number;
}

/** Each kind's budget: `points` per fixed window of `duration` seconds (in-process or in Redis alike). */
export function rateWindows(
  budgets: RateBudgets,
): Record<RateLimitKind, { points: number; duration: number }> {
  return {
    message: { points: budgets.messagesPerSecond, duration: 1 },
    typing: { points: budgets.typingPerSecond, duration: 1 },
    unauthenticated: { points: budgets.unauthenticatedPerMinute, duration: 60 },
  };
}

const WHAT: Record<RateLimitKind, string> = {
  message: 'messages',
  typing: 'typing updates',
  unauthenticated: 'unauthenticated requests',
};

/** Spends one point; a spent budget becomes RATE_LIMITED carrying how long to wait. */
export async function consumeOrRefuse(
  limiter: RateLimiterAbstract,
  kind: RateLimitKind,
  key: string,
): Promise<void> {
  try {
    await limiter.consume(key);
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
