import type { Message } from '../../shared/schemas/objects';
import type { ChatStore, ReactionCaps } from '../../server/store/types';
import { storeFactories, type StoreHandle } from './store-factories';
import { at, createStoreHelpers, member, owner, range, room, type StoreHelpers } from './store-fixtures';

/**
 * The storage methods behind presence, read receipts, edits, deletes and reactions, run against
 * every store implementation: last_seen and users sharing rooms, markRead (forward only, clamped),
 * editMessage / deleteMessage (tombstones) and reactions, which every Message a store returns carries.
 */

const sorted = (values: readonly string[]): string[] => [...values].sort();

/** The default caps; tests/store/store-reaction-caps.test.ts is about reaching them. */
const CAPS: ReactionCaps = { perMessage: 32, perUser: 10 };

// Rejections are checked by shape (`.rejects.toHaveProperty('message')`), not with toThrow():
// better-sqlite3 creates its errors in another Jest realm, so they fail `instanceof Error`.
describe.each(storeFactories)('ChatStore activity: $name', (factory) => {
  let handle: StoreHandle;
  let store: ChatStore;
  let message: StoreHelpers['message'];
  let post: StoreHelpers['post'];
  let history: StoreHelpers['history'];
  let viewRoom: StoreHelpers['viewRoom'];
  let stored: StoreHelpers['stored'];

  beforeEach(async () => {
    handle = await factory.open();
    store = handle.store;
    ({ message, post, history, viewRoom, stored } = createStoreHelpers(store));
  });

  afterEach(async () => {
    await handle.cleanup();
  });

  describe('users: setLastSeen and getUsers', () => {
    it('returns remembered users with their last_seen, null for one never seen', async () => {
      await store.rememberUser({ id: 'alice', name: 'Alice' });
      await store.rememberUser({ id: 'bob', name: 'Bob' });
      await store.setLastSeen('alice', at(10));

      const users = await store.getUsers(['alice', 'bob']);
      expect([...users].sort((a, b) => a.user_id.localeCompare(b.user_id))).toStrictEqual([
        { user_id: 'alice', username: 'Alice', last_seen: at(10) },
        { user_id: 'bob', username: 'Bob', last_seen: null },
      ]);
    });

    it('keeps the latest last_seen, and keeps it when the name changes', async () => {
      await store.rememberUser({ id: 'alice', name: 'Alice' });
      await store.setLastSeen('alice', at(10));
      await store.setLastSeen('alice', at(20));
      await store.rememberUser({ id: 'alice', name: 'Alice Liddell' });
      expect(await store.getUsers(['alice'])).toStrictEqual([
        { user_id: 'alice', username: 'Alice Liddell', last_seen: at(20) },
      ]);
    });

    it('leaves unknown ids out and answers each known user once', async () => {
      await store.rememberUser({ id: 'alice', name: 'Alice' });
      await store.rememberUser({ id: 'carol', name: 'Carol' });
      const users = await store.getUsers(['nobody', 'carol', 'alice', 'carol', 'ghost']);
      expect(sorted(users.map((u) => u.user_id))).toEqual(['alice', 'carol']);
      expect(await store.getUsers(['nobody'])).toEqual([]);
      expect(await store.getUsers([])).toEqual([]);
    });

    it('does not confuse ids that only look alike (case, SQL wildcards, quotes)', async () => {
      await store.rememberUser({ id: 'Alice', name: 'Upper' });
      await store.rememberUser({ id: 'a_b', name: 'Underscore' });
      await store.rememberUser({ id: "o'neil", name: 'Quote' });
      expect(await store.getUsers(['alice', 'a%', 'axb'])).toEqual([]);
      const found = await store.getUsers(['Alice', 'a_b', "o'neil"]);
      expect(sorted(found.map((u) => u.username))).toEqual(['Quote', 'Underscore', 'Upper']);
    });

    it('keeps last_seen across a close and reopen', async () => {
      await store.rememberUser({ id: 'alice', name: 'Alice' });
      await store.setLastSeen('alice', at(42));
      const reopened = await handle.reopen();
      expect(await reopened.getUsers(['alice'])).toStrictEqual([
        { user_id: 'alice', username: 'Alice', last_seen: at(42) },
      ]);
    });
  });

  describe('usersSharingRoomWith', () => {
    beforeEach(async () => {
      await store.createRoom(room('r1'), [owner('alice'), member('bob'), member('carol')]);
      await store.createRoom(room('r2', { is_private: true, created_at: at(1) }), [
        owner('alice', at(1)),
        member('bob', at(2)),
        member('dave', at(2)),
      ]);
      await store.createRoom(room('r3', { created_at: at(2) }), [
        owner('erin', at(2)),
        member('frank', at(3)),
      ]);
    });

    it('returns those of the ids who share at least one room with the viewer, each once', async () => {
      const sharing = await store.usersSharingRoomWith('alice', [
        'bob',
        'dave',
        'erin',
        'carol',
        'nobody',
        'bob',
      ]);
      expect(sorted(sharing)).toEqual(['bob', 'carol', 'dave']);
      expect(sorted(await store.usersSharingRoomWith('carol', ['alice', 'bob', 'dave', 'erin']))).toEqual([
        'alice',
        'bob',
      ]);
      expect(await store.usersSharingRoomWith('erin', ['alice', 'bob', 'carol', 'dave'])).toEqual([]);
    });

    it('answers nothing for a viewer in no room or for no ids', async () => {
      expect(await store.usersSharingRoomWith('stranger', ['alice', 'bob'])).toEqual([]);
      expect(await store.usersSharingRoomWith('alice', [])).toEqual([]);
    });

    it('follows membership: leaving the only shared room ends the sharing, joining starts it', async () => {
      await store.removeMember('r1', 'carol');
      expect(await store.usersSharingRoomWith('alice', ['carol'])).toEqual([]);
      // bob still shares r2 with alice.
      await store.removeMember('r1', 'bob');
      expect(await store.usersSharingRoomWith('alice', ['bob'])).toEqual(['bob']);
      await store.addMembers('r3', [member('alice', at(9))]);
      expect(sorted(await store.usersSharingRoomWith('alice', ['erin', 'frank']))).toEqual(['erin', 'frank']);
    });
  });

  describe('markRead', () => {
    beforeEach(async () => {
      await store.createRoom(room('r1'), [owner('alice'), member('bob')]);
      for (let i = 0; i < 5; i += 1) await post('r1', 'alice');
    });

    it('lists every member’s read position for the room', async () => {
      await store.markRead('r1', 'bob', 2);
      const positions = await store.memberReadPositions('r1');
      expect([...positions].sort((x, y) => x.user_id.localeCompare(y.user_id))).toStrictEqual([
        { user_id: 'alice', last_read_seq: 5 },
        { user_id: 'bob', last_read_seq: 2 },
      ]);
      expect(await store.memberReadPositions('no-such-room')).toStrictEqual([]);
    });

    it('moves the position forward and reports it as changed; the room shows it', async () => {
      expect(await store.markRead('r1', 'bob', 3)).toStrictEqual({
        last_read_seq: 3,
        last_message_seq: 5,
        changed: true,
      });
      expect(await viewRoom('r1', 'bob')).toMatchObject({
        last_read_seq: 3,
        unread_count: 2,
        last_message_seq: 5,
      });
      expect(await store.markRead('r1', 'bob', 5)).toStrictEqual({
        last_read_seq: 5,
        last_message_seq: 5,
        changed: true,
      });
      expect(await viewRoom('r1', 'bob')).toMatchObject({ last_read_seq: 5, unread_count: 0 });
    });

    it('never moves backwards: an older or equal seq answers the current position, unchanged', async () => {
      await store.markRead('r1', 'bob', 4);
      for (const seq of [4, 3, 1, 0]) {
        expect([seq, await store.markRead('r1', 'bob', seq)]).toEqual([
          seq,
          { last_read_seq: 4, last_message_seq: 5, changed: false },
        ]);
      }
      expect(await viewRoom('r1', 'bob')).toMatchObject({ last_read_seq: 4, unread_count: 1 });
      expect(await store.listRooms('bob')).toEqual([expect.objectContaining({ id: 'r1', last_read_seq: 4 })]);
    });

    it('clamps a seq beyond the last message to the last message', async () => {
      expect(await store.markRead('r1', 'bob', 1000)).toStrictEqual({
        last_read_seq: 5,
        last_message_seq: 5,
        changed: true,
      });
      // Already at the end: clamped again, nothing changes.
      expect(await store.markRead('r1', 'bob', 1000)).toStrictEqual({
        last_read_seq: 5,
        last_message_seq: 5,
        changed: false,
      });
      // The stored position is 5, so the next message is unread.
      await post('r1', 'alice');
      expect(await viewRoom('r1', 'bob')).toMatchObject({
        last_read_seq: 5,
        unread_count: 1,
        last_message_seq: 6,
      });
      expect(await store.markRead('r1', 'bob', Number.MAX_SAFE_INTEGER)).toStrictEqual({
        last_read_seq: 6,
        last_message_seq: 6,
        changed: true,
      });
    });

    it('keeps 0 in a room without messages', async () => {
      await store.createRoom(room('empty', { created_at: at(5) }), [owner('alice', at(5))]);
      for (const seq of [0, 1, 50]) {
        expect(await store.markRead('empty', 'alice', seq)).toStrictEqual({
          last_read_seq: 0,
          last_message_seq: 0,
          changed: false,
        });
      }
      expect(await viewRoom('empty', 'alice')).toMatchObject({ last_read_seq: 0, unread_count: 0 });
    });

    it('answers null for a non-member, a former member and an unknown room, and stores nothing', async () => {
      expect(await store.markRead('r1', 'carol', 3)).toBeNull();
      expect(await store.markRead('missing-room', 'bob', 3)).toBeNull();
      await store.removeMember('r1', 'bob');
      expect(await store.markRead('r1', 'bob', 3)).toBeNull();
      expect(await viewRoom('r1', 'carol')).toMatchObject({
        is_member: false,
        last_read_seq: null,
        unread_count: 0,
      });
      expect(await viewRoom('r1', 'bob')).toMatchObject({ is_member: false, last_read_seq: null });
    });

    it('moves only that member’s position in that room', async () => {
      await store.createRoom(room('r2', { created_at: at(5) }), [
        owner('alice', at(5)),
        member('bob', at(5)),
      ]);
      await post('r2', 'alice');
      await post('r2', 'alice');
      await store.addMembers('r1', [member('carol', at(6))]);
      await post('r1', 'alice');

      await store.markRead('r1', 'bob', 6);
      expect(await viewRoom('r1', 'bob')).toMatchObject({ last_read_seq: 6, unread_count: 0 });
      expect(await viewRoom('r2', 'bob')).toMatchObject({ last_read_seq: 0, unread_count: 2 });
      expect(await viewRoom('r1', 'carol')).toMatchObject({ last_read_seq: 5, unread_count: 1 });
      expect(await viewRoom('r1', 'alice')).toMatchObject({ last_read_seq: 6, unread_count: 0 });
    });

    it('moves a member’s position to their own new message; an older read after it changes nothing', async () => {
      await store.markRead('r1', 'bob', 2);
      await post('r1', 'bob');
      expect(await viewRoom('r1', 'bob')).toMatchObject({
        last_read_seq: 6,
        unread_count: 0,
        last_message_seq: 6,
      });
      expect(await store.markRead('r1', 'bob', 3)).toStrictEqual({
        last_read_seq: 6,
        last_message_seq: 6,
        changed: false,
      });
    });

    it('ends at the highest seq when reads arrive at once in any order', async () => {
      const seqs = [2, 5, 1, 4, 3, 0, 5, 2];
      const results = await Promise.all(seqs.map((seq) => store.markRead('r1', 'bob', seq)));
      expect(results.every((r) => r !== null && r.last_message_seq === 5)).toBe(true);
      expect(results.some((r) => r?.changed === true)).toBe(true);
      expect(await viewRoom('r1', 'bob')).toMatchObject({ last_read_seq: 5, unread_count: 0 });
    });

    it('keeps the position across a close and reopen', async () => {
      await store.markRead('r1', 'bob', 4);
      const reopened = await handle.reopen();
      expect(await reopened.getRoom('r1', 'bob')).toMatchObject({ last_read_seq: 4, unread_count: 1 });
      expect(await reopened.markRead('r1', 'bob', 2)).toStrictEqual({
        last_read_seq: 4,
        last_message_seq: 5,
        changed: false,
      });
    });
  });

  describe('editMessage', () => {
    beforeEach(async () => {
      await store.createRoom(room('r1'), [owner('alice'), member('bob')]);
    });

    it('replaces the content and sets edited_at, keeping every other field', async () => {
      const original = await post('r1', 'alice', { client_id: 'c-1' });
      await store.addReaction(original.id, 'bob', '👍', at(5), CAPS);
      const edited = await store.editMessage(original.id, 'fixed typo', at(10), []);
      const expected: Message = {
        ...original,
        content: 'fixed typo',
        edited_at: at(10),
        reactions: [{ emoji: '👍', count: 1, user_ids: ['bob'] }],
        // The room's third change: the message, the reaction, the edit.
        version: 3,
      };
      expect(edited).toStrictEqual(expected);
      expect(await store.getMessage(original.id)).toStrictEqual(expected);
      expect((await history('r1')).messages).toStrictEqual([expected]);
    });

    it('keeps the latest edit, and changes no seq or read state', async () => {
      const first = await post('r1', 'alice');
      const second = await post('r1', 'alice');
      await store.editMessage(first.id, 'v2', at(10), []);
      const latest = await store.editMessage(first.id, 'v3', at(20), []);
      expect(latest).toMatchObject({ id: first.id, seq: 1, content: 'v3', edited_at: at(20) });
      expect(await stored(second.id)).toStrictEqual(second);
      expect(await viewRoom('r1', 'bob')).toMatchObject({ last_message_seq: 2, unread_count: 2 });
      expect((await post('r1', 'alice')).seq).toBe(3);
    });

    it('keeps a reply’s thread and a parent’s reply_count', async () => {
      const parent = await post('r1', 'alice');
      const reply = await post('r1', 'bob', { parent_id: parent.id });
      const editedReply = await store.editMessage(reply.id, 'new answer', at(10), []);
      expect(editedReply).toMatchObject({ parent_id: parent.id, content: 'new answer' });
      const editedParent = await store.editMessage(parent.id, 'new question', at(11), []);
      expect(editedParent).toMatchObject({ reply_count: 1, content: 'new question' });
      expect((await history('r1', { parent_id: parent.id })).messages.map((m) => m.content)).toEqual([
        'new answer',
      ]);
    });

    it('answers null for a message that does not exist', async () => {
      expect(await store.editMessage('no-such-message', 'x', at(1), [])).toBeNull();
      expect(await store.getMessage('no-such-message')).toBeNull();
    });

    it('answers null for a deleted message and leaves its tombstone empty (an edit racing a delete)', async () => {
      const original = await post('r1', 'alice');
      const tombstone = await store.deleteMessage(original.id);
      expect(await store.editMessage(original.id, 'revived?', at(10), [])).toBeNull();
      expect(await store.getMessage(original.id)).toStrictEqual(tombstone);
      expect(tombstone).toMatchObject({ deleted: true, content: '', edited_at: null });
    });

    it('keeps the edit across a close and reopen', async () => {
      const original = await post('r1', 'alice');
      const edited = await store.editMessage(original.id, 'kept', at(10), []);
      const reopened = await handle.reopen();
      expect(await reopened.getMessage(original.id)).toStrictEqual(edited);
    });
  });

  describe('deleteMessage', () => {
    beforeEach(async () => {
      await store.createRoom(room('r1'), [owner('alice'), member('bob')]);
    });

    it('turns the message into its tombstone: content "", deleted, reactions gone; id, seq and author kept', async () => {
      const before = await post('r1', 'alice');
      const target = await post('r1', 'alice', { client_id: 'c-2' });
      const after = await post('r1', 'bob');
      await store.addReaction(target.id, 'bob', '👍', at(5), CAPS);
      await store.addReaction(target.id, 'alice', ':tada:', at(6), CAPS);

      const tombstone = await store.deleteMessage(target.id);
      // The deletion is the room's sixth change (three messages, two reactions before it).
      const expected: Message = { ...target, content: '', deleted: true, reactions: [], version: 6 };
      // Whether a delete also stamps edited_at is the implementation's choice; every other field is fixed.
      expect(tombstone).toStrictEqual({ ...expected, edited_at: tombstone?.edited_at ?? null });
      expect(await store.reactionsOf(target.id)).toEqual([]);
      expect(await store.getMessage(target.id)).toStrictEqual(tombstone);
      // History keeps it in place, between its neighbours.
      expect((await history('r1')).messages).toStrictEqual([before, tombstone, after]);
    });

    it('keeps a deleted parent’s reply_count and its replies readable', async () => {
      const parent = await post('r1', 'alice');
      const r1 = await post('r1', 'bob', { parent_id: parent.id });
      const r2 = await post('r1', 'alice', { parent_id: parent.id });

      const tombstone = await store.deleteMessage(parent.id);
      expect(tombstone).toMatchObject({ id: parent.id, seq: 1, reply_count: 2, deleted: true, content: '' });
      expect((await history('r1', { parent_id: parent.id })).messages).toStrictEqual([r1, r2]);
      // A new reply to the tombstone still counts.
      const inserted = await store.insertMessage(message('r1', 'bob', { parent_id: parent.id }));
      expect(inserted.parent).toMatchObject({ id: parent.id, deleted: true, reply_count: 3 });
    });

    it('keeps a deleted reply in its thread, and its parent intact', async () => {
      const parent = await post('r1', 'alice');
      const reply = await post('r1', 'bob', { parent_id: parent.id });
      const tombstone = await store.deleteMessage(reply.id);
      expect(tombstone).toMatchObject({ id: reply.id, parent_id: parent.id, seq: 2, deleted: true });
      expect((await history('r1', { parent_id: parent.id })).messages.map((m) => [m.id, m.deleted])).toEqual([
        [reply.id, true],
      ]);
      expect(await stored(parent.id)).toMatchObject({ deleted: false, content: parent.content });
    });

    it('changes no seq, no read state and no other message', async () => {
      const keep = await post('r1', 'alice');
      const gone = await post('r1', 'alice');
      await store.addReaction(keep.id, 'bob', '👍', at(5), CAPS);
      await store.addReaction(gone.id, 'bob', '👍', at(6), CAPS);
      await store.deleteMessage(gone.id);

      expect(await stored(keep.id)).toStrictEqual({
        ...keep,
        reactions: [{ emoji: '👍', count: 1, user_ids: ['bob'] }],
        version: 3,
      });
      expect(await viewRoom('r1', 'bob')).toMatchObject({
        last_message_seq: 2,
        last_read_seq: 0,
        unread_count: 2,
      });
      expect((await post('r1', 'alice')).seq).toBe(3);
    });

    it('answers the same tombstone when deleted twice, and null for a message that does not exist', async () => {
      const target = await post('r1', 'alice');
      const first = await store.deleteMessage(target.id);
      const second = await store.deleteMessage(target.id);
      expect(second).toStrictEqual(first);
      expect(await store.deleteMessage('no-such-message')).toBeNull();
      expect((await history('r1')).messages).toHaveLength(1);
    });

    it('keeps the tombstone across a close and reopen', async () => {
      const target = await post('r1', 'alice');
      await store.addReaction(target.id, 'bob', '👍', at(5), CAPS);
      const tombstone = await store.deleteMessage(target.id);
      const reopened = await handle.reopen();
      expect(await reopened.getMessage(target.id)).toStrictEqual(tombstone);
      expect(await reopened.reactionsOf(target.id)).toEqual([]);
    });
  });

  describe('reactions', () => {
    let m1: Message;
    let m2: Message;

    beforeEach(async () => {
      await store.createRoom(room('r1'), [owner('alice'), member('bob'), member('carol')]);
      m1 = await post('r1', 'alice');
      m2 = await post('r1', 'bob');
    });

    it('adds one reaction per (message, user, emoji): added the first time, exists after', async () => {
      expect(await store.addReaction(m1.id, 'bob', '👍', at(1), CAPS)).toBe('added');
      expect(await store.addReaction(m1.id, 'bob', '👍', at(2), CAPS)).toBe('exists');
      expect(await store.reactionsOf(m1.id)).toStrictEqual([{ emoji: '👍', count: 1, user_ids: ['bob'] }]);
    });

    it('lists emojis by first use with counts and users in the order they reacted', async () => {
      await store.addReaction(m1.id, 'carol', ':party_parrot:', at(1), CAPS);
      await store.addReaction(m1.id, 'bob', '👍', at(2), CAPS);
      await store.addReaction(m1.id, 'alice', '👍', at(3), CAPS);
      await store.addReaction(m1.id, 'alice', ':party_parrot:', at(4), CAPS);
      await store.addReaction(m1.id, 'carol', '👍', at(5), CAPS);
      expect(await store.reactionsOf(m1.id)).toStrictEqual([
        { emoji: ':party_parrot:', count: 2, user_ids: ['carol', 'alice'] },
        { emoji: '👍', count: 3, user_ids: ['bob', 'alice', 'carol'] },
      ]);
    });

    it('keeps emoji variants apart and stores them exactly (skin tones, ZWJ sequences, flags, keycaps)', async () => {
      const emojis = ['👍', '👍🏽', '👨‍👩‍👧', '🇫🇷', '1️⃣', ':+1:'];
      for (const [i, emoji] of emojis.entries()) {
        expect(await store.addReaction(m1.id, 'bob', emoji, at(i), CAPS)).toBe('added');
      }
      const reactions = await store.reactionsOf(m1.id);
      expect(reactions.map((r) => r.emoji)).toEqual(emojis);
      expect(reactions.every((r) => r.count === 1)).toBe(true);
    });

    it('removes one user’s reaction: true when removed, false when there was none', async () => {
      await store.addReaction(m1.id, 'bob', '👍', at(1), CAPS);
      await store.addReaction(m1.id, 'carol', '👍', at(2), CAPS);
      await store.addReaction(m1.id, 'carol', '🎉', at(3), CAPS);

      expect(await store.removeReaction(m1.id, 'bob', '👍')).toBe(true);
      expect(await store.removeReaction(m1.id, 'bob', '👍')).toBe(false);
      expect(await store.removeReaction(m1.id, 'alice', '🎉')).toBe(false);
      expect(await store.removeReaction(m2.id, 'carol', '👍')).toBe(false);
      expect(await store.removeReaction('no-such-message', 'carol', '👍')).toBe(false);
      expect(await store.reactionsOf(m1.id)).toStrictEqual([
        { emoji: '👍', count: 1, user_ids: ['carol'] },
        { emoji: '🎉', count: 1, user_ids: ['carol'] },
      ]);
    });

    it('keeps an emoji in its place while anyone still uses it, when its first user takes theirs back', async () => {
      await store.addReaction(m1.id, 'alice', '👍', at(1), CAPS);
      await store.addReaction(m1.id, 'bob', '🎉', at(2), CAPS);
      await store.addReaction(m1.id, 'carol', '👍', at(3), CAPS);
      await store.addReaction(m1.id, 'carol', '🔥', at(4), CAPS);
      expect(await store.removeReaction(m1.id, 'alice', '👍')).toBe(true);
      expect(await store.reactionsOf(m1.id)).toStrictEqual([
        { emoji: '👍', count: 1, user_ids: ['carol'] },
        { emoji: '🎉', count: 1, user_ids: ['bob'] },
        { emoji: '🔥', count: 1, user_ids: ['carol'] },
      ]);
      // The returning user goes to the end of that emoji's users, the emoji stays where it is.
      await store.addReaction(m1.id, 'alice', '👍', at(5), CAPS);
      expect(await store.reactionsOf(m1.id)).toStrictEqual([
        { emoji: '👍', count: 2, user_ids: ['carol', 'alice'] },
        { emoji: '🎉', count: 1, user_ids: ['bob'] },
        { emoji: '🔥', count: 1, user_ids: ['carol'] },
      ]);
    });

    it('drops an emoji from the list when its count falls to zero; re-adding it puts it last', async () => {
      await store.addReaction(m1.id, 'bob', '👍', at(1), CAPS);
      await store.addReaction(m1.id, 'carol', '🎉', at(2), CAPS);
      expect(await store.removeReaction(m1.id, 'bob', '👍')).toBe(true);
      expect(await store.reactionsOf(m1.id)).toStrictEqual([{ emoji: '🎉', count: 1, user_ids: ['carol'] }]);

      expect(await store.addReaction(m1.id, 'bob', '👍', at(3), CAPS)).toBe('added');
      expect(await store.reactionsOf(m1.id)).toStrictEqual([
        { emoji: '🎉', count: 1, user_ids: ['carol'] },
        { emoji: '👍', count: 1, user_ids: ['bob'] },
      ]);
      await store.removeReaction(m1.id, 'bob', '👍');
      await store.removeReaction(m1.id, 'carol', '🎉');
      expect(await store.reactionsOf(m1.id)).toEqual([]);
      // As it was, but for the version its six reaction changes took (after m1's and m2's).
      expect(await stored(m1.id)).toStrictEqual({ ...m1, version: 8 });
    });

    it('keeps each message’s reactions to itself, and answers [] for a message without any or unknown', async () => {
      await store.addReaction(m1.id, 'bob', '👍', at(1), CAPS);
      await store.addReaction(m2.id, 'alice', '🎉', at(2), CAPS);
      await store.addReaction(m2.id, 'bob', '👍', at(3), CAPS);
      expect(await store.reactionsOf(m1.id)).toStrictEqual([{ emoji: '👍', count: 1, user_ids: ['bob'] }]);
      expect(await store.reactionsOf(m2.id)).toStrictEqual([
        { emoji: '🎉', count: 1, user_ids: ['alice'] },
        { emoji: '👍', count: 1, user_ids: ['bob'] },
      ]);
      const m3 = await post('r1', 'carol');
      expect(await store.reactionsOf(m3.id)).toEqual([]);
      expect(await store.reactionsOf('no-such-message')).toEqual([]);
    });

    it('stores one reaction for simultaneous identical adds', async () => {
      const results = await Promise.all(
        range(1, 20).map((i) => store.addReaction(m1.id, 'bob', '👍', at(i), CAPS)),
      );
      expect(results.filter((r) => r === 'added')).toHaveLength(1);
      expect(results.filter((r) => r === 'exists')).toHaveLength(19);
      expect(await store.reactionsOf(m1.id)).toStrictEqual([{ emoji: '👍', count: 1, user_ids: ['bob'] }]);
    });

    describe('carried by every Message a store returns', () => {
      beforeEach(async () => {
        await store.addReaction(m1.id, 'bob', '👍', at(1), CAPS);
        await store.addReaction(m1.id, 'carol', '👍', at(2), CAPS);
        await store.addReaction(m1.id, 'carol', ':tada:', at(3), CAPS);
      });

      const m1Reactions = [
        { emoji: '👍', count: 2, user_ids: ['bob', 'carol'] },
        { emoji: ':tada:', count: 1, user_ids: ['carol'] },
      ];
      /** m1 with those reactions: versions 1 and 2 are m1's and m2's, 3 to 5 the reactions'. */
      const m1Reacted = (): Message => ({ ...m1, reactions: m1Reactions, version: 5 });

      it('getMessage', async () => {
        expect(await store.getMessage(m1.id)).toStrictEqual(m1Reacted());
        expect((await store.getMessage(m2.id))?.reactions).toEqual([]);
      });

      it('listMessages, each message with its own, in every kind of page', async () => {
        await store.addReaction(m2.id, 'alice', '🎉', at(4), CAPS);
        const m2Reactions = [{ emoji: '🎉', count: 1, user_ids: ['alice'] }];
        const expected = [m1Reacted(), { ...m2, reactions: m2Reactions, version: 6 }];
        expect((await history('r1')).messages).toStrictEqual(expected);
        expect((await history('r1', { after_seq: 0 })).messages).toStrictEqual(expected);
        expect((await history('r1', { before_seq: 2 })).messages).toStrictEqual([expected[0]]);

        const reply = await post('r1', 'bob', { parent_id: m1.id });
        await store.addReaction(reply.id, 'alice', '👀', at(5), CAPS);
        expect((await history('r1', { parent_id: m1.id })).messages).toStrictEqual([
          // The reply took 7, its parent's reply count 8, the reaction 9.
          { ...reply, reactions: [{ emoji: '👀', count: 1, user_ids: ['alice'] }], version: 9 },
        ]);
      });

      it('insertMessage: a client_id repeat and the updated parent of a reply', async () => {
        const original = await store.insertMessage(message('r1', 'alice', { client_id: 'c-9' }));
        await store.addReaction(original.message.id, 'bob', '🔥', at(6), CAPS);
        const repeat = await store.insertMessage(message('r1', 'alice', { client_id: 'c-9' }));
        expect(repeat).toStrictEqual({
          message: {
            ...original.message,
            reactions: [{ emoji: '🔥', count: 1, user_ids: ['bob'] }],
            version: original.message.version + 1,
          },
          created: false,
          parent: null,
        });

        const reply = await store.insertMessage(message('r1', 'bob', { parent_id: m1.id }));
        expect(reply.message.reactions).toEqual([]);
        // The reply's version, then the parent's reply count's.
        expect(reply.parent).toStrictEqual({
          ...m1Reacted(),
          reply_count: 1,
          version: reply.message.version + 1,
        });
      });

      it('editMessage', async () => {
        expect(await store.editMessage(m1.id, 'edited', at(9), [])).toStrictEqual({
          ...m1Reacted(),
          content: 'edited',
          edited_at: at(9),
          version: 6,
        });
      });

      it('a close and reopen', async () => {
        const reopened = await handle.reopen();
        expect(await reopened.reactionsOf(m1.id)).toStrictEqual(m1Reactions);
        expect(await reopened.getMessage(m1.id)).toStrictEqual(m1Reacted());
        expect(await reopened.addReaction(m1.id, 'bob', '👍', at(10), CAPS)).toBe('exists');
      });
    });
  });
});
