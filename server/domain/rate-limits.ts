/** What is rate limited: per user for authenticated calls, per address for calls without a valid token. */
export type RateLimitKind = 'message' | 'typing' | 'unauthenticated';

/**
 * Spends one unit of `kind` for `key`; rejects with a RATE_LIMITED ChatError (carrying the retry
 * delay) when the budget is spent. In-process today; a shared implementation can replace it.
 */
export interface RateLimiter {
  consume(kind: RateLimitKind, key: string): Promise<void>;
}
