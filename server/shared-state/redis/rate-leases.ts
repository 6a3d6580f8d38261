import { RateLimiterMemory } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { RateLimitKind } from '../../domain/rate-limits';
import { consumeOrRefuse, rateLimited, type RateWindow } from '../../ephemeral/rate-windows';
import type { RedisClient } from './client';
import { LuaScript } from './lua';

/**
 * Leases points from the window's counter: at least `need`, and half of what is left when that is
 * more, so that another node of the same user can always get the other half. The counter is the one
 * rate-limiter-flexible keeps (an integer that expires with the window), so nodes of both kinds
 * count the same budget. Answers the points granted (0: refused, nothing taken), the milliseconds
 * the window has left, and the points left in it.
 */
const LEASE = new LuaScript(
  `
local budget = tonumber(ARGV[1])
local window_ms = tonumber(ARGV[2])
local need = tonumber(ARGV[3])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  used = 0
  ttl = window_ms
end
local free = budget - used
if free < need then
  return {0, ttl, free}
end
local grant = math.max(need, math.ceil(free / 2))
if used == 0 then
  redis.call('SET', KEYS[1], grant, 'PX', window_ms)
else
  redis.call('INCRBY', KEYS[1], grant)
end
return {grant, ttl, free - grant}
`,
  z.tuple([z.number().int(), z.number().int(), z.number().int()]),
);

/** Keys (users) whose leases are kept at most; the least recently renewed go first. */
const MAX_KEYS = 100_000;
/** Expired leases dropped per renewal, so that memory follows the active users without a timer. */
const PRUNE_PER_RENEWAL = 4;

const ALLOWED = Promise.resolve();

interface Lease {
  /** Points leased and not spent yet. */
  left: number;
  /** Until when, on this node's clock, the window they were leased from lasts. */
  until: number;
  /** The window had nothing left to lease: refused here, without asking, until it ends. */
  spent: boolean;
  /** Settles once the lease request in flight for this key has been answered. */
  pending?: Promise<void>;
}

export interface LeasedRateWindowOptions {
  client: RedisClient;
  kind: RateLimitKind;
  window: RateWindow;
  keyPrefix: string;
  now?: () => number;
}

/**
 * One kind's fixed-window budget shared by every node, spent locally from points leased out of
 * Redis in chunks: a node asks Redis only when its lease is used up (then for half of what the
 * window has left), and once the window is spent it refuses locally until the window ends. The
 * shared budget is never exceeded, since every point spent was taken from the shared counter
 * first; a lease left unused on one node is budget the user's other nodes cannot have until the
 * window ends. A user sending at up to half the budget per window costs one Redis round trip per
 * window instead of one per event. While Redis is unreachable, an in-memory budget per node
 * stands in, as for the other kinds.
 */
export class LeasedRateWindow {
  private readonly leases = new Map<string, Lease>();
  private readonly insurance: RateLimiterMemory;
  private readonly client: RedisClient;
  private readonly kind: RateLimitKind;
  private readonly points: number;
  private readonly windowMs: number;
  private readonly keyPrefix: string;
  private readonly now: () => number;

  constructor(opts: LeasedRateWindowOptions) {
    this.client = opts.client;
    this.kind = opts.kind;
    this.points = opts.window.points;
    this.windowMs = opts.window.duration * 1000;
    this.keyPrefix = `${opts.keyPrefix}rate:${opts.kind}:`;
    this.now = opts.now ?? Date.now;
    this.insurance = new RateLimiterMemory({ keyPrefix: `insurance:${opts.kind}`, ...opts.window });
  }

  consume(key: string, points: number): Promise<void> {
    const lease = this.leases.get(key);
    if (lease?.pending) return lease.pending.then(() => this.consume(key, points));
    const now = this.now();
    if (lease && lease.until > now) {
      if (lease.left >= points) {
        lease.left -= points;
        return ALLOWED;
      }
      if (lease.spent) return Promise.reject(rateLimited(this.kind, lease.until - now));
    }
    if (!this.client.isReady) return consumeOrRefuse(this.insurance, this.kind, key, points);
    return this.renew(key, points, now);
  }

  /** Leases (pending) for this many keys (tests). */
  get size(): number {
    return this.leases.size;
  }

  /**
   * A new lease for `points` now; what was left of the previous one (less than `points`) is
   * dropped, so that points of an ended window are never spent in the next.
   */
  private async renew(key: string, points: number, askedAt: number): Promise<void> {
    let settle = (): void => undefined;
    const lease: Lease = {
      left: 0,
      until: 0,
      spent: false,
      pending: new Promise<void>((resolve) => {
        settle = resolve;
      }),
    };
    this.remember(key, lease, askedAt);
    try {
      const answer = await LEASE.run(
        this.client,
        [this.keyPrefix + key],
        [this.points, this.windowMs, points],
      ).catch((): null => null);
      if (!answer) {
        // Redis did not answer: this node's own budget stands in, as for rate-limiter-flexible.
        if (this.leases.get(key) === lease) this.leases.delete(key);
        return await consumeOrRefuse(this.insurance, this.kind, key, points);
      }
      const [granted, remainingMs, free] = answer;
      // Measured from before the request: the window ends here no later than it does in Redis.
      lease.until = askedAt + remainingMs;
      if (granted === 0) {
        lease.spent = free <= 0;
        throw rateLimited(this.kind, remainingMs);
      }
      lease.left = granted - points;
    } finally {
      lease.pending = undefined;
      settle();
    }
  }

  private remember(key: string, lease: Lease, now: number): void {
    this.leases.delete(key);
    this.leases.set(key, lease);
    let pruned = 0;
    for (const [oldKey, old] of this.leases) {
      const over = this.leases.size > MAX_KEYS;
      if (!over && (pruned >= PRUNE_PER_RENEWAL || old.pending || old.until > now)) break;
      this.leases.delete(oldKey);
      pruned += 1;
    }
  }
}
