import { PassThrough } from 'node:stream';
import { createLogger } from '../../server/logger';

function capture(env: 'production' | 'development') {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  return { logger: createLogger({ env, logLevel: 'info' }, stream), lines };
}

describe('logger', () => {
  it('writes one JSON line per entry in production, errors with their message and stack', () => {
    const { logger, lines } = capture('production');
    logger.error('event failed', { event: 'message:send', user_id: 'alice', err: new Error('disk full') });
    expect(lines).toHaveLength(1);
    const entry: unknown = JSON.parse(lines[0] ?? '');
    expect(entry).toMatchObject({
      level: 'error',
      message: 'event failed',
      event: 'message:send',
      user_id: 'alice',
      err: { name: 'Error', message: 'disk full', stack: expect.stringContaining('disk full') },
    });
    expect(entry).toHaveProperty('timestamp');
  });

  it('writes readable lines in development', () => {
    const { logger, lines } = capture('development');
    logger.info('socket connected', { user_id: 'alice' });
    expect(lines[0]).toMatch(/socket connected \{"user_id":"alice"\}$/);
  });
});
