import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { batchCommitter } from '../../server/store/sqlite/writer-batch';
import { migrate } from '../../server/store/sqlite/migrations';
import { openConnection } from '../../server/store/sqlite/sqlite-rows';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store';
import { SqliteWrites } from '../../server/store/sqlite/sqlite-writes';
import type { WriteRequest } from '../../server/store/sqlite/writer-protocol';
import { tempSqliteFile } from './store-factories';
import { createStoreHelpers, owner, range, room } from './store-fixtures';

/**
 * The SQLite store's group commit: writes that arrive together are committed by the writer thread
 * as one transaction, each answered only once that transaction is durable.
 */
describe('SQLite group commit', () => {
  let file: string;
  let remove: () => Promise<void>;
  const opened: SqliteStore[] = [];

  beforeEach(async () => {
    ({ file, remove } = await tempSqliteFile());
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await remove();
  });

  function open(windowMs = 0): SqliteStore {
    const store = new SqliteStore(file, { reactionUsersShown: 10, writeWindowMs: windowMs });
    opened.push(store);
    return store;
  }

  it('commits concurrent sends in far fewer transactions than sends, each room numbered 1..n with no gap', async () => {
    const store = open();
    const { message } = createStoreHelpers(store);
    for (const id of ['r1', 'r2', 'r3']) await store.createRoom(room(id), [owner('alice')]);
    const before = store.writeStats();

    const sends = range(1, 300).map((i) => store.insertMessage(message(`r${(i % 3) + 1}`, 'alice')));
    const results = await Promise.all(sends);

    const after = store.writeStats();
    expect(after.writes - before.writes).toBe(300);
    expect(after.batches - before.batches).toBeLessThan(30);
    for (const id of ['r1', 'r2', 'r3']) {
      const seqs = results.filter((r) => r.message.room_id === id).map((r) => r.message.seq);
      expect(seqs).toEqual(range(1, 100));
    }
  });

  it('keeps one caller’s order: sends made one after another in one turn get rising seqs', async () => {
    const store = open();
    const { message } = createStoreHelpers(store);
    await store.createRoom(room('r1'), [owner('alice')]);
    const sent = range(1, 50).map(() => message('r1', 'alice'));
    const results = await Promise.all(sent.map((m) => store.insertMessage(m)));
    expect(results.map((r) => r.message.id)).toEqual(sent.map((m) => m.id));
    expect(results.map((r) => r.message.seq)).toEqual(range(1, 50));
  });

  it('answers a repeated client_id inside one batch with the first message', async () => {
    const store = open();
    const { message } = createStoreHelpers(store);
    await store.createRoom(room('r1'), [owner('alice')]);
    const [first, again] = await Promise.all([
      store.insertMessage(message('r1', 'alice', { client_id: 'c-1' })),
      store.insertMessage(message('r1', 'alice', { client_id: 'c-1' })),
    ]);
    expect(first?.created).toBe(true);
    expect(again).toMatchObject({ created: false, message: { id: first?.message.id, seq: 1 } });
  });

  it('fails only the write that failed: the others of its batch are stored', async () => {
    const store = open();
    const { message } = createStoreHelpers(store);
    await store.createRoom(room('r1'), [owner('alice')]);
    const outcomes = await Promise.allSettled([
      store.insertMessage(message('r1', 'alice')),
      store.insertMessage(message('no-such-room', 'alice')),
      store.insertMessage(message('r1', 'alice')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const page = await createStoreHelpers(store).history('r1');
    expect(page.messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('rolls a failed write back to its savepoint, leaving no half of it behind', () => {
    const db = openConnection(file);
    try {
      migrate(db);
      const writes = new SqliteWrites(db, { reactionUsersShown: 10 });
      writes.createRoom(room('r1'), [owner('alice')]);
      const newMessage = (id: string, parentId: string | null) => ({
        id,
        room_id: 'r1',
        user_id: 'alice',
        username: 'ALICE',
        content: id,
        message_type: 'text' as const,
        parent_id: parentId,
        client_id: null,
        timestamp: new Date().toISOString(),
      });
      const batch: WriteRequest[] = [
        { id: 1, method: 'insertMessage', args: [newMessage('m1', null)] },
        // Its seq is taken, then the insert fails on the parent's foreign key: the seq comes back.
        { id: 2, method: 'insertMessage', args: [newMessage('m2', 'missing-parent')] },
        { id: 3, method: 'insertMessage', args: [newMessage('m3', null)] },
        { id: 4, method: 'dropTables' as WriteRequest['method'], args: [] },
      ];
      const results = batchCommitter(db, writes)(batch);
      expect(results.map((r) => [r.id, r.ok])).toEqual([
        [1, true],
        [2, false],
        [3, true],
        [4, false],
      ]);
      const seqs = db
        .prepare<[], { id: string; seq: number }>('SELECT id, seq FROM messages ORDER BY seq')
        .all();
      expect(seqs).toEqual([
        { id: 'm1', seq: 1 },
        { id: 'm3', seq: 2 },
      ]);
    } finally {
      db.close();
    }
  });

  it('fails the whole batch when SQLite undoes the whole transaction (disk full): nothing of it is stored', () => {
    const db = openConnection(file);
    try {
      migrate(db);
      const writes = new SqliteWrites(db, { reactionUsersShown: 10 });
      writes.createRoom(room('r1'), [owner('alice')]);
      const pages = db.pragma('page_count', { simple: true }) as number;
      db.pragma(`max_page_count = ${pages + 2}`);
      // A single-row write without triggers runs without a statement journal: when the disk
      // fills up under it, SQLite can only undo the whole transaction.
      const results = batchCommitter(
        db,
        writes,
      )([
        { id: 1, method: 'rememberUser', args: [{ id: 'u1', name: 'small' }] },
        { id: 2, method: 'rememberUser', args: [{ id: 'u2', name: 'x'.repeat(300_000) }] },
        { id: 3, method: 'rememberUser', args: [{ id: 'u3', name: 'small too' }] },
      ]);
      expect(results.map((r) => r.ok)).toEqual([false, false, false]);
      expect(db.prepare('SELECT user_id FROM users').all()).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('answers only once the batch is on disk: another connection reads every answered write', async () => {
    const store = open(2);
    const { message } = createStoreHelpers(store);
    await store.createRoom(room('r1'), [owner('alice')]);
    await Promise.all(range(1, 20).map(() => store.insertMessage(message('r1', 'alice'))));
    const reader = new Database(file, { readonly: true });
    try {
      const count = reader.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM messages').get();
      expect(count?.n).toBe(20);
    } finally {
      reader.close();
    }
  });

  it('finishes the writes already asked for when closed, and refuses later ones', async () => {
    const store = open();
    const { message } = createStoreHelpers(store);
    await store.createRoom(room('r1'), [owner('alice')]);
    const sends = range(1, 10).map(() => store.insertMessage(message('r1', 'alice')));
    const closing = store.close();
    await expect(Promise.all(sends)).resolves.toHaveLength(10);
    await closing;
    await expect(store.insertMessage(message('r1', 'alice'))).rejects.toThrow(/closed/);

    const reopened = open();
    expect((await reopened.getRoom('r1', 'alice'))?.last_message_seq).toBe(10);
  });

  it('replaces a writer thread that died: its writes in flight fail, later ones are stored', async () => {
    const store = open();
    const { message } = createStoreHelpers(store);
    await store.createRoom(room('r1'), [owner('alice')]);
    // Reaching into the store stands in for a crash of the thread (out of memory, a native fault).
    const writer = (store as unknown as { writer: { worker: Worker } }).writer;
    const inFlight = store.insertMessage(message('r1', 'alice'));
    await writer.worker.terminate();
    await expect(inFlight).rejects.toThrow(/writer thread stopped/);

    const later = await store.insertMessage(message('r1', 'alice'));
    expect(later.created).toBe(true);
    await expect(store.ping()).resolves.toBeUndefined();
    const page = await createStoreHelpers(store).history('r1');
    expect(page.messages.map((m) => m.seq)).toEqual(range(1, page.messages.length));
    expect(page.messages.at(-1)?.id).toBe(later.message.id);
  });

  it('gives up on a writer thread that keeps dying: writes and readiness then fail', async () => {
    const store = open();
    await store.createRoom(room('r1'), [owner('alice')]);
    const writer = store as unknown as { writer: { worker: Worker } };
    for (let death = 0; death < 4; death += 1) {
      const dying = writer.writer.worker;
      await dying.terminate();
      // Past the third restart within a minute the store stays failed.
      if (death < 3) await store.setLastSeen('alice', new Date().toISOString());
    }
    await expect(store.ping()).rejects.toThrow(/writer thread stopped/);
    await expect(store.setLastSeen('alice', new Date().toISOString())).rejects.toThrow(
      /writer thread stopped/,
    );
  });
});
