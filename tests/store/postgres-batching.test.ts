import pg from 'pg';
import { PostgresStore } from '../../server/store/postgres/postgres-store';
import { DEFAULT_STORE_OPTIONS } from '../../server/store/store-options';
import type { InsertedMessage, NewMessage } from '../../server/store/types';
import { createTestSchema, type TestSchema } from '../helpers/postgres';
import { needs } from '../helpers/services';
import { at, createStoreHelpers, member, owner, range, room, type StoreHelpers } from './store-fixtures';

/**
 * Group commit in the PostgreSQL store: concurrent insertMessage and markRead calls go to the
 * database as one statement per batch, and every guarantee of the one-by-one path still holds per
 * call (gap-free seqs, idempotent client_ids, arrival order, one failure failing one caller). The
 * ChatStore behaviour itself is store.test.ts's and its siblings', which run through the batches too.
 */
needs('postgres').describe('PostgresStore group commit', () => {
  let schema: TestSchema;
  const opened: PostgresStore[] = [];
  let message: StoreHelpers['message'];

  async function open(writeWindowMs = 0): Promise<PostgresStore> {
    const store = await PostgresStore.open(
      schema.url,
      { onError: () => undefined },
      { ...DEFAULT_STORE_OPTIONS, writeWindowMs },
    );
    opened.push(store);
    return store;
  }

  beforeEach(async () => {
    schema = await createTestSchema();
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await schema.drop();
  });

  /**
   * Counts the statements every pg client of this process sends (one round trip each) until
   * `stop`, which answers the count.
   */
  function countStatements(): { stop(): number } {
    const spy = jest.spyOn(pg.Client.prototype, 'query');
    return {
      stop: () => {
        const count = spy.mock.calls.length;
        spy.mockRestore();
        return count;
      },
    };
  }

  const seqsByRoom = (results: readonly InsertedMessage[]): Map<string, number[]> => {
    const byRoom = new Map<string, number[]>();
    for (const { message: m } of results) byRoom.set(m.room_id, [...(byRoom.get(m.room_id) ?? []), m.seq]);
    return byRoom;
  };

  describe('on two store instances sharing the database', () => {
    let nodeA: PostgresStore;
    let nodeB: PostgresStore;
    const rooms = ['r1', 'r2', 'r3', 'r4'];

    beforeEach(async () => {
      nodeA = await open();
      nodeB = await open();
      ({ message } = createStoreHelpers(nodeA));
      for (const id of rooms) await nodeA.createRoom(room(id), [owner('alice'), member('bob')]);
    });

    it('numbers 240 concurrent sends 1..n per room, each caller answered with its own message, in few round trips', async () => {
      const inputs = range(1, 240).map((i) =>
        message(rooms[i % rooms.length] ?? 'r1', i % 3 === 0 ? 'alice' : 'bob', { client_id: `c-${i}` }),
      );
      const counter = countStatements();
      let results: InsertedMessage[];
      let statements: number;
      try {
        results = await Promise.all(inputs.map((m, i) => (i % 2 === 0 ? nodeA : nodeB).insertMessage(m)));
      } finally {
        statements = counter.stop();
      }

      expect(results.every((r) => r.created)).toBe(true);
      // Each caller got the message it sent, not another one.
      results.forEach((r, i) => {
        const sent = inputs[i];
        expect(r.message).toMatchObject({ id: sent?.id, room_id: sent?.room_id, content: sent?.content });
      });
      for (const [roomId, seqs] of seqsByRoom(results)) {
        const sorted = [...seqs].sort((a, b) => a - b);
        expect([roomId, sorted]).toEqual([roomId, range(1, 60)]);
        const history = await nodeB.listMessages({
          room_id: roomId,
          parent_id: null,
          before_seq: null,
          after_seq: 0,
          limit: 100,
        });
        // What was stored is what each caller was answered, under the same seq.
        const answered = results.filter((r) => r.message.room_id === roomId).map((r) => r.message);
        expect(history.messages).toStrictEqual([...answered].sort((a, b) => a.seq - b.seq));
        expect(await nodeA.getRoom(roomId, 'bob')).toMatchObject({ last_message_seq: 60 });
      }

      const batches = nodeA.groupCommitStats.batches + nodeB.groupCommitStats.batches;
      expect(nodeA.groupCommitStats.fallbacks + nodeB.groupCommitStats.fallbacks).toBe(0);
      // One statement per batch, and far fewer batches than messages.
      expect(statements).toBe(batches);
      expect(statements).toBeLessThanOrEqual(inputs.length / 20);
    });

    it('does not deadlock when the two instances write the same rooms in opposite orders', async () => {
      const forwards = [...rooms];
      const backwards = [...rooms].reverse();
      const started = Date.now();
      for (let round = 0; round < 10; round += 1) {
        await Promise.all([
          ...forwards.map((roomId) => nodeA.insertMessage(message(roomId, 'alice'))),
          ...forwards.map((roomId) => nodeA.markRead(roomId, 'bob', round)),
          ...backwards.map((roomId) => nodeB.insertMessage(message(roomId, 'bob'))),
          ...backwards.map((roomId) => nodeB.markRead(roomId, 'alice', round)),
        ]);
      }
      // A deadlock would have cost PostgreSQL's deadlock_timeout (1 s) and a fallback.
      expect(nodeA.groupCommitStats.fallbacks + nodeB.groupCommitStats.fallbacks).toBe(0);
      expect(Date.now() - started).toBeLessThan(10_000);
      for (const roomId of rooms) {
        expect(await nodeA.getRoom(roomId, 'alice')).toMatchObject({ last_message_seq: 20 });
      }
    });
  });

  describe('on one store instance', () => {
    let store: PostgresStore;

    beforeEach(async () => {
      store = await open();
      ({ message } = createStoreHelpers(store));
      await store.createRoom(room('r1'), [owner('alice'), member('bob')]);
    });

    const sendAll = (inputs: readonly NewMessage[]): Promise<PromiseSettledResult<InsertedMessage>[]> =>
      Promise.allSettled(inputs.map((m) => store.insertMessage(m)));

    it('stores one message for a client_id repeated within one batch; both callers see it', async () => {
      const first = message('r1', 'alice', { client_id: 'twice', content: 'first' });
      const again = message('r1', 'alice', { client_id: 'twice', content: 'again' });
      const [a, b] = await Promise.all([store.insertMessage(first), store.insertMessage(again)]);

      expect(store.groupCommitStats).toMatchObject({ batches: 1, writes: 2, fallbacks: 0 });
      expect([a?.created, b?.created]).toEqual([true, false]);
      expect(b?.message).toStrictEqual(a?.message);
      expect(a?.message).toMatchObject({ id: first.id, seq: 1, content: 'first' });
      expect(await store.getMessage(again.id)).toBeNull();
      // The repeat took no seq.
      expect((await store.insertMessage(message('r1', 'bob'))).message.seq).toBe(2);
    });

    it('rejects only the caller whose room does not exist; the rest of the batch commits', async () => {
      const inputs = [
        message('r1', 'alice'),
        message('missing-room', 'alice'),
        message('r1', 'bob'),
        message('r1', 'alice'),
      ];
      const settled = await sendAll(inputs);

      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      expect(settled[1]).toMatchObject({ reason: { message: 'room missing-room does not exist' } });
      expect(
        settled.map((s) => (s.status === 'fulfilled' ? s.value.message.seq : null)).filter((s) => s !== null),
      ).toEqual([1, 2, 3]);
      expect(store.groupCommitStats).toMatchObject({ batches: 1, fallbacks: 0 });
    });

    it('when one write makes the batch roll back, retries the writes one by one: only that caller fails', async () => {
      const { message: parent } = await store.insertMessage(message('r1', 'alice'));
      const inputs = [
        message('r1', 'bob', { parent_id: parent.id }),
        // A taken id: the INSERT raises, the batch's statement rolls back as a whole.
        message('r1', 'bob', { id: parent.id, parent_id: parent.id }),
        message('r1', 'alice', { client_id: 'after' }),
      ];
      const settled = await sendAll(inputs);

      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(store.groupCommitStats).toMatchObject({ batches: 2, fallbacks: 1 });
      const [reply, , after] = settled;
      // Gap-free: the failed write took no seq, and the parent counts one reply.
      expect(reply).toMatchObject({
        value: { message: { seq: 2 }, parent: { id: parent.id, reply_count: 1 } },
      });
      expect(after).toMatchObject({ value: { message: { seq: 3, client_id: 'after' }, created: true } });
      expect(await store.getMessage(parent.id)).toMatchObject({ reply_count: 1, content: parent.content });

      // The batcher goes on batching.
      const next = await Promise.all([
        store.insertMessage(message('r1', 'bob')),
        store.markRead('r1', 'bob', 4),
      ]);
      expect(next[0].message.seq).toBe(4);
      expect(next[1]).toStrictEqual({ last_read_seq: 4, last_message_seq: 4, changed: false });
      expect(store.groupCommitStats).toMatchObject({ batches: 3, fallbacks: 1 });
    });

    it('applies writes in call order: one sender’s seqs follow its calls, across batches', async () => {
      const calls: Promise<InsertedMessage>[] = [];
      // Several event-loop turns of calls, so that later ones queue while earlier batches commit.
      for (let turn = 0; turn < 5; turn += 1) {
        for (let i = 0; i < 40; i += 1) calls.push(store.insertMessage(message('r1', 'alice')));
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      const seqs = (await Promise.all(calls)).map((r) => r.message.seq);
      expect(seqs).toEqual(range(1, 200));
      expect(store.groupCommitStats.batches).toBeGreaterThan(1);
      expect(store.groupCommitStats.batches).toBeLessThan(200);
    });

    it('answers each read position as of its place among the writes of its batch', async () => {
      const [, bobRead, , bobAgain, carol] = await Promise.all([
        store.insertMessage(message('r1', 'alice')),
        store.markRead('r1', 'bob', 5),
        store.insertMessage(message('r1', 'alice')),
        store.markRead('r1', 'bob', 1),
        store.markRead('r1', 'carol', 1),
        store.insertMessage(message('r1', 'bob')),
      ]);

      expect(store.groupCommitStats.batches).toBe(1);
      // Clamped to the one message there was when it ran.
      expect(bobRead).toStrictEqual({ last_read_seq: 1, last_message_seq: 1, changed: true });
      expect(bobAgain).toStrictEqual({ last_read_seq: 1, last_message_seq: 2, changed: false });
      expect(carol).toBeNull();
      // Bob's own message moved his position past it.
      expect(await store.getRoom('r1', 'bob')).toMatchObject({ last_read_seq: 3, unread_count: 0 });
      expect(await store.getRoom('r1', 'alice')).toMatchObject({ last_read_seq: 2, unread_count: 1 });
    });

    it('returns what getMessage returns, for new messages, repeats and updated parents', async () => {
      const { message: parent } = await store.insertMessage(message('r1', 'alice'));
      await store.addReaction(parent.id, 'bob', '👍', at(5), { perMessage: 20, perUser: 20 });
      const [reply, repeat] = await Promise.all([
        store.insertMessage(message('r1', 'bob', { parent_id: parent.id, client_id: 'r' })),
        store.insertMessage(message('r1', 'bob', { parent_id: parent.id, client_id: 'r' })),
      ]);

      expect(reply.message).toStrictEqual(await store.getMessage(reply.message.id));
      expect(repeat).toStrictEqual({ message: reply.message, created: false, parent: null });
      expect(reply.parent).toStrictEqual(await store.getMessage(parent.id));
      expect(reply.parent).toMatchObject({
        reply_count: 1,
        reactions: [{ emoji: '👍', count: 1, user_ids: ['bob'] }],
      });
    });

    it('close() waits for the writes already made; later ones reject', async () => {
      const pending = range(1, 30).map(() => store.insertMessage(message('r1', 'alice')));
      await store.close();
      const settled = await Promise.allSettled(pending);
      expect(settled.every((s) => s.status === 'fulfilled')).toBe(true);
      await expect(store.insertMessage(message('r1', 'alice'))).rejects.toHaveProperty('message');
      await expect(store.markRead('r1', 'bob', 1)).rejects.toHaveProperty('message');

      const reopened = await open();
      expect(await reopened.getRoom('r1', 'alice')).toMatchObject({ last_message_seq: 30 });
    });
  });

  it('with a write window, batches writes made in separate event-loop turns within it', async () => {
    const store = await open(300);
    ({ message } = createStoreHelpers(store));
    await store.createRoom(room('r1'), [owner('alice'), member('bob')]);
    const first = store.insertMessage(message('r1', 'alice'));
    await new Promise<void>((resolve) => setImmediate(resolve));
    const second = store.insertMessage(message('r1', 'bob'));
    const results = await Promise.all([first, second]);

    expect(results.map((r) => r.message.seq)).toEqual([1, 2]);
    expect(store.groupCommitStats).toMatchObject({ batches: 1, writes: 2 });
  });

  it('roomAccess answers the room’s privacy and the user’s role, or null without the room', async () => {
    const store = await open();
    await store.createRoom(room('secret', { is_private: true }), [owner('alice'), member('bob')]);
    await store.createRoom(room('open'), [owner('bob')]);

    expect(await store.roomAccess('secret', 'alice')).toStrictEqual({
      is_private: true,
      role: 'owner',
      is_dm: false,
      muted_until: null,
    });
    expect(await store.roomAccess('secret', 'bob')).toStrictEqual({
      is_private: true,
      role: 'member',
      is_dm: false,
      muted_until: null,
    });
    expect(await store.roomAccess('secret', 'carol')).toStrictEqual({
      is_private: true,
      role: null,
      is_dm: false,
      muted_until: null,
    });
    expect(await store.roomAccess('open', 'alice')).toStrictEqual({
      is_private: false,
      role: null,
      is_dm: false,
      muted_until: null,
    });
    expect(await store.roomAccess('missing', 'alice')).toBeNull();
  });
});
