import { ChatError } from '../../shared/index';
import type { RateLimiter, RateLimitKind } from '../../server/domain/rate-limits';
import { redisTarget, startTcpProxy } from '../helpers/redis-proxy';
import {
  describeEachImplementation,
  openRedisHarness,
  TEST_REDIS_URL,
  type Harness,
  type RedisHarness,
} from './harness';
import { needs } from '../helpers/services';

const budgets = { messagesPerSecond: 3, typingPerSecond: 2, unauthenticatedPerMinute: 1 };

/** The refusal's wire body, or undefined when the call was allowed. */
async function refusal(limiter: RateLimiter, kind: RateLimitKind, key: string) {
  return limiter.consume(kind, key).then(
    () => undefined,
    (err: unknown) => {
      if (!(err instanceof ChatError)) throw err;
      return err.toBody();
    },
  );
}

/** One rate-limit suite over every implementation: the same budgets, the same refusals. */
describeEachImplementation('rate limits', (impl) => {
  let harness: Harness;
  beforeEach(() => {
    harness = impl.open();
  });
  afterEach(() => harness.close());

  it('lets a burst of the whole budget through, then refuses with RATE_LIMITED and a retry delay', async () => {
    const limiter = await harness.rateLimiter(budgets);
    for (let i = 0; i < 3; i++) expect(await refusal(limiter, 'message', 'alice')).toBeUndefined();
    const body = await refusal(limiter, 'message', 'alice');
    expect(body).toMatchObject({ code: 'RATE_LIMITED' });
    expect(body?.retry_after_ms).toBeGreaterThan(0);
    expect(body?.retry_after_ms).toBeLessThanOrEqual(1000);
  });

  it('keeps a separate budget per user and per kind', async () => {
    const limiter = await harness.rateLimiter(budgets);
    for (let i = 0; i < 3; i++) await limiter.consume('message', 'alice');
    expect(await refusal(limiter, 'message', 'bob')).toBeUndefined();
    expect(await refusal(limiter, 'typing', 'alice')).toBeUndefined();
    expect(await refusal(limiter, 'typing', 'alice')).toBeUndefined();
    expect(await refusal(limiter, 'typing', 'alice')).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('counts unauthenticated calls per minute, per address', async () => {
    const limiter = await harness.rateLimiter(budgets);
    expect(await refusal(limiter, 'unauthenticated', '127.0.0.1')).toBeUndefined();
    const body = await refusal(limiter, 'unauthenticated', '127.0.0.1');
    expect(body).toMatchObject({ code: 'RATE_LIMITED' });
    expect(body?.retry_after_ms).toBeGreaterThan(1000);
    expect(await refusal(limiter, 'unauthenticated', '10.0.0.9')).toBeUndefined();
  });
});

needs('redis').describe('rate limits across nodes (Redis)', () => {
  let harness: RedisHarness;
  beforeEach(() => {
    harness = openRedisHarness();
  });
  afterEach(() => harness.close());

  it('one budget per user, whichever node the calls reach', async () => {
    const [a, b] = [await harness.rateLimiter(budgets), await harness.rateLimiter(budgets)];
    await a.consume('message', 'alice');
    await b.consume('message', 'alice');
    await a.consume('message', 'alice');
    expect(await refusal(b, 'message', 'alice')).toMatchObject({ code: 'RATE_LIMITED' });
    expect(await refusal(a, 'message', 'alice')).toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('keeps limiting, in memory with the same budget, while Redis is unreachable', async () => {
    const proxy = await startTcpProxy(redisTarget(TEST_REDIS_URL));
    try {
      const limiter = await harness.rateLimiter(budgets, { redisUrl: proxy.url() });
      await proxy.cut();
      for (let i = 0; i < 3; i++) expect(await refusal(limiter, 'message', 'alice')).toBeUndefined();
      expect(await refusal(limiter, 'message', 'alice')).toMatchObject({ code: 'RATE_LIMITED' });
      // Those calls were counted in memory, not in Redis: a node that reaches Redis has the whole budget.
      const connected = await harness.rateLimiter(budgets);
      for (let i = 0; i < 3; i++) expect(await refusal(connected, 'message', 'alice')).toBeUndefined();
    } finally {
      await proxy.close();
    }
  });
});
