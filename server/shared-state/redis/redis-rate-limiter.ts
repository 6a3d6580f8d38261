import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { RateLimiter, RateLimitKind } from '../../domain/rate-limits';
import { consumeOrRefuse, limitersByKind, type RateBudgets } from '../../ephemeral/rate-windows';
import type { RedisClient } from './client';
import { LeasedRateWindow } from './rate-leases';

/**
 * The kinds spent by the events a chat sends most (every message, typing update, reaction, read
 * and read receipt): leased in chunks instead of asking Redis for each one.
 */
export const LEASED_KINDS: ReadonlySet<RateLimitKind> = new Set<RateLimitKind>([
  'message',
  'typing',
  'reaction',
  'read',
  'membership',
]);

/**
 * The same fixed-window budgets as the in-process limiter, counted in Redis so that they hold
 * across nodes (a user cannot multiply their budget by spreading sockets over instances). The
 * per-event kinds spend points leased from the shared window (rate-leases.ts); the others ask
 * Redis each time (rate-limiter-flexible). While Redis is unreachable each node falls back to an
 * in-memory limiter with the same budgets: limits then hold per node, and no request waits for Redis.
 */
export class RedisRateLimiter implements RateLimiter {
  /** Each kind's budget: spends `points` for `key` or rejects with RATE_LIMITED. */
  private readonly spend: Record<RateLimitKind, (key: string, points: number) => Promise<void>>;

  constructor(client: RedisClient, budgets: RateBudgets, keyPrefix: string, now?: () => number) {
    this.spend = limitersByKind(budgets, (kind, window) => {
      if (LEASED_KINDS.has(kind)) {
        const leased = new LeasedRateWindow({ client, kind, window, keyPrefix, now });
        return (key: string, points: number) => leased.consume(key, points);
      }
      const limiter = new RateLimiterRedis({
        storeClient: client,
        useRedisPackage: true,
        // Straight to the insurance limiter while disconnected, instead of waiting for a reconnect.
        rejectIfRedisNotReady: true,
        keyPrefix: `${keyPrefix}rate:${kind}`,
        ...window,
        insuranceLimiter: new RateLimiterMemory({ keyPrefix: `insurance:${kind}`, ...window }),
      });
      return (key: string, points: number) => consumeOrRefuse(limiter, kind, key, points);
    });
  }

  consume(kind: RateLimitKind, key: string, points = 1): Promise<void> {
    return this.spend[kind](key, points);
  }
}
