import { randomUUID } from 'node:crypto';
import type { AccessChange } from '../../server/store/cache/access-changes';
import {
  closeClient,
  connectWithin,
  createRedisClient,
  type RedisClient,
} from '../../server/shared-state/redis/client';
import { RedisAccessChanges } from '../../server/shared-state/redis/redis-access-changes';
import { redisTarget, startTcpProxy, type TcpProxy } from '../helpers/redis-proxy';
import { needs } from '../helpers/services';
import { nextCall, silentLogger, TEST_REDIS_URL } from './harness';

/** One node's end of the channel, and what its cache was told. */
interface Node {
  changes: RedisAccessChanges;
  heard: AccessChange[];
  missed: number;
  /** Called at the next `missed` (tests wait for it). */
  onMissed: ((...args: []) => void)[];
}

needs('redis').describe('access changes between nodes (Redis pub/sub)', () => {
  let prefix: string;
  let clients: RedisClient[];
  let nodes: Node[];
  let proxy: TcpProxy | undefined;

  const connect = async (url = TEST_REDIS_URL): Promise<RedisClient> => {
    const client = createRedisClient({
      url,
      name: 'access-test',
      queueWhileOffline: false,
      logger: silentLogger,
    });
    await connectWithin(client, url, 5000);
    clients.push(client);
    return client;
  };

  const start = async (opts: { url?: string; ackTimeoutMs?: number } = {}): Promise<Node> => {
    const changes = new RedisAccessChanges({
      publisher: await connect(),
      subscriber: await connect(opts.url),
      keyPrefix: prefix,
      nodeId: `node-${nodes.length + 1}`,
      logger: silentLogger,
      ackTimeoutMs: opts.ackTimeoutMs,
    });
    const node: Node = { changes, heard: [], missed: 0, onMissed: [] };
    changes.listen({
      changed: (change) => node.heard.push(change),
      missed: () => {
        node.missed += 1;
        for (const callback of node.onMissed.splice(0)) callback();
      },
    });
    await changes.start();
    nodes.push(node);
    return node;
  };

  const nextMissed = (node: Node, what: string): Promise<[]> =>
    nextCall<[]>((callback) => node.onMissed.push(callback), what, 5000);

  beforeEach(() => {
    prefix = `test:${randomUUID()}:`;
    clients = [];
    nodes = [];
  });

  afterEach(async () => {
    for (const node of nodes) await node.changes.close();
    await Promise.all(clients.map((c) => closeClient(c)));
    await proxy?.close();
    proxy = undefined;
  });

  it('a change has reached every other node when its publish resolves; the writer hears nothing back', async () => {
    const [a, b, c] = [await start(), await start(), await start()];
    const change = { roomId: 'room-1', userIds: ['bob', 'carol'] };
    await a.changes.publish(change);
    expect(b.heard).toEqual([change]);
    expect(c.heard).toEqual([change]);
    expect(a.heard).toEqual([]);
    await c.changes.publish({ roomId: 'room-2', userIds: ['dave'] });
    expect(a.heard).toEqual([{ roomId: 'room-2', userIds: ['dave'] }]);
    expect(b.heard).toHaveLength(2);
  });

  it('a node that has closed no longer counts among those a change waits for', async () => {
    // A wait of a minute would outlast the test: the publish must not wait on the closed node.
    const a = await start({ ackTimeoutMs: 60_000 });
    const b = await start({ ackTimeoutMs: 60_000 });
    await b.changes.close();
    await a.changes.publish({ roomId: 'r', userIds: ['u'] });
    expect(b.heard).toEqual([]);
  });

  it('waits at most ackTimeoutMs for a subscriber that never confirms', async () => {
    const a = await start({ ackTimeoutMs: 300 });
    const silent = await connect();
    const seen: string[] = [];
    await silent.subscribe(`${prefix}access-changes`, (message) => seen.push(message));
    const began = Date.now();
    await a.changes.publish({ roomId: 'r', userIds: ['u'] });
    const waited = Date.now() - began;
    expect(seen).toHaveLength(1);
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(2000);
  });

  it('is not live while its subscription is down, and forgets everything when it drops and when it is back', async () => {
    proxy = await startTcpProxy(redisTarget(TEST_REDIS_URL));
    const a = await start();
    const b = await start({ url: proxy.url() });
    expect(b.changes.live).toBe(true);

    const dropped = nextMissed(b, 'the drop');
    await proxy.cut();
    await dropped;
    expect(b.changes.live).toBe(false);
    // Redis no longer counts b: the writer does not wait for it.
    const began = Date.now();
    await a.changes.publish({ roomId: 'lost', userIds: ['u'] });
    expect(Date.now() - began).toBeLessThan(500);

    const missedBefore = b.missed;
    await proxy.restore();
    await nextCall<[]>(
      (callback) => {
        const check = (): void => (b.changes.live ? callback() : void setTimeout(check, 10));
        check();
      },
      'b live again',
      5000,
    );
    expect(b.missed).toBeGreaterThan(missedBefore);
    await a.changes.publish({ roomId: 'after', userIds: ['u'] });
    expect(b.heard).toEqual([{ roomId: 'after', userIds: ['u'] }]);
  });

  it('forgets everything on a notice it cannot read', async () => {
    const b = await start();
    const raw = await connect();
    const missed = nextMissed(b, 'the unreadable notice');
    await raw.publish(`${prefix}access-changes`, '{"not":"a notice"}');
    await missed;
    expect(b.heard).toEqual([]);
  });
});
