import { ChatError } from '../../../shared/index';
import { LocalRateLimiter } from '../../../server/ephemeral/local-rate-limiter';

describe('LocalRateLimiter', () => {
  const limiter = () =>
    new LocalRateLimiter({ messagesPerSecond: 3, typingPerSecond: 2, unauthenticatedPerMinute: 1 });

  it('lets a burst of the whole budget through, then refuses with RATE_LIMITED and a retry delay', async () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) await l.consume('message', 'alice');
    const refusal = await l.consume('message', 'alice').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refusal).toBeInstanceOf(ChatError);
    const body = (refusal as ChatError).toBody();
    expect(body.code).toBe('RATE_LIMITED');
    expect(body.retry_after_ms).toBeGreaterThan(0);
    expect(body.retry_after_ms).toBeLessThanOrEqual(1000);
  });

  it('keeps a separate budget per user and per kind', async () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) await l.consume('message', 'alice');
    await expect(l.consume('message', 'bob')).resolves.toBeUndefined();
    await expect(l.consume('typing', 'alice')).resolves.toBeUndefined();
    await expect(l.consume('typing', 'alice')).resolves.toBeUndefined();
    await expect(l.consume('typing', 'alice')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('counts unauthenticated calls per minute', async () => {
    const l = limiter();
    await l.consume('unauthenticated', '127.0.0.1');
    const refusal = await l.consume('unauthenticated', '127.0.0.1').catch((err: ChatError) => err.toBody());
    expect(refusal).toMatchObject({ code: 'RATE_LIMITED' });
    expect((refusal as { retry_after_ms: number }).retry_after_ms).toBeGreaterThan(1000);
    await expect(l.consume('unauthenticated', '10.0.0.9')).resolves.toBeUndefined();
  });
});
