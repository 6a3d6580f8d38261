import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../server/config/env';
import { openSharedState, type SharedState } from '../../server/shared-state/open-shared-state';
import { redisTarget, startTcpProxy, type TcpProxy } from '../helpers/redis-proxy';
import { needs } from '../helpers/services';
import { silentLogger, TEST_REDIS_URL } from './harness';

const configWith = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env });

/** Resolves once `check` settles as wanted ('up' resolves, 'down' rejects); fails after `timeoutMs`. */
async function until(check: () => Promise<void>, state: 'up' | 'down', timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await check().then(
      () => 'up',
      () => 'down',
    );
    if (now === state) return;
    if (Date.now() > deadline) throw new Error(`readiness did not turn ${state} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('openSharedState', () => {
  it('without REDIS_URL keeps everything in-process: no adapter, no Redis readiness check', async () => {
    const shared = await openSharedState(configWith({}), silentLogger);
    expect(shared.socketIoOptions).toEqual({});
    expect(Object.keys(shared.readiness)).toEqual([]);
    await shared.close();
  });

  needs('redis').describe('with REDIS_URL', () => {
    let proxy: TcpProxy;
    let shared: SharedState | undefined;
    beforeEach(async () => {
      proxy = await startTcpProxy(redisTarget(TEST_REDIS_URL));
    });
    afterEach(async () => {
      await shared?.close();
      shared = undefined;
      await proxy.close();
    });

    it('gives Socket.IO the streams adapter and a readiness check that follows Redis down and back up', async () => {
      shared = await openSharedState(configWith({ REDIS_URL: proxy.url() }), silentLogger, {
        keyPrefix: `test:${randomUUID()}:`,
      });
      expect(typeof shared.socketIoOptions.adapter).toBe('function');
      const ready = shared.readiness.redis;
      if (!ready) throw new Error('no redis readiness check');
      await expect(ready()).resolves.toBeUndefined();
      await proxy.cut();
      await until(ready, 'down');
      await proxy.restore();
      await until(ready, 'up');
    });

    it('refuses to start, naming the URL, when Redis cannot be reached', async () => {
      await proxy.cut();
      await expect(
        openSharedState(configWith({ REDIS_URL: proxy.url() }), silentLogger, { connectTimeoutMs: 500 }),
      ).rejects.toThrow(`Redis at ${proxy.url()} did not answer within 500 ms`);
    });
  });
});
