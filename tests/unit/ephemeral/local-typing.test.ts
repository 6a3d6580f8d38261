import type { TypingUser } from '../../../shared/index';
import { LocalTypingTracker } from '../../../server/ephemeral/local-typing';

const alice: TypingUser = { user_id: 'alice', username: 'Alice' };
const bob: TypingUser = { user_id: 'bob', username: 'Bob' };

/** Resolves with the next expiry the tracker reports; rejects if none comes in time. */
function nextExpiry(tracker: LocalTypingTracker, timeoutMs = 2000): Promise<[string, TypingUser[]]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no expiry reported')), timeoutMs);
    tracker.onExpired((roomId, users) => {
      clearTimeout(timer);
      resolve([roomId, users]);
    });
  });
}

describe('LocalTypingTracker', () => {
  let clock: number;
  let tracker: LocalTypingTracker;

  beforeEach(() => {
    clock = 1_000_000;
    tracker = new LocalTypingTracker(100, () => clock);
  });

  afterEach(() => tracker.close());

  it('reports the full list on each change, and nothing for a renewal or a stop of a non-typer', async () => {
    expect(await tracker.set('r1', alice, true)).toEqual([alice]);
    expect(await tracker.set('r1', bob, true)).toEqual([alice, bob]);
    expect(await tracker.set('r1', alice, true)).toBeNull();
    expect(await tracker.set('r1', { user_id: 'carol', username: 'Carol' }, false)).toBeNull();
    expect(await tracker.set('r1', alice, false)).toEqual([bob]);
    expect(await tracker.set('r1', bob, false)).toEqual([]);
    expect(await tracker.list('r1')).toEqual([]);
  });

  it('keeps rooms apart and clears a user everywhere at once', async () => {
    await tracker.set('r1', alice, true);
    await tracker.set('r2', alice, true);
    await tracker.set('r2', bob, true);
    const changed = await tracker.clearUser('alice');
    expect([...changed]).toEqual([
      ['r1', []],
      ['r2', [bob]],
    ]);
    expect(await tracker.clearUser('alice')).toEqual(new Map());
  });

  it('expires entries that were not renewed, in one sweep, and reports each room once', async () => {
    await tracker.set('r1', alice, true);
    await tracker.set('r1', bob, true);
    clock += 60;
    await tracker.set('r1', bob, true); // bob renews: his entry now ends later than alice's
    clock += 50; // alice is past her timeout, bob is not
    expect(await nextExpiry(tracker)).toEqual(['r1', [bob]]);
    clock += 100;
    expect(await nextExpiry(tracker)).toEqual(['r1', []]);
    expect(await tracker.list('r1')).toEqual([]);
  });
});
