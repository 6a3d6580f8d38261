import type { TypingUser } from '../../shared/index';
import type { TypingTracker } from '../../server/domain/typing';
import {
  describeEachImplementation,
  nextCall,
  openRedisHarness,
  type Harness,
  type RedisHarness,
} from './harness';
import { needs } from '../helpers/services';

const alice: TypingUser = { user_id: 'alice', username: 'Alice' };
const bob: TypingUser = { user_id: 'bob', username: 'Bob' };

const TIMEOUT_MS = 100;

function nextExpiry(tracker: TypingTracker): Promise<[string, TypingUser[]]> {
  return nextCall((cb) => tracker.onExpired(cb), 'a typing expiry');
}

/** One typing suite over every implementation, on a clock the test moves. */
describeEachImplementation('typing', (impl) => {
  let harness: Harness;
  let clock: number;
  let tracker: TypingTracker;
  beforeEach(async () => {
    harness = impl.open();
    clock = 1_000_000;
    tracker = await harness.typing(TIMEOUT_MS, () => clock);
  });
  afterEach(() => harness.close());

  it('reports the full list on each change, and nothing for a renewal or a stop of a non-typer', async () => {
    expect(await tracker.set('r1', alice, true)).toEqual([alice]);
    expect(await tracker.set('r1', bob, true)).toEqual([alice, bob]);
    expect(await tracker.set('r1', alice, true)).toBeNull();
    expect(await tracker.set('r1', { user_id: 'carol', username: 'Carol' }, false)).toBeNull();
    expect(await tracker.list('r1')).toEqual([alice, bob]);
    expect(await tracker.set('r1', alice, false)).toEqual([bob]);
    expect(await tracker.set('r1', bob, false)).toEqual([]);
    expect(await tracker.list('r1')).toEqual([]);
  });

  it('keeps the order in which people started, through renewals and restarts', async () => {
    await tracker.set('r1', alice, true);
    await tracker.set('r1', bob, true);
    await tracker.set('r1', alice, true);
    expect(await tracker.list('r1')).toEqual([alice, bob]);
    await tracker.set('r1', alice, false);
    expect(await tracker.set('r1', alice, true)).toEqual([bob, alice]);
  });

  it('treats a renewal under a new display name as a change', async () => {
    await tracker.set('r1', alice, true);
    const renamed = { user_id: 'alice', username: 'Alice L.' };
    expect(await tracker.set('r1', renamed, true)).toEqual([renamed]);
    expect(await tracker.list('r1')).toEqual([renamed]);
  });

  it('keeps rooms apart and clears a user everywhere at once', async () => {
    await tracker.set('r1', alice, true);
    await tracker.set('r2', alice, true);
    await tracker.set('r2', bob, true);
    expect(await tracker.clearUser('alice')).toEqual(
      new Map([
        ['r1', []],
        ['r2', [bob]],
      ]),
    );
    expect(await tracker.clearUser('alice')).toEqual(new Map());
    expect(await tracker.list('r2')).toEqual([bob]);
  });

  it('expires entries that were not renewed, and reports each room once per change', async () => {
    await tracker.set('r1', alice, true);
    await tracker.set('r1', bob, true);
    clock += 60;
    await tracker.set('r1', bob, true); // bob renews: his entry now ends later than alice's
    clock += 50; // alice is past her timeout, bob is not
    expect(await nextExpiry(tracker)).toEqual(['r1', [bob]]);
    clock += 100;
    expect(await nextExpiry(tracker)).toEqual(['r1', []]);
    expect(await tracker.list('r1')).toEqual([]);
    // An expired typer who starts again is a change again.
    expect(await tracker.set('r1', alice, true)).toEqual([alice]);
  });

  it('reports expiries in different rooms separately', async () => {
    await tracker.set('r1', alice, true);
    await tracker.set('r2', bob, true);
    const seen: [string, TypingUser[]][] = [];
    const both = new Promise<void>((resolve) =>
      tracker.onExpired((roomId, users) => {
        seen.push([roomId, users]);
        if (seen.length === 2) resolve();
      }),
    );
    clock += TIMEOUT_MS;
    await both;
    expect(seen).toEqual(
      expect.arrayContaining([
        ['r1', []],
        ['r2', []],
      ]),
    );
  });
});

needs('redis').describe('typing across nodes (Redis)', () => {
  let harness: RedisHarness;
  let clock: number;
  beforeEach(() => {
    harness = openRedisHarness();
    clock = 1_000_000;
  });
  afterEach(() => harness.close());

  it('every node sees one state: a start on one node, a stop on another', async () => {
    const a = await harness.typing(TIMEOUT_MS, () => clock);
    const b = await harness.typing(TIMEOUT_MS, () => clock);
    expect(await a.set('r1', alice, true)).toEqual([alice]);
    expect(await b.set('r1', alice, true)).toBeNull(); // a renewal, wherever it comes from
    expect(await b.set('r1', bob, true)).toEqual([alice, bob]);
    expect(await a.list('r1')).toEqual([alice, bob]);
    expect(await b.clearUser('alice')).toEqual(new Map([['r1', [bob]]]));
    expect(await a.list('r1')).toEqual([bob]);
  });

  it('each expiry is reported by exactly one node', async () => {
    const nodes = [
      await harness.typing(TIMEOUT_MS, () => clock),
      await harness.typing(TIMEOUT_MS, () => clock),
      await harness.typing(TIMEOUT_MS, () => clock),
    ];
    const seen: [string, TypingUser[]][] = [];
    const first = nextCall<[string, TypingUser[]]>((cb) => {
      for (const node of nodes) {
        node.onExpired((roomId, users) => {
          seen.push([roomId, users]);
          cb(roomId, users);
        });
      }
    }, 'a typing expiry');
    await nodes[0]?.set('r1', alice, true);
    clock += TIMEOUT_MS;
    expect(await first).toEqual(['r1', []]);
    // Every node sweeps once more (a sweep in flight is awaited): none finds anything left.
    await Promise.all(nodes.map((node) => node.sweepNow()));
    expect(seen).toEqual([['r1', []]]);
  });
});
