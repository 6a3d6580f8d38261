import { ChatError } from '../../shared/index';
import type { RateLimitKind } from '../../server/domain/rate-limits';
import type { RedisClient } from '../../server/shared-state/redis/client';
import { RedisRateLimiter } from '../../server/shared-state/redis/redis-rate-limiter';
import { needs } from '../helpers/services';
import { openRedisHarness, type RedisHarness } from './harness';

const budgets = { messagesPerSecond: 20, typingPerSecond: 10, unauthenticatedPerMinute: 5 };

/** Whether the call was allowed; a refusal must be RATE_LIMITED with a wait of at most one window. */
async function allowed(limiter: RedisRateLimiter, kind: RateLimitKind, key: string): Promise<boolean> {
  try {
    await limiter.consume(kind, key);
    return true;
  } catch (err) {
    if (!(err instanceof ChatError)) throw err;
    const body = err.toBody();
    expect(body.code).toBe('RATE_LIMITED');
    expect(body.retry_after_ms).toBeGreaterThan(0);
    expect(body.retry_after_ms).toBeLessThanOrEqual(1000);
    return false;
  }
}

/** A node's limiter over its own connection, with the Redis scripts it runs counted. */
interface CountedNode {
  limiter: RedisRateLimiter;
  scripts: () => number;
}

/**
 * The per-event budgets (messages, typing, reactions, reads, membership) with Redis: points are
 * leased from the shared window in chunks, so a node asks Redis once per chunk, not once per event,
 * and the shared budget still holds exactly across nodes.
 */
needs('redis').describe('leased rate budgets (Redis)', () => {
  let harness: RedisHarness;
  beforeEach(() => {
    harness = openRedisHarness();
  });
  afterEach(() => harness.close());

  const node = async (): Promise<CountedNode> => {
    const client: RedisClient = await harness.client();
    const evals = jest.spyOn(client, 'eval');
    return {
      limiter: new RedisRateLimiter(client, budgets, harness.prefix),
      scripts: () => evals.mock.calls.length,
    };
  };

  it('spends a whole budget of 20 with 5 Redis round trips, then refuses without asking Redis', async () => {
    const a = await node();
    for (let i = 0; i < 20; i++) expect(await allowed(a.limiter, 'message', 'alice')).toBe(true);
    // Leases of half what is left: 10, 5, 3, 1, 1.
    expect(a.scripts()).toBe(5);
    expect(await allowed(a.limiter, 'message', 'alice')).toBe(false);
    expect(a.scripts()).toBe(6);
    for (let i = 0; i < 10; i++) expect(await allowed(a.limiter, 'message', 'alice')).toBe(false);
    expect(a.scripts()).toBe(6);
  });

  it('makes a burst that arrives at once wait for one lease, not ask once per call', async () => {
    const a = await node();
    const results = await Promise.all(Array.from({ length: 8 }, () => allowed(a.limiter, 'typing', 'bob')));
    expect(results.every(Boolean)).toBe(true);
    // Typing budget 10: the first lease is 5, the three calls past it wait for one more lease (3).
    expect(a.scripts()).toBe(2);
  });

  it('never lets a user past the shared budget, however the calls are spread over nodes', async () => {
    const [a, b, c] = [await node(), await node(), await node()];
    const nodes = [a, b, c];
    const calls = Array.from({ length: 90 }, (_, i) => nodes[i % 3]?.limiter ?? a.limiter);
    const results = await Promise.all(calls.map((limiter) => allowed(limiter, 'message', 'carol')));
    expect(results.filter(Boolean)).toHaveLength(20);
  });

  it('leaves the other half to the user’s other node: a lease never takes the whole window', async () => {
    const [a, b] = [await node(), await node()];
    expect(await allowed(a.limiter, 'message', 'dave')).toBe(true); // a holds 10, 9 left unspent
    let onB = 0;
    while (await allowed(b.limiter, 'message', 'dave')) onB += 1;
    expect(onB).toBe(10);
    let onA = 1;
    while (await allowed(a.limiter, 'message', 'dave')) onA += 1;
    expect(onA).toBe(10);
  });

  it('keeps separate budgets per user and kind, and asks Redis each time for the rare kinds', async () => {
    const a = await node();
    for (let i = 0; i < 20; i++) await a.limiter.consume('message', 'erin');
    expect(await allowed(a.limiter, 'message', 'frank')).toBe(true);
    expect(await allowed(a.limiter, 'reaction', 'erin')).toBe(true);
    const before = a.scripts();
    await a.limiter.consume('unauthenticated', '10.0.0.1');
    await a.limiter.consume('unauthenticated', '10.0.0.1');
    // rate-limiter-flexible: one script per call, nothing leased.
    expect(a.scripts()).toBe(before + 2);
  });

  it('gives a whole new budget once the window has ended', async () => {
    const a = await node();
    for (let i = 0; i < 10; i++) await a.limiter.consume('typing', 'gina');
    const refusal = await a.limiter.consume('typing', 'gina').then(
      () => undefined,
      (err: unknown) => (err instanceof ChatError ? err.toBody() : undefined),
    );
    const wait = refusal?.retry_after_ms ?? 0;
    expect(wait).toBeGreaterThan(0);
    // The wait the refusal told, as a client would (the window is one second of Redis's clock).
    await new Promise((resolve) => setTimeout(resolve, wait + 20));
    for (let i = 0; i < 10; i++) expect(await allowed(a.limiter, 'typing', 'gina')).toBe(true);
  });
});
