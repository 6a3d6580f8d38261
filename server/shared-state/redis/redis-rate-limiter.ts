import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { RateLimiter, RateLimitKind } from '../../domain/rate-limits';
import { consumeOrRefuse, limitersByKind, type RateBudgets } from '../../ephemeral/rate-windows';
import type { RedisClient } from './client';

/**
 * The same fixed-window budgets as the in-process limiter, counted in Redis so that they hold
 * across nodes (a user cannot multiply their budget by spreading sockets over instances). While
 * Redis is unreachable each node falls back to an in-memory limiter with the same budgets: limits
 * then hold per node, and no request waits for Redis.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly limiters: Record<RateLimitKind, RateLimiterRedis>;

  constructor(client: RedisClient, budgets: RateBudgets, keyPrefix: string) {
    this.limiters = limitersByKind(
      budgets,
      (kind, { points, duration }) =>
        new RateLimiterRedis({
          storeClient: client,
          useRedisPackage: true,
          // Straight to the insurance limiter while disconnected, instead of waiting for a reconnect.
          rejectIfRedisNotReady: true,
          keyPrefix: `${keyPrefix}rate:${kind}`,
          points,
          duration,
          insuranceLimiter: new RateLimiterMemory({ keyPrefix: `insurance:${kind}`, points, duration }),
        }),
    );
  }

  consume(kind: RateLimitKind, key: string, points = 1): Promise<void> {
    return consumeOrRefuse(this.limiters[kind], kind, key, points);
  }
}
