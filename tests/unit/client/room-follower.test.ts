import type { Message } from 'chat-service-contract';
import { RoomFollower } from '../../../shared/client/room-follower';
import { FakeHistory, flush, message } from './fake-history';

/** A follower over `history`, recording what it delivers and the failures nobody awaited. */
function follow(history: FakeHistory, start: number | Promise<number>) {
  const delivered: Message[] = [];
  const failures: unknown[] = [];
  const follower = new RoomFollower('room1', start, {
    fetchAfter: history.fetchAfter,
    fetchChanges: history.fetchChanges,
    deliver: (m) => delivered.push(m),
    deliverChange: () => undefined,
    onFailure: (error) => failures.push(error),
  });
  const seqs = (): number[] => delivered.map((m) => m.seq);
  const ids = (): string[] => delivered.map((m) => m.id);
  return { follower, delivered, failures, seqs, ids };
}

const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('RoomFollower', () => {
  it('delivers live messages that continue the sequence at once, without fetching', () => {
    const history = new FakeHistory();
    const { follower, seqs } = follow(history, 0);
    for (const m of history.add(3)) follower.receive(m);
    expect(seqs()).toEqual([1, 2, 3]);
    expect(follower.lastSeq).toBe(3);
    expect(history.fetches).toEqual([]);
  });

  it('drops a message whose seq was already delivered (a duplicate or an older one)', () => {
    const history = new FakeHistory();
    const { follower, ids } = follow(history, 0);
    const [m1, m2] = history.add(2);
    if (!m1 || !m2) throw new Error('fixture');
    follower.receive(m1);
    follower.receive(m2);
    follower.receive(m2);
    follower.receive(m1);
    expect(ids()).toEqual([m1.id, m2.id]);
    expect(history.fetches).toEqual([]);
  });

  it('fetches history after the last delivered seq when a live message skips one, and delivers in order', async () => {
    const history = new FakeHistory();
    const { follower, seqs } = follow(history, 1);
    const [, m2, m3, m4] = history.add(4);
    if (!m2 || !m3 || !m4) throw new Error('fixture');
    follower.receive(m4); // 2 and 3 never arrived live
    await flush();
    expect(history.fetches).toEqual([1]);
    expect(seqs()).toEqual([2, 3, 4]);
    // The late live copies are duplicates now.
    follower.receive(m2);
    follower.receive(m3);
    expect(seqs()).toEqual([2, 3, 4]);
  });

  it('pages history with has_more until it is false', async () => {
    const history = new FakeHistory(100);
    const { follower, seqs } = follow(history, 0);
    history.add(250);
    await follower.catchUp();
    expect(history.fetches).toEqual([0, 100, 200]);
    expect(seqs()).toEqual(range(1, 250));
  });

  it('holds live messages while a fetch runs and merges them afterwards, each once', async () => {
    const history = new FakeHistory();
    const { follower, seqs } = follow(history, 0);
    history.add(4);
    history.gate();
    const done = follower.catchUp();
    // Sent after the fetch was answered on the server: not in the page, only live.
    const [m5, m6] = history.add(2);
    if (!m5 || !m6) throw new Error('fixture');
    const [m3] = history.stored.slice(2, 3);
    if (!m3) throw new Error('fixture');
    follower.receive(m6);
    follower.receive(m3); // a live copy of one the page will also carry
    follower.receive(m5);
    expect(seqs()).toEqual([]); // nothing overtakes the fetch
    history.open();
    await done;
    expect(seqs()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('never runs two fetches for one room at once; a catch-up asked for mid-fetch fetches again afterwards', async () => {
    const history = new FakeHistory();
    const { follower, seqs } = follow(history, 0);
    history.add(2);
    history.gate();
    const first = follower.catchUp();
    await flush();
    history.add(2); // stored while the first fetch is on its way back
    const second = follower.catchUp();
    const third = follower.catchUp();
    expect(history.fetches).toEqual([0]);
    history.open();
    await Promise.all([first, second, third]);
    expect(history.maxInFlight).toBe(1);
    expect(history.fetches).toEqual([0, 4]);
    expect(seqs()).toEqual([1, 2, 3, 4]);
  });

  it('holds live messages until its starting seq is known, then delivers only the newer ones', async () => {
    const history = new FakeHistory();
    history.add(5);
    let resolveStart: (seq: number) => void = () => undefined;
    const { follower, seqs } = follow(history, new Promise<number>((resolve) => (resolveStart = resolve)));
    const done = follower.catchUp();
    const [m6] = history.add(1);
    const [m4] = history.stored.slice(3, 4);
    if (!m4 || !m6) throw new Error('fixture');
    follower.receive(m4);
    follower.receive(m6);
    expect(follower.lastSeq).toBeUndefined();
    resolveStart(5); // e.g. room:join answered last_message_seq 5
    await done;
    expect(seqs()).toEqual([6]);
    expect(history.fetches).toEqual([5]);
  });

  it('rejects the catch-up when its starting point cannot be had, delivering nothing', async () => {
    const history = new FakeHistory();
    const { follower, seqs, failures } = follow(history, Promise.reject(new Error('NOT_FOUND')));
    await expect(follower.catchUp()).rejects.toThrow('NOT_FOUND');
    expect(follower.lastSeq).toBeUndefined();
    expect(seqs()).toEqual([]);
    expect(failures).toEqual([]); // the waiter got it
  });

  it('rejects an awaited catch-up whose fetch fails, and keeps its position for the next one', async () => {
    const history = new FakeHistory();
    const { follower, seqs, failures } = follow(history, 0);
    history.add(3);
    history.failNext = new Error('connection lost');
    await expect(follower.catchUp()).rejects.toThrow('connection lost');
    expect(failures).toEqual([]);
    expect(follower.lastSeq).toBe(0);
    await follower.catchUp();
    expect(seqs()).toEqual([1, 2, 3]);
  });

  it('reports a failed gap fetch through onFailure, keeps the held message, and recovers on the next one', async () => {
    const history = new FakeHistory();
    const { follower, seqs, failures } = follow(history, 0);
    const [, m2, m3] = history.add(3);
    if (!m2 || !m3) throw new Error('fixture');
    const failure = new Error('timed out');
    history.failNext = failure;
    follower.receive(m2);
    await flush();
    expect(failures).toEqual([failure]);
    expect(seqs()).toEqual([]);
    follower.receive(m3);
    await flush();
    expect(seqs()).toEqual([1, 2, 3]);
  });

  it('leaves a gap history cannot fill yet held, without fetching in a loop, until the missing message arrives', async () => {
    const history = new FakeHistory();
    const { follower, seqs } = follow(history, 0);
    // Message 2's broadcast overtook message 1's, and the fetch does not see 1 yet.
    const m1 = message(1);
    const m2 = message(2);
    follower.receive(m2);
    await flush();
    expect(history.fetches).toEqual([0]);
    expect(seqs()).toEqual([]);
    follower.receive(m1);
    await flush();
    expect(seqs()).toEqual([1, 2]);
  });

  it('delivers nothing once stopped, and answers what it held in seq order', async () => {
    const history = new FakeHistory();
    const { follower, seqs } = follow(history, 0);
    history.add(3);
    history.gate();
    const done = follower.catchUp();
    const [m5, m4] = [message(5), message(4)];
    follower.receive(m5);
    follower.receive(m4);
    expect(follower.stop().messages.map((m) => m.seq)).toEqual([4, 5]);
    history.open();
    await done;
    follower.receive(message(6));
    expect(seqs()).toEqual([]);
  });

  it('lets a listener ask for a catch-up while it is being delivered to', async () => {
    const history = new FakeHistory();
    const delivered: number[] = [];
    let asked: Promise<void> | undefined;
    const follower = new RoomFollower('room1', 0, {
      fetchAfter: history.fetchAfter,
      fetchChanges: history.fetchChanges,
      deliverChange: () => undefined,
      deliver: (m) => {
        delivered.push(m.seq);
        if (m.seq === 1) {
          history.add(1); // message 3, stored while message 1 is being delivered
          asked = follower.catchUp();
        }
      },
      onFailure: (error) => {
        throw error;
      },
    });
    history.add(2);
    await follower.catchUp();
    await asked;
    expect(delivered).toEqual([1, 2, 3]);
  });

  /**
   * The property the client promises, over many random schedules: whatever order, duplication and
   * loss live delivery suffers, and whenever catch-ups are asked for, the consumer gets 1..N once
   * each, in order. A seeded generator keeps every run the same.
   */
  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'delivers 1..N exactly once and in order (random schedule %i)',
    async (seed) => {
      const random = mulberry32(seed);
      const total = 400;
      const history = new FakeHistory(7 + Math.floor(random() * 40));
      const { follower, seqs } = follow(history, 0);
      const pending: Promise<void>[] = [];
      const live: Message[] = [];
      while (history.stored.length < total) {
        const [m] = history.add(1);
        if (!m) throw new Error('fixture');
        const roll = random();
        if (roll < 0.7) live.push(m); // arrives, maybe late
        if (roll > 0.9) live.push(m, m); // arrives twice
        // (0.7-0.9: lost, as during a disconnection)
        if (random() < 0.3 && live.length > 1) {
          // Broadcasts overtaking one another: swap two pending live messages.
          const i = Math.floor(random() * live.length);
          const j = Math.floor(random() * live.length);
          const [a, b] = [live[i], live[j]];
          if (a && b) [live[i], live[j]] = [b, a];
        }
        while (live.length > 0 && random() < 0.6) {
          const next = live.shift();
          if (next) follower.receive(next);
        }
        if (random() < 0.05) pending.push(follower.catchUp()); // a reconnect
        if (random() < 0.2) await flush(); // let fetches answer at random points
      }
      for (const m of live) follower.receive(m);
      pending.push(follower.catchUp());
      await Promise.all(pending);
      expect(seqs()).toEqual(range(1, total));
      expect(history.maxInFlight).toBe(1);
    },
  );
});

/** A small seeded PRNG (mulberry32), so the random schedules are the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
