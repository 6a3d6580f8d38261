import Database from 'better-sqlite3';
import type { HistoryPage, Message } from '../../shared/schemas/objects';
import { sqliteMigrations } from '../../server/store/sqlite/migrations';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store';
import type { ChatStore, InsertedMessage } from '../../server/store/types';
import { storeFactories, tempSqliteFile, type StoreHandle } from './store-factories';
import { at, createStoreHelpers, member, owner, range, room, type StoreHelpers } from './store-fixtures';

const seqsOf = (page: HistoryPage): number[] => page.messages.map((m) => m.seq);

const ROOM_KEYS = [
  'created_at',
  'created_by',
  'description',
  'id',
  'is_dm',
  'is_member',
  'is_private',
  'last_message_seq',
  'last_read_seq',
  'member_count',
  'muted_until',
  'name',
  'unread_count',
  'unread_mentions',
];
const MESSAGE_KEYS = [
  'client_id',
  'content',
  'deleted',
  'edited_at',
  'id',
  'mentions',
  'message_type',
  'parent_id',
  'pinned_at',
  'pinned_by',
  'reactions',
  'reply_count',
  'room_id',
  'seq',
  'timestamp',
  'user_id',
  'username',
  'version',
];

// Rejections are checked by shape, not with toThrow(): better-sqlite3 creates its errors from the
// first Jest realm that loaded the native module, so in a shared worker they fail `instanceof Error`.
describe.each(storeFactories)('ChatStore contract: $name', (factory) => {
  let handle: StoreHandle;
  let store: ChatStore;
  let message: StoreHelpers['message'];
  let insert: StoreHelpers['insert'];
  let history: StoreHelpers['history'];
  let viewRoom: StoreHelpers['viewRoom'];

  beforeEach(async () => {
    handle = await factory.open();
    store = handle.store;
    ({ message, insert, history, viewRoom } = createStoreHelpers(store));
  });

  afterEach(async () => {
    await handle.cleanup();
  });

  describe('health', () => {
    it('ping resolves on an open store and rejects once it is closed', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
      await store.close();
      await expect(store.ping()).rejects.toHaveProperty('message');
    });
  });

  describe('rooms', () => {
    it('returns null for a room that does not exist', async () => {
      expect(await store.getRoom('nope', 'alice')).toBeNull();
    });

    it('shows a room to its member with every field, read state included', async () => {
      await store.createRoom(room('r1', { name: 'general', description: 'talk here', created_at: at(5) }), [
        owner('alice', at(5)),
        member('bob', at(6)),
      ]);
      await insert('r1', 'alice');
      await insert('r1', 'alice');

      const forBob = await viewRoom('r1', 'bob');
      expect(Object.keys(forBob).sort()).toEqual(ROOM_KEYS);
      expect(forBob).toStrictEqual({
        id: 'r1',
        name: 'general',
        description: 'talk here',
        is_private: false,
        created_by: 'alice',
        created_at: at(5),
        member_count: 2,
        is_member: true,
        last_read_seq: 0,
        unread_count: 2,
        last_message_seq: 2,
        is_dm: false,
        unread_mentions: 0,
        muted_until: null,
      });
      const forAlice = await viewRoom('r1', 'alice');
      expect(forAlice).toMatchObject({
        is_member: true,
        last_read_seq: 2,
        unread_count: 0,
        last_message_seq: 2,
      });
    });

    it('shows a room to a non-member with no read position and nothing unread', async () => {
      await store.createRoom(room('r1', { is_private: true }), [owner('alice')]);
      await insert('r1', 'alice');
      await insert('r1', 'alice');
      await insert('r1', 'alice');

      const forCarol = await viewRoom('r1', 'carol');
      expect(Object.keys(forCarol).sort()).toEqual(ROOM_KEYS);
      expect(forCarol).toStrictEqual({
        id: 'r1',
        name: 'room r1',
        description: null,
        is_private: true,
        created_by: 'alice',
        created_at: at(0),
        member_count: 1,
        is_member: false,
        last_read_seq: null,
        unread_count: 0,
        last_message_seq: 3,
        is_dm: false,
        unread_mentions: 0,
        muted_until: null,
      });
    });

    it('creates an empty room with last_message_seq 0 and a null description when none is given', async () => {
      await store.createRoom(room('r1'), [owner('alice')]);
      const forAlice = await viewRoom('r1', 'alice');
      expect(forAlice.description).toBeNull();
      expect(forAlice).toMatchObject({
        member_count: 1,
        is_member: true,
        last_read_seq: 0,
        unread_count: 0,
        last_message_seq: 0,
      });
      expect(await store.listMembers('r1')).toStrictEqual([
        { user_id: 'alice', username: 'alice', role: 'owner', joined_at: at(0) },
      ]);
    });

    it('lists public rooms and only the private rooms the viewer belongs to, oldest first', async () => {
      // Created out of chronological order, so insertion order cannot pass for age.
      await store.createRoom(room('pub-new', { created_at: at(40) }), [owner('alice', at(40))]);
      await store.createRoom(room('priv-bob', { is_private: true, created_at: at(30) }), [
        owner('alice', at(30)),
        member('bob', at(30)),
      ]);
      await store.createRoom(room('priv-alice', { is_private: true, created_at: at(20) }), [
        owner('alice', at(20)),
      ]);
      await store.createRoom(room('pub-old', { created_at: at(10) }), [owner('carol', at(10))]);

      const forBob = await store.listRooms('bob');
      expect(forBob.map((r) => r.id)).toEqual(['pub-old', 'priv-bob', 'pub-new']);
      expect(forBob.map((r) => [r.id, r.is_member, r.last_read_seq])).toEqual([
        ['pub-old', false, null],
        ['priv-bob', true, 0],
        ['pub-new', false, null],
      ]);
      for (const r of forBob) expect(Object.keys(r).sort()).toEqual(ROOM_KEYS);

      expect((await store.listRooms('alice')).map((r) => r.id)).toEqual([
        'pub-old',
        'priv-alice',
        'priv-bob',
        'pub-new',
      ]);
      expect((await store.listRooms('stranger')).map((r) => r.id)).toEqual(['pub-old', 'pub-new']);
    });

    it('reports each room of a list with the viewer’s own read state', async () => {
      await store.createRoom(room('r1', { created_at: at(1) }), [
        owner('alice', at(1)),
        member('bob', at(1)),
      ]);
      await store.createRoom(room('r2', { created_at: at(2) }), [owner('bob', at(2))]);
      await insert('r1', 'alice');
      await insert('r1', 'alice');
      await insert('r2', 'bob');

      expect(await store.listRooms('bob')).toEqual([
        expect.objectContaining({
          id: 'r1',
          member_count: 2,
          last_read_seq: 0,
          unread_count: 2,
          last_message_seq: 2,
        }),
        expect.objectContaining({
          id: 'r2',
          member_count: 1,
          last_read_seq: 1,
          unread_count: 0,
          last_message_seq: 1,
        }),
      ]);
      expect(await store.listRooms('alice')).toEqual([
        expect.objectContaining({ id: 'r1', is_member: true, unread_count: 0 }),
        expect.objectContaining({ id: 'r2', is_member: false, last_read_seq: null, unread_count: 0 }),
      ]);
    });
  });

  describe('members', () => {
    beforeEach(async () => {
      await store.createRoom(room('r1'), [owner('alice', at(0))]);
    });

    it('adds only users who are not members yet and returns exactly those', async () => {
      await store.rememberUser({ id: 'bob', name: 'Bob' });
      const first = await store.addMembers('r1', [member('bob', at(10)), member('alice', at(10))]);
      expect(first).toStrictEqual([{ user_id: 'bob', username: 'Bob', role: 'member', joined_at: at(10) }]);

      const second = await store.addMembers('r1', [
        member('bob', at(20)),
        member('carol', at(20)),
        member('carol', at(21)),
      ]);
      expect(second).toStrictEqual([
        { user_id: 'carol', username: 'carol', role: 'member', joined_at: at(20) },
      ]);

      // A repeated join changed nothing: alice is still owner, bob keeps his first joined_at.
      expect(await store.getMember('r1', 'alice')).toMatchObject({ role: 'owner', joined_at: at(0) });
      expect(await store.getMember('r1', 'bob')).toMatchObject({ role: 'member', joined_at: at(10) });
      expect((await viewRoom('r1', 'alice')).member_count).toBe(3);
      expect(await store.addMembers('r1', [member('bob', at(30))])).toEqual([]);
    });

    it('sets a new member’s read position to the room’s last seq, so nothing is unread on joining', async () => {
      for (let i = 0; i < 5; i += 1) await insert('r1', 'alice');
      await store.addMembers('r1', [member('bob', at(10))]);

      expect(await viewRoom('r1', 'bob')).toMatchObject({
        is_member: true,
        last_read_seq: 5,
        unread_count: 0,
        last_message_seq: 5,
      });

      await insert('r1', 'alice');
      await insert('r1', 'alice');
      expect(await viewRoom('r1', 'bob')).toMatchObject({
        last_read_seq: 5,
        unread_count: 2,
        last_message_seq: 7,
      });
    });

    it('lists members by joined_at, not by id or insertion order', async () => {
      await store.addMembers('r1', [member('zoe', at(30))]);
      await store.addMembers('r1', [member('adam', at(20)), member('mia', at(40))]);
      const ids = (await store.listMembers('r1')).map((m) => m.user_id);
      expect(ids).toEqual(['alice', 'adam', 'zoe', 'mia']);
    });

    it('names members by their latest remembered name and by their id when never seen', async () => {
      await store.rememberUser({ id: 'bob', name: 'Bob' });
      await store.addMembers('r1', [member('bob', at(1)), member('ghost', at(2))]);
      await store.rememberUser({ id: 'bob', name: 'Robert' });
      await store.rememberUser({ id: 'alice', name: 'Alice' });

      expect(await store.listMembers('r1')).toStrictEqual([
        { user_id: 'alice', username: 'Alice', role: 'owner', joined_at: at(0) },
        { user_id: 'bob', username: 'Robert', role: 'member', joined_at: at(1) },
        { user_id: 'ghost', username: 'ghost', role: 'member', joined_at: at(2) },
      ]);
      expect(await store.getMember('r1', 'bob')).toStrictEqual({
        user_id: 'bob',
        username: 'Robert',
        role: 'member',
        joined_at: at(1),
      });
      expect(await store.getMember('r1', 'nobody')).toBeNull();
    });

    it('reports removed false for a user who is not a member', async () => {
      expect(await store.removeMember('r1', 'nobody')).toStrictEqual({ removed: false, newOwnerId: null });
      expect(await store.removeMember('missing-room', 'alice')).toStrictEqual({
        removed: false,
        newOwnerId: null,
      });
      expect((await viewRoom('r1', 'alice')).member_count).toBe(1);
    });

    it('hands ownership to the longest-standing member when the only owner leaves', async () => {
      // zoe joined before adam; ordering by id would wrongly pick adam.
      await store.addMembers('r1', [member('mia', at(30)), member('zoe', at(10)), member('adam', at(20))]);

      expect(await store.removeMember('r1', 'alice')).toStrictEqual({ removed: true, newOwnerId: 'zoe' });
      expect(await store.getMember('r1', 'alice')).toBeNull();
      expect(await store.listMembers('r1')).toEqual([
        expect.objectContaining({ user_id: 'zoe', role: 'owner' }),
        expect.objectContaining({ user_id: 'adam', role: 'member' }),
        expect.objectContaining({ user_id: 'mia', role: 'member' }),
      ]);
      expect(await viewRoom('r1', 'alice')).toMatchObject({ is_member: false, member_count: 3 });
    });

    it('does not transfer ownership when a plain member leaves or another owner remains', async () => {
      await store.addMembers('r1', [member('bob', at(10)), owner('carol', at(20)), member('dan', at(30))]);

      expect(await store.removeMember('r1', 'bob')).toStrictEqual({ removed: true, newOwnerId: null });
      expect(await store.removeMember('r1', 'alice')).toStrictEqual({ removed: true, newOwnerId: null });
      expect((await store.listMembers('r1')).map((m) => [m.user_id, m.role])).toEqual([
        ['carol', 'owner'],
        ['dan', 'member'],
      ]);
    });

    it('leaves an empty room without an owner when the last member leaves', async () => {
      expect(await store.removeMember('r1', 'alice')).toStrictEqual({ removed: true, newOwnerId: null });
      expect(await store.listMembers('r1')).toEqual([]);
      expect((await viewRoom('r1', 'alice')).member_count).toBe(0);
    });

    it('tracks the rooms a user belongs to through joins and leaves', async () => {
      await store.createRoom(room('r2', { created_at: at(1) }), [owner('bob', at(1))]);
      await store.createRoom(room('r3', { created_at: at(2), is_private: true }), [owner('carol', at(2))]);
      expect(await store.roomIdsOf('bob')).toEqual(['r2']);

      await store.addMembers('r1', [member('bob', at(5))]);
      await store.addMembers('r3', [member('bob', at(6))]);
      expect([...(await store.roomIdsOf('bob'))].sort()).toEqual(['r1', 'r2', 'r3']);

      await store.removeMember('r2', 'bob');
      expect([...(await store.roomIdsOf('bob'))].sort()).toEqual(['r1', 'r3']);
      expect(await store.roomIdsOf('nobody')).toEqual([]);
    });
  });

  describe('insertMessage', () => {
    beforeEach(async () => {
      await store.createRoom(room('r1', { created_at: at(0) }), [owner('alice'), member('bob', at(1))]);
      await store.createRoom(room('r2', { created_at: at(1) }), [owner('alice'), member('bob', at(1))]);
    });

    it('stores a message with every field, as given, and returns it as created', async () => {
      const input = message('r1', 'alice', { content: 'https://example.com/cat.png', message_type: 'image' });
      const inserted = await store.insertMessage(input);
      const expected: Message = {
        id: input.id,
        room_id: 'r1',
        seq: 1,
        user_id: 'alice',
        username: 'ALICE',
        content: 'https://example.com/cat.png',
        message_type: 'image',
        parent_id: null,
        reply_count: 0,
        reactions: [],
        client_id: null,
        timestamp: input.timestamp,
        edited_at: null,
        deleted: false,
        version: 1,
        mentions: [],
        pinned_at: null,
        pinned_by: null,
      };
      expect(inserted).toStrictEqual({ message: expected, created: true, parent: null });
      expect(Object.keys(inserted.message).sort()).toEqual(MESSAGE_KEYS);
      expect(await store.getMessage(input.id)).toStrictEqual(expected);
      expect(await store.getMessage('no-such-message')).toBeNull();
    });

    it('numbers messages 1, 2, 3… independently in each room', async () => {
      const order: [string, number][] = [];
      for (const roomId of ['r1', 'r1', 'r2', 'r1', 'r2', 'r2', 'r2', 'r1']) {
        const { message: m } = await insert(roomId, 'alice');
        order.push([roomId, m.seq]);
      }
      expect(order).toEqual([
        ['r1', 1],
        ['r1', 2],
        ['r2', 1],
        ['r1', 3],
        ['r2', 2],
        ['r2', 3],
        ['r2', 4],
        ['r1', 4],
      ]);
      expect((await viewRoom('r1', 'alice')).last_message_seq).toBe(4);
      expect((await viewRoom('r2', 'alice')).last_message_seq).toBe(4);
      expect(seqsOf(await history('r2'))).toEqual([1, 2, 3, 4]);
      expect((await history('r2')).messages.every((m) => m.room_id === 'r2')).toBe(true);
    });

    it('advances the sender’s read position to its own message while others’ unread count rises', async () => {
      await insert('r1', 'alice');
      await insert('r1', 'alice');
      expect(await viewRoom('r1', 'alice')).toMatchObject({ last_read_seq: 2, unread_count: 0 });
      expect(await viewRoom('r1', 'bob')).toMatchObject({ last_read_seq: 0, unread_count: 2 });

      await insert('r1', 'bob');
      expect(await viewRoom('r1', 'bob')).toMatchObject({ last_read_seq: 3, unread_count: 0 });
      expect(await viewRoom('r1', 'alice')).toMatchObject({ last_read_seq: 2, unread_count: 1 });
      // Other rooms' read state is untouched.
      expect(await viewRoom('r2', 'bob')).toMatchObject({ last_read_seq: 0, unread_count: 0 });
    });

    it('raises the parent’s reply_count with each reply and returns the updated parent', async () => {
      const { message: parent } = await insert('r1', 'alice');
      await insert('r1', 'bob');

      const first = await insert('r1', 'bob', { parent_id: parent.id });
      expect(first.created).toBe(true);
      expect(first.message).toMatchObject({ parent_id: parent.id, reply_count: 0, seq: 3 });
      // The reply took version 3, then the parent's reply count version 4.
      expect(first.parent).toStrictEqual({ ...parent, reply_count: 1, version: 4 });
      expect(first.message.version).toBe(3);

      const second = await insert('r1', 'alice', { parent_id: parent.id });
      expect(second.parent).toStrictEqual({ ...parent, reply_count: 2, version: 6 });
      expect(await store.getMessage(parent.id)).toStrictEqual({ ...parent, reply_count: 2, version: 6 });

      // Replies are messages of the room: they take seqs and count as unread.
      expect(await viewRoom('r1', 'bob')).toMatchObject({
        last_message_seq: 4,
        last_read_seq: 3,
        unread_count: 1,
      });
    });

    it('returns the stored message, not a second copy, for a repeated client_id', async () => {
      const original = await insert('r1', 'alice', { client_id: 'c-1', content: 'first try' });
      expect(original.created).toBe(true);
      expect(original.message.client_id).toBe('c-1');

      const repeat = await insert('r1', 'alice', { client_id: 'c-1', content: 'retry with other text' });
      expect(repeat).toStrictEqual({ message: original.message, created: false, parent: null });

      expect((await viewRoom('r1', 'alice')).last_message_seq).toBe(1);
      expect(await history('r1')).toStrictEqual({ messages: [original.message], has_more: false });
      // No seq was consumed by the repeat.
      expect((await insert('r1', 'alice')).message.seq).toBe(2);
    });

    it('does not count a repeated reply twice', async () => {
      const { message: parent } = await insert('r1', 'alice');
      const reply = await insert('r1', 'bob', { parent_id: parent.id, client_id: 'reply-1' });
      const repeat = await insert('r1', 'bob', { parent_id: parent.id, client_id: 'reply-1' });

      expect(repeat.created).toBe(false);
      expect(repeat.message).toStrictEqual(reply.message);
      expect(repeat.parent).toBeNull();
      expect((await store.getMessage(parent.id))?.reply_count).toBe(1);
    });

    it('scopes client_id to (room, user): another user or another room gets a new message', async () => {
      const alices = await insert('r1', 'alice', { client_id: 'same' });
      const bobs = await insert('r1', 'bob', { client_id: 'same' });
      const elsewhere = await insert('r2', 'alice', { client_id: 'same' });

      expect([alices.created, bobs.created, elsewhere.created]).toEqual([true, true, true]);
      expect(bobs.message).toMatchObject({ room_id: 'r1', user_id: 'bob', seq: 2, client_id: 'same' });
      expect(elsewhere.message).toMatchObject({ room_id: 'r2', user_id: 'alice', seq: 1, client_id: 'same' });
      expect(new Set([alices.message.id, bobs.message.id, elsewhere.message.id]).size).toBe(3);

      // Each scope still deduplicates on its own.
      const bobsRepeat = await insert('r1', 'bob', { client_id: 'same' });
      expect(bobsRepeat).toMatchObject({ created: false, message: bobs.message });
    });

    it('rejects a message whose insert fails without consuming a seq or touching the parent', async () => {
      const { message: parent } = await insert('r1', 'alice');
      const taken = message('r1', 'bob', { id: parent.id, parent_id: parent.id });
      await expect(store.insertMessage(taken)).rejects.toHaveProperty('message');

      expect(await store.getMessage(parent.id)).toStrictEqual(parent);
      expect(await viewRoom('r1', 'bob')).toMatchObject({
        last_message_seq: 1,
        last_read_seq: 0,
        unread_count: 1,
      });
      expect((await insert('r1', 'bob')).message.seq).toBe(2);
    });

    it('rejects a message for a room that does not exist', async () => {
      await expect(store.insertMessage(message('missing-room', 'alice'))).rejects.toHaveProperty('message');
      expect(await history('missing-room')).toStrictEqual({ messages: [], has_more: false });
    });

    it('never treats a null client_id as a duplicate', async () => {
      await insert('r1', 'alice', { content: 'same text' });
      const second = await insert('r1', 'alice', { content: 'same text' });
      expect(second).toMatchObject({ created: true, message: { seq: 2, client_id: null } });
    });
  });

  describe('listMessages', () => {
    beforeEach(async () => {
      await store.createRoom(room('r1'), [owner('alice')]);
    });

    async function fill(count: number): Promise<Message[]> {
      const stored: Message[] = [];
      for (let i = 0; i < count; i += 1) stored.push((await insert('r1', 'alice')).message);
      return stored;
    }

    it('returns an empty page for a room without messages', async () => {
      expect(await history('r1')).toStrictEqual({ messages: [], has_more: false });
      expect(await history('r1', { after_seq: 0 })).toStrictEqual({ messages: [], has_more: false });
    });

    it('without a cursor returns the newest `limit` messages in ascending seq, with has_more', async () => {
      const stored = await fill(120);
      const page = await history('r1', { limit: 50 });
      expect(seqsOf(page)).toEqual(range(71, 120));
      expect(page.has_more).toBe(true);
      expect(page.messages).toStrictEqual(stored.slice(70));

      const all = await history('r1', { limit: 120 });
      expect(seqsOf(all)).toEqual(range(1, 120));
      expect(all.has_more).toBe(false);
    });

    it('pages backwards with before_seq to rebuild 1..120 exactly', async () => {
      await fill(120);
      const p1 = await history('r1', { limit: 50 });
      const p2 = await history('r1', { limit: 50, before_seq: 71 });
      const p3 = await history('r1', { limit: 50, before_seq: 21 });
      expect([seqsOf(p2), p2.has_more]).toEqual([range(21, 70), true]);
      expect([seqsOf(p3), p3.has_more]).toEqual([range(1, 20), false]);
      expect([...seqsOf(p3), ...seqsOf(p2), ...seqsOf(p1)]).toEqual(range(1, 120));

      // Again with a page size that does not divide 120, the way a client walks back.
      const collected: number[] = [];
      let before: number | null = null;
      for (let pages = 0; ; pages += 1) {
        if (pages > 40) throw new Error('backward paging does not terminate');
        const page: HistoryPage = await history('r1', { limit: 7, before_seq: before });
        const seqs = seqsOf(page);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        collected.unshift(...seqs);
        if (!page.has_more) break;
        const oldest = seqs[0];
        if (oldest === undefined) throw new Error('has_more with an empty page');
        before = oldest;
      }
      expect(collected).toEqual(range(1, 120));
    });

    it('pages forwards with after_seq from 0 to rebuild 1..120 exactly, ending with has_more false', async () => {
      await fill(120);
      const p1 = await history('r1', { limit: 50, after_seq: 0 });
      const p2 = await history('r1', { limit: 50, after_seq: 50 });
      const p3 = await history('r1', { limit: 50, after_seq: 100 });
      expect([seqsOf(p1), p1.has_more]).toEqual([range(1, 50), true]);
      expect([seqsOf(p2), p2.has_more]).toEqual([range(51, 100), true]);
      expect([seqsOf(p3), p3.has_more]).toEqual([range(101, 120), false]);
      expect(await history('r1', { limit: 50, after_seq: 120 })).toStrictEqual({
        messages: [],
        has_more: false,
      });

      const collected: number[] = [];
      let after = 0;
      let last: HistoryPage | null = null;
      for (let pages = 0; ; pages += 1) {
        if (pages > 40) throw new Error('forward paging does not terminate');
        const page: HistoryPage = await history('r1', { limit: 7, after_seq: after });
        last = page;
        collected.push(...seqsOf(page));
        if (!page.has_more) break;
        const newest = page.messages.at(-1);
        if (!newest) throw new Error('has_more with an empty page');
        after = newest.seq;
      }
      expect(collected).toEqual(range(1, 120));
      expect(last?.has_more).toBe(false);
    });

    it('returns exactly the messages between before_seq and after_seq when both are given', async () => {
      await fill(120);
      const window = await history('r1', { after_seq: 40, before_seq: 60, limit: 100 });
      expect(seqsOf(window)).toEqual(range(41, 59));
      expect(window.has_more).toBe(false);
    });

    it('filters by parent_id to one thread’s replies in seq order', async () => {
      const { message: parentA } = await insert('r1', 'alice');
      const { message: parentB } = await insert('r1', 'alice');
      const threadA: number[] = [];
      for (let i = 0; i < 12; i += 1) {
        const parentId = i % 3 === 0 ? parentB.id : parentA.id;
        const { message: reply } = await insert('r1', 'alice', { parent_id: parentId });
        if (parentId === parentA.id) threadA.push(reply.seq);
        await insert('r1', 'alice');
      }
      expect(threadA).toHaveLength(8);

      const thread = await history('r1', { parent_id: parentA.id, limit: 100 });
      expect(seqsOf(thread)).toEqual(threadA);
      expect(thread.has_more).toBe(false);
      expect(thread.messages.every((m) => m.parent_id === parentA.id)).toBe(true);

      // Thread history pages like room history.
      const newest = await history('r1', { parent_id: parentA.id, limit: 3 });
      expect([seqsOf(newest), newest.has_more]).toEqual([threadA.slice(-3), true]);
      const oldest = await history('r1', { parent_id: parentA.id, limit: 3, after_seq: 0 });
      expect([seqsOf(oldest), oldest.has_more]).toEqual([threadA.slice(0, 3), true]);

      expect(await history('r1', { parent_id: 'no-such-parent' })).toStrictEqual({
        messages: [],
        has_more: false,
      });
      // Without the filter every message of the room, replies included, comes back.
      expect(seqsOf(await history('r1', { limit: 100 }))).toEqual(range(1, 26));
    });
  });

  describe('durability', () => {
    it('keeps rooms, members, names, messages, seqs and client_ids across a close and reopen', async () => {
      await store.rememberUser({ id: 'bob', name: 'Bob' });
      await store.createRoom(room('r1', { description: 'kept', is_private: true }), [
        owner('alice'),
        member('bob', at(1)),
      ]);
      const sent: InsertedMessage[] = [];
      for (let i = 0; i < 3; i += 1) sent.push(await insert('r1', 'alice', { client_id: `c-${i}` }));
      const reply = await insert('r1', 'bob', { parent_id: sent[0]?.message.id ?? null });
      const beforeRoom = await viewRoom('r1', 'bob');
      const beforeMembers = await store.listMembers('r1');
      const beforeHistory = await history('r1');

      const reopened = await handle.reopen();
      await expect(reopened.ping()).resolves.toBeUndefined();
      expect(await reopened.getRoom('r1', 'bob')).toStrictEqual(beforeRoom);
      expect(await reopened.listMembers('r1')).toStrictEqual(beforeMembers);
      expect(
        await reopened.listMessages({
          room_id: 'r1',
          parent_id: null,
          before_seq: null,
          after_seq: null,
          limit: 50,
        }),
      ).toStrictEqual(beforeHistory);
      expect(await reopened.getMessage(reply.message.id)).toStrictEqual(reply.message);
      expect(await reopened.roomIdsOf('bob')).toEqual(['r1']);

      // Seqs continue where they stopped, and idempotency keys are still honoured.
      const repeat = await reopened.insertMessage(message('r1', 'alice', { client_id: 'c-1' }));
      expect(repeat).toMatchObject({ created: false, message: sent[1]?.message });
      const next = await reopened.insertMessage(message('r1', 'bob'));
      expect(next.message.seq).toBe(5);
    });
  });

  describe('concurrency', () => {
    beforeEach(async () => {
      await store.createRoom(room('r1'), [owner('alice'), member('bob', at(1))]);
    });

    it('gives 200 simultaneous inserts into one room seqs 1..200 with no gap or duplicate', async () => {
      const inputs = range(1, 200).map((i) => message('r1', i % 2 === 0 ? 'alice' : 'bob'));
      const results = await Promise.all(inputs.map((m) => store.insertMessage(m)));

      expect(results.every((r) => r.created)).toBe(true);
      expect(results.map((r) => r.message.seq).sort((a, b) => a - b)).toEqual(range(1, 200));
      // Each seq belongs to the message it was returned with.
      expect(results.map((r) => r.message.id)).toEqual(inputs.map((m) => m.id));

      const stored = [
        ...(await history('r1', { after_seq: 0, limit: 100 })).messages,
        ...(await history('r1', { after_seq: 100, limit: 100 })).messages,
      ];
      expect(stored.map((m) => m.seq)).toEqual(range(1, 200));
      expect(new Set(stored.map((m) => m.id)).size).toBe(200);
      expect((await viewRoom('r1', 'alice')).last_message_seq).toBe(200);
    });

    it('stores one message for simultaneous sends with the same client_id', async () => {
      const inputs = range(1, 20).map(() => message('r1', 'alice', { client_id: 'burst' }));
      const results = await Promise.all(inputs.map((m) => store.insertMessage(m)));

      expect(results.filter((r) => r.created)).toHaveLength(1);
      const ids = new Set(results.map((r) => r.message.id));
      expect(ids.size).toBe(1);
      expect(results.every((r) => r.message.seq === 1)).toBe(true);
      expect((await viewRoom('r1', 'alice')).last_message_seq).toBe(1);
    });
  });
});

describe('SqliteStore file', () => {
  it('applies each migration once: reopening the same file succeeds and records one row per migration', async () => {
    const { file, remove } = await tempSqliteFile();
    try {
      const first = new SqliteStore(file);
      await first.createRoom(room('r1'), [owner('alice')]);
      await first.close();

      const second = new SqliteStore(file);
      await second.close();
      const third = new SqliteStore(file);
      expect(await third.getRoom('r1', 'alice')).toMatchObject({ id: 'r1', is_member: true });
      await third.close();

      const db = new Database(file, { readonly: true });
      try {
        const rows = db
          .prepare<[], { version: number; name: string }>(
            'SELECT version, name FROM schema_migrations ORDER BY version',
          )
          .all();
        expect(rows).toEqual(sqliteMigrations.map((m) => ({ version: m.version, name: m.name })));
      } finally {
        db.close();
      }
    } finally {
      await remove();
    }
  });
});
