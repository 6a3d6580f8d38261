import type { ChangeEvent } from '../../../shared/client/change-events';
import { RoomFollower, type FollowStart } from '../../../shared/client/room-follower';
import { CURRENT_VERSION_PROBE } from '../../../shared/client/room-change-feed';
import { FakeHistory, flush } from './fake-history';
import { MessageView } from './message-view';

/**
 * A follower over `history` whose every emitted event feeds a MessageView (the consumer's copy)
 * and a log of event names, so tests can check both the order of events and where they lead.
 */
function follow(history: FakeHistory, start: number | FollowStart | Promise<number | FollowStart>) {
  const view = new MessageView();
  const log: string[] = [];
  const failures: unknown[] = [];
  const follower = new RoomFollower('room1', start, {
    fetchAfter: history.fetchAfter,
    fetchChanges: history.fetchChanges,
    deliver: (m) => {
      log.push(`new ${m.seq}`);
      view.onNew(m);
    },
    deliverChange: (change) => {
      log.push(`${LABELS[change.event]} ${aboutWhat(history, change)}`);
      apply(view, change);
    },
    onFailure: (error) => failures.push(error),
  });
  /** The consumer's copy must be the stored room, field for field, with nothing odd on the way. */
  const expectExact = (): void => {
    expect(view.anomalies).toEqual([]);
    expect(view.messagesOf('room1')).toEqual(history.stored);
  };
  return { follower, view, log, failures, expectExact };
}

const LABELS = {
  'message:updated': 'updated',
  'message:deleted': 'deleted',
  'reaction:updated': 'reactions',
} as const;

function apply(view: MessageView, change: ChangeEvent): void {
  if (change.event === 'message:updated') view.onUpdated(change.payload);
  else if (change.event === 'message:deleted') view.onDeleted(change.payload);
  else view.onReactions(change.payload);
}

/** `seq@version` of the message a change is about. */
function aboutWhat(history: FakeHistory, change: ChangeEvent): string {
  const id = change.event === 'message:updated' ? change.payload.id : change.payload.message_id;
  const seq = history.stored.find((m) => m.id === id)?.seq;
  return `${seq}@${change.payload.version}`;
}

const SEEDS = Array.from({ length: 20 }, (_, i) => i + 1);

