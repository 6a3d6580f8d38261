import type { PresenceStatus, PresenceTracker } from '../../server/domain/presence';
import { presenceKeys } from '../../server/shared-state/redis/presence-scripts';
import { redisTarget, startTcpProxy, type TcpProxy } from '../helpers/redis-proxy';
import {
  describeEachImplementation,
  nextCall,
  openRedisHarness,
  TEST_REDIS_URL,
  type Harness,
  type RedisHarness,
} from './harness';
import { needs } from '../helpers/services';

/**
 * One presence suite over every implementation (as colyseus runs its presence tests over
 * [LocalPresence, RedisPresence]): a user is online from their first socket to their last.
 */
describeEachImplementation('presence', (impl) => {
  let harness: Harness;
  beforeEach(() => {
    harness = impl.open();
  });
  afterEach(() => harness.close());

  it('counts a user online from their first socket to their last', async () => {
    const presence = await harness.presence();
    expect(await presence.connected('alice')).toBe(true);
    expect(await presence.connected('alice')).toBe(false);
    expect(await presence.onlineAmong(['alice', 'bob'])).toEqual(new Set(['alice']));
    expect(await presence.disconnected('alice')).toBe(false);
    expect(await presence.onlineAmong(['alice'])).toEqual(new Set(['alice']));
    expect(await presence.disconnected('alice')).toBe(true);
    expect(await presence.onlineAmong(['alice', 'bob'])).toEqual(new Set());
  });

  it('keeps users apart, answers for none, and ignores a close of a user it never saw', async () => {
    const presence = await harness.presence();
    await presence.connected('alice');
    await presence.connected('bob');
    expect(await presence.disconnected('carol')).toBe(false);
    expect(await presence.disconnected('bob')).toBe(true);
    expect(await presence.onlineAmong(['alice', 'bob', 'carol'])).toEqual(new Set(['alice']));
    expect(await presence.onlineAmong([])).toEqual(new Set());
  });

  it('comes back online after going offline', async () => {
    const presence = await harness.presence();
    await presence.connected('alice');
    await presence.disconnected('alice');
    expect(await presence.connected('alice')).toBe(true);
  });
});

type Change = [readonly string[], PresenceStatus];

/** Records every external change a node reports. */
function changesOf(presence: PresenceTracker): Change[] {
  const seen: Change[] = [];
  presence.onExternalChange(async (userIds, status) => {
    seen.push([userIds, status]);
  });
  return seen;
}

needs('redis').describe('presence across nodes (Redis)', () => {
  let harness: RedisHarness;
  beforeEach(() => {
    harness = openRedisHarness();
  });
  afterEach(() => harness.close());

  it('keeps a user online while any node holds one of their sockets', async () => {
    const a = await harness.presence();
    const b = await harness.presence();
    expect(await a.connected('alice')).toBe(true);
    expect(await b.connected('alice')).toBe(false);
    expect(await a.disconnected('alice')).toBe(false);
    expect(await a.onlineAmong(['alice'])).toEqual(new Set(['alice']));
    expect(await b.disconnected('alice')).toBe(true);
    expect(await a.onlineAmong(['alice'])).toEqual(new Set());
    expect(await b.onlineAmong(['alice'])).toEqual(new Set());
  });

  it('a node that goes away holding sockets: one live node reports its users offline, once', async () => {
    const [gone, b, c] = [await harness.presence(), await harness.presence(), await harness.presence()];
    const seen = [changesOf(b), changesOf(c)];
    await gone.connected('alice'); // only there
    await gone.connected('bob');
    await b.connected('bob'); // also on a live node
    // It dies without closing anything: its heartbeat lapses (removed here rather than waited for).
    await (await harness.client()).del(presenceKeys(harness.prefix).alive(gone.nodeId));
    // Both live nodes sweep at the same moment; the dead node can be claimed only once.
    await Promise.all([b.sweepNow(), c.sweepNow()]);
    expect(seen.flat()).toEqual([[['alice'], 'offline']]);
    expect(await b.onlineAmong(['alice', 'bob'])).toEqual(new Set(['bob']));
    // Another sweep finds nothing left to reap.
    await Promise.all([b.sweepNow(), c.sweepNow()]);
    expect(seen.flat()).toHaveLength(1);
  });

  it('a node taken for dead while alive restores its users at its next heartbeat', async () => {
    const a = await harness.presence({ ttlMs: 1200 });
    const b = await harness.presence({ ttlMs: 1200 });
    await a.connected('alice');
    const restored = nextCall<Change>(
      (cb) => a.onExternalChange(async (...args) => cb(...args)),
      'a restore',
    );
    const reaped = nextCall<Change>((cb) => b.onExternalChange(async (...args) => cb(...args)), 'a reap');
    // As if its heartbeat had lapsed during an outage.
    const client = await harness.client();
    await client.del(presenceKeys(harness.prefix).alive(a.nodeId));
    await b.sweepNow();
    expect(await reaped).toEqual([['alice'], 'offline']);
    expect(await b.onlineAmong(['alice'])).toEqual(new Set());
    expect(await restored).toEqual([['alice'], 'online']);
    expect(await b.onlineAmong(['alice'])).toEqual(new Set(['alice']));
    expect(await a.disconnected('alice')).toBe(true);
  });

  it('a node reaped while alive, then joined by a user before its next heartbeat, restores everyone', async () => {
    const a = await harness.presence();
    const b = await harness.presence();
    const announcedByA = changesOf(a);
    await a.connected('alice');
    // A stalls past its heartbeat lifetime and B reaps it: alice is counted offline.
    const client = await harness.client();
    await client.del(presenceKeys(harness.prefix).alive(a.nodeId));
    await b.sweepNow();
    expect(await b.onlineAmong(['alice'])).toEqual(new Set());
    // A user connects on A before its heartbeat, which puts A back among the nodes.
    expect(await a.connected('bob')).toBe(true);
    await a.heartbeatNow();
    expect(announcedByA).toEqual([[['alice'], 'online']]);
    expect(await b.onlineAmong(['alice', 'bob'])).toEqual(new Set(['alice', 'bob']));
    expect(await a.disconnected('alice')).toBe(true);
    expect(await b.onlineAmong(['alice', 'bob'])).toEqual(new Set(['bob']));
  });

  describe('through an outage', () => {
    let proxy: TcpProxy;
    beforeEach(async () => {
      proxy = await startTcpProxy(redisTarget(TEST_REDIS_URL));
    });
    afterEach(() => proxy.close());

    it('a close that could not be written while Redis was away is announced when it returns', async () => {
      const a = await harness.presence({ ttlMs: 1200, redisUrl: proxy.url() });
      const b = await harness.presence();
      await a.connected('alice');
      const announced = nextCall<Change>(
        (cb) => a.onExternalChange(async (...args) => cb(...args)),
        'a repair',
      );
      await proxy.cut();
      await expect(a.disconnected('alice')).rejects.toThrow();
      expect(await b.onlineAmong(['alice'])).toEqual(new Set(['alice']));
      await proxy.restore();
      expect(await announced).toEqual([['alice'], 'offline']);
      expect(await b.onlineAmong(['alice'])).toEqual(new Set());
    });
  });
});
