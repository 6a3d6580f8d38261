import type { PresenceStatus, PresenceTracker } from '../../server/domain/presence';
import { presenceKeys } from '../../server/shared-state/redis/presence-scripts';
import { needs } from '../helpers/services';
import { openRedisHarness, type RedisHarness } from './harness';

type Change = [readonly string[], PresenceStatus];

/** Records every external change a node reports. */
function changesOf(presence: PresenceTracker): Change[] {
  const seen: Change[] = [];
  presence.onExternalChange(async (userIds, status) => {
    seen.push([userIds, status]);
  });
  return seen;
}

/**
 * A node that stops cleanly is not a node that died: it deregisters at once, so the others have
 * nothing to reap (and log no reap), and nobody stays online because of it.
 */
needs('redis').describe('presence: a node that stops cleanly (Redis)', () => {
  let harness: RedisHarness;
  beforeEach(() => {
    harness = openRedisHarness();
  });
  afterEach(() => harness.close());

  it('leaves no trace the others could take for a dead node', async () => {
    const [leaving, b] = [await harness.presence(), await harness.presence()];
    const seenByB = changesOf(b);
    await leaving.connected('alice');
    await leaving.disconnected('alice'); // its sockets are closed first, as at shutdown
    await leaving.close();

    const client = await harness.client();
    const keys = presenceKeys(harness.prefix);
    expect(await client.sMembers(keys.nodes)).toEqual([b.nodeId]);
    expect(await client.exists([keys.alive(leaving.nodeId), keys.node(leaving.nodeId)])).toBe(0);
    await b.sweepNow();
    expect(seenByB).toEqual([]);
  });

  it('takes sockets whose close was never written off at once, announcing those users itself', async () => {
    const [leaving, b] = [await harness.presence(), await harness.presence()];
    const seenByLeaving = changesOf(leaving);
    const seenByB = changesOf(b);
    await leaving.connected('alice'); // only here
    await leaving.connected('bob');
    await b.connected('bob'); // also on a node that stays
    await leaving.close();

    expect(await b.onlineAmong(['alice', 'bob'])).toEqual(new Set(['bob']));
    expect(seenByLeaving).toEqual([[['alice'], 'offline']]);
    await b.sweepNow();
    expect(seenByB).toEqual([]);
    expect(await b.disconnected('bob')).toBe(true);
  });
});