describe('RoomFollower: changes to messages (room:sync)', () => {
  it('passes live changes on at once and moves its version with them', () => {
    const history = new FakeHistory();
    const { follower, log, expectExact } = follow(history, { seq: 0, version: 0 });
    for (const m of history.add(2)) follower.receive(m);
    follower.receiveChange(history.edit(1, 'edited'));
    follower.receiveChange(history.react(2, '👍'));
    follower.receiveChange(history.remove(1));
    expect(log).toEqual(['new 1', 'new 2', 'updated 1@3', 'reactions 2@4', 'deleted 1@5']);
    expect(follower.lastVersion).toBe(5);
    expectExact();
    expect(history.syncs).toEqual([]);
  });

  it('after a reconnect, replays what changed among delivered messages, once each in its current state, before fetching new ones', async () => {
    const history = new FakeHistory();
    const { follower, log, expectExact } = follow(history, { seq: 0, version: 0 });
    for (const m of history.add(4)) follower.receive(m);
    expect(follower.lastVersion).toBe(4);
    // Offline: nothing of this arrives live.
    history.edit(1, 'one');
    history.edit(1, 'two');
    history.edit(1, 'three'); // changed three times: replayed once
    history.react(2, '🎉', 2);
    history.remove(3);
    history.add(2); // 5 and 6: new, so message:history's
    history.edit(5, 'edited before it was ever delivered');
    log.length = 0;

    await follower.catchUp();

    expect(history.syncs).toEqual([4]);
    expect(history.fetches).toEqual([4]);
    expect(log).toEqual([
      'updated 1@7',
      'reactions 1@7',
      'updated 2@8',
      'reactions 2@8',
      'deleted 3@9',
      'updated 3@9', // the tombstone, with its reply_count and edited_at
      'new 5',
      'new 6',
    ]);
    expect(follower.lastVersion).toBe(history.roomVersion);
    expectExact();
  });

  it('pages room:sync while has_more, passing back the version each page answers', async () => {
    const history = new FakeHistory(3);
    const { follower, expectExact } = follow(history, { seq: 0, version: 0 });
    for (const m of history.add(8)) follower.receive(m);
    for (let seq = 1; seq <= 8; seq++) history.edit(seq, `edited ${seq}`);
    await follower.catchUp();
    // Versions 9-16 are the edits: pages of three end at 11 and 14, the last answers the room's 16.
    expect(history.syncs).toEqual([8, 11, 14]);
    expect(follower.lastVersion).toBe(16);
    expectExact();
  });

  it('learns the version of a room followed mid-way with one probe, replaying nothing from before', async () => {
    const history = new FakeHistory();
    history.add(3);
    history.edit(2, 'before following');
    // The consumer loaded 1-3 itself before following (so this test's view lacks them).
    const { follower, log } = follow(history, 3);
    await follower.catchUp();
    expect(history.syncs).toEqual([CURRENT_VERSION_PROBE]);
    expect(follower.lastVersion).toBe(4);
    expect(log).toEqual([]);
    // From then on, changes missed while away are replayed.
    history.edit(3, 'after following');
    await follower.catchUp();
    expect(history.syncs).toEqual([CURRENT_VERSION_PROBE, 4]);
    expect(log).toEqual(['updated 3@5', 'reactions 3@5']);
  });

  it('takes the version a start answered with (a page read), and syncs from it', async () => {
    const history = new FakeHistory();
    history.add(3);
    const { follower } = follow(history, Promise.resolve({ seq: 3, version: 3 }));
    history.edit(1, 'after the page was read');
    await follower.catchUp();
    expect(history.syncs).toEqual([3]);
    expect(follower.lastVersion).toBe(4);
  });

  it('holds live changes while catching up, then emits those newer than what it read, in arrival order', async () => {
    const history = new FakeHistory();
    const { follower, log, expectExact } = follow(history, { seq: 0, version: 0 });
    for (const m of history.add(3)) follower.receive(m);
    history.edit(1, 'missed while offline'); // version 4
    history.gateChanges();
    const done = follower.catchUp();
    await flush();
    // Committed and broadcast before the sync's read: stale once the sync answers.
    const stale = history.edit(1, 'read by the sync too'); // 5
    history.open();
    follower.receiveChange(stale);
    // Committed after the sync's read: must come after the replay, not before.
    await flush();
    const edit = history.edit(2, 'after the sync'); // 6
    follower.receiveChange(edit);
    await done;
    expect(log.slice(3)).toEqual(['updated 1@5', 'reactions 1@5', 'updated 2@6']);
    expect(follower.lastVersion).toBe(6);
    expectExact();
  });

  it('never lets a live change overtake the message:new of its message', async () => {
    const history = new FakeHistory();
    const { follower, log, expectExact } = follow(history, { seq: 0, version: 0 });
    for (const m of history.add(1)) follower.receive(m);
    history.add(2); // 2 and 3 sent while offline
    history.gate();
    const done = follower.catchUp();
    await flush();
    // Edited after the reconnect; the broadcast arrives while history is still being fetched.
    follower.receiveChange(history.edit(3, 'edited live'));
    expect(log).toEqual(['new 1']);
    history.open();
    await done;
    // History read message 3 after the edit: the held edit is no news and is dropped, but it was
    // heard live, so the version covers it (the next sync need not list message 3 again).
    expect(log).toEqual(['new 1', 'new 2', 'new 3']);
    expect(follower.lastVersion).toBe(4);
    expectExact();
  });

  it('does not move its version past a sync still owed, and resumes a failed sync where its last page ended', async () => {
    const history = new FakeHistory(2);
    const { follower, expectExact } = follow(history, { seq: 0, version: 0 });
    for (const m of history.add(4)) follower.receive(m);
    for (let seq = 1; seq <= 4; seq++) history.edit(seq, `missed ${seq}`); // versions 5-8
    history.gateChanges();
    const failing = follower.catchUp();
    await flush();
    // A live change heard on the new connection while the sync is owed.
    const live = history.react(4, '👀'); // 9
    follower.receiveChange(live);
    expect(follower.lastVersion).toBe(4);
    // The first page (5, 6) arrives; the second request fails (the connection dropped again).
    history.failSyncAfter.set(6, new Error('connection lost'));
    history.open();
    await expect(failing).rejects.toThrow('connection lost');
    expect(history.syncs).toEqual([4, 6]);
    expect(follower.lastVersion).toBe(6);
    // The held live change waits for the next run, whose reads tell whether it is stale.
    await follower.catchUp();
    expect(history.syncs).toEqual([4, 6, 6]);
    expect(follower.lastVersion).toBe(9);
    expectExact();
  });

  it('retries a sync still owed when the next live change arrives, and releases it after', async () => {
    const history = new FakeHistory();
    const { follower, failures, log, expectExact } = follow(history, { seq: 0, version: 0 });
    for (const m of history.add(2)) follower.receive(m);
    history.edit(1, 'missed'); // 3
    history.failNextSync = new Error('timed out');
    await expect(follower.catchUp()).rejects.toThrow('timed out');
    log.length = 0;
    follower.receiveChange(history.edit(2, 'live')); // 4: held behind the owed sync
    await flush();
    expect(failures).toEqual([]);
    // The retried sync read the edit too, so the held copy is no news.
    expect(log).toEqual(['updated 1@3', 'reactions 1@3', 'updated 2@4', 'reactions 2@4']);
    expect(follower.lastVersion).toBe(4);
    expectExact();
  });

  it('answers the held changes on stop, and emits nothing after', async () => {
    const history = new FakeHistory();
    const { follower, log } = follow(history, { seq: 0, version: 0 });
    for (const m of history.add(1)) follower.receive(m);
    history.gate();
    const done = follower.catchUp();
    const change = history.edit(1, 'held');
    follower.receiveChange(change);
    expect(follower.stop().changes).toEqual([change]);
    history.open();
    await done;
    follower.receiveChange(history.edit(1, 'after stop'));
    expect(log).toEqual(['new 1']);
  });

  /**
   * The promise over many random schedules: messages are sent, edited, deleted and reacted to;
   * the live copy of each event is lost (as while offline), delayed, or arrives; catch-ups (the
   * reconnects) come at random points, with requests answering at random moments. After a final
   * catch-up and the live events still on their way, the consumer's copy is the stored room.
   */
  it.each(SEEDS)('converges to the stored room (random schedule %i)', async (seed) => {
    const random = mulberry32(seed);
    const history = new FakeHistory(3 + Math.floor(random() * 20));
    const { follower, expectExact } = follow(history, { seq: 0, version: 0 });
    const pending: Promise<void>[] = [];
    // Live events keep their order (a room's broadcasts do); some are lost while "offline".
    const live: (() => void)[] = [];
    let offline = false;
    for (let step = 0; step < 300; step++) {
      const roll = random();
      const count = history.stored.length;
      let deliver: (() => void) | undefined;
      if (roll < 0.35 || count === 0) {
        const [m] = history.add(1);
        if (m) deliver = () => follower.receive(m);
      } else {
        const seq = 1 + Math.floor(random() * count);
        const target = history.at(seq);
        if (target.deleted) continue;
        const change =
          roll < 0.6
            ? history.edit(seq, `edit ${step}`)
            : roll < 0.85
              ? history.react(seq, ['👍', '🎉', '👀'][step % 3] ?? '👍', 1 + (step % 4))
              : history.remove(seq);
        deliver = () => follower.receiveChange(change);
      }
      if (deliver && !offline) live.push(deliver);
      if (random() < 0.05) {
        offline = !offline;
        // A drop loses what was still on its way; a reconnect catches up before anything new arrives.
        if (offline) live.length = 0;
        else pending.push(follower.catchUp());
      }
      if (!offline && random() < 0.05) pending.push(follower.catchUp()); // follow() or sync()
      while (live.length > 0 && random() < 0.6) live.shift()?.();
      if (random() < 0.2) await flush(); // let requests answer at random points
    }
    for (const deliver of live.splice(0)) deliver();
    await Promise.all(pending);
    await follower.catchUp();
    expectExact();
    expect(history.maxInFlight).toBe(1);
    expect(follower.lastVersion).toBe(history.roomVersion);
  });
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
