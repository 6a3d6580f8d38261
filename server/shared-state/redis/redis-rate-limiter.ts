import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ChatError } from '../../../shared/errors';
import type { RateLimiter, RateLimitKind } from '../../domain/rate-limits';
import type { RateBudgets } from '../../ephemeral/local-rate-limiter';
import type { RedisClient } from './client';

const WHAT: Record<RateLimitKind, string> = {
  message: 'messages',
  typing: 'typing updates',
  unauthenticated: 'unauthenticated requests',
};

/**
 * The same fixed-window budgets as the in-process limiter, counted in Redis so that they hold
 * across nodes (a user cannot multiply their budget by spreading sockets over instances). While
 * Redis is unreachable each node falls back to an in-memory limiter with the same budgets: limits
 * then hold per node, and no request waits for Redis.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly limiters: Record<RateLimitKind, RateLimiterRedis>;

  constructor(client: RedisClient, budgets: RateBudgets, keyPrefix: string) {
    const limiter = (kind: RateLimitKind, points: number, duration: number) =>
      new RateLimiterRedis({
        storeClient: client,
        useRedisPackage: true,
        // Straight to the insurance limiter while disconnected, instead of waiting for a reconnect.
        rejectIfRedisNotReady: true,
        keyPrefix: `${keyPrefix}rate:${kind}`,
        points,
        duration,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: `insurance:${kind}`, points, duration }),
      });
    this.limiters = {
      message: limiter('message', budgets.messagesPerSecond, 1),
      typing: limiter('typing', budgets.typingPerSecond, 1),
      unauthenticated: limiter('unauthenticated', budgets.unauthenticatedPerMinute, 60),
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
