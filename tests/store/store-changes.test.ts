import type { ChatStore, OutboxEntry } from '../../server/store/types';
import { storeFactories, type StoreHandle } from './store-factories';
import { at, createStoreHelpers, member, owner, room } from './store-fixtures';

/**
 * The change feed and the outbox, run against every store: each change to a room's messages takes
 * the room's next version in its own transaction, the feed lists each changed message once in its
 * latest state, and every change is appended to the outbox, whichever write made it.
 */

const CAPS = { perMessage: 32, perUser: 10 };

describe.each(storeFactories)('change feed and outbox: $name', (factory) => {
  let handle: StoreHandle;
  let store: ChatStore;
  let helpers: ReturnType<typeof createStoreHelpers>;

  beforeEach(async () => {
    handle = await factory.open();
    store = handle.store;
    helpers = createStoreHelpers(store);
    await store.createRoom(room('r1'), [owner('alice'), member('bob')]);
    await store.createRoom(room('r2'), [owner('alice')]);
  });

  afterEach(async () => {
    await handle.cleanup();
  });

  /** Every outbox entry, without ids and times, in order. */
  async function outbox(): Promise<Omit<OutboxEntry, 'id' | 'created_at'>[]> {
    const entries = await store.readOutbox(0, 1000);
    expect(entries.map((e) => e.id)).toEqual([...entries.map((e) => e.id)].sort((a, b) => a - b));
    return entries.map(({ id: _id, created_at: _at, ...rest }) => rest);
  }

  it('gives every change of a room the next version, with no gap, and lists each message once in its latest state', async () => {
    const m1 = await helpers.post('r1', 'alice'); // v1
    const m2 = await helpers.post('r1', 'bob'); // v2
    await helpers.post('r2', 'alice'); // r2's own v1
    await store.editMessage(m1.id, 'edited', at(10), []); // v3
    await store.addReaction(m2.id, 'alice', '👍', at(11), CAPS); // v4
    const reply = await helpers.post('r1', 'bob', { parent_id: m1.id }); // v5 reply, v6 parent
    await store.removeReaction(m2.id, 'alice', '👍'); // v7
    await store.deleteMessage(reply.id); // v8 (the parent's reply_count keeps counting tombstones)

    const all = await store.listChanges('r1', 0, 100);
    expect(all.room_version).toBe(8);
    expect(all.has_more).toBe(false);
    expect(all.changes.map((c) => [c.message.id, c.version])).toEqual([
      [m1.id, 6],
      [m2.id, 7],
      [reply.id, 8],
    ]);
    expect(all.changes[0]?.message).toMatchObject({ content: 'edited', reply_count: 1 });
    expect(all.changes[1]?.message.reactions).toEqual([]);
    expect(all.changes[2]?.message).toMatchObject({ deleted: true, content: '' });

    // After a version: only what changed since, still each message once.
    const since = await store.listChanges('r1', 6, 100);
    expect(since.changes.map((c) => c.message.id)).toEqual([m2.id, reply.id]);
    expect((await store.listChanges('r2', 0, 100)).room_version).toBe(1);
  });

  it('pages the feed by version', async () => {
    for (let i = 0; i < 5; i++) await helpers.post('r1', 'alice');
    const first = await store.listChanges('r1', 0, 2);
    expect(first.changes.map((c) => c.version)).toEqual([1, 2]);
    expect(first.has_more).toBe(true);
    const last = await store.listChanges('r1', 4, 2);
    expect(last.changes.map((c) => c.version)).toEqual([5]);
    expect(last.has_more).toBe(false);
    expect(last.room_version).toBe(5);
  });

  it('answers an empty page with version 0 for a room that does not exist', async () => {
    expect(await store.listChanges('nope', 0, 10)).toEqual({ changes: [], has_more: false, room_version: 0 });
  });

  it('takes no version for a refused write: a repeated client_id, an edit of a tombstone, a reaction that was there', async () => {
    const m1 = await helpers.post('r1', 'alice', { client_id: 'c1' }); // v1
    await store.addReaction(m1.id, 'bob', '👍', at(5), CAPS); // v2
    await helpers.insert('r1', 'alice', { client_id: 'c1' });
    expect(await store.addReaction(m1.id, 'bob', '👍', at(6), CAPS)).toBe('exists');
    expect(await store.removeReaction(m1.id, 'bob', '🎉')).toBe(false);
    await store.deleteMessage(m1.id); // v3: the deletion, not the reactions it drops
    expect(await store.editMessage(m1.id, 'revived?', at(7), [])).toBeNull();
    expect((await store.listChanges('r1', 0, 10)).room_version).toBe(3);
  });

  it('appends every change and every join and leave to the outbox, in commit order', async () => {
    const m1 = await helpers.post('r1', 'alice');
    await store.addReaction(m1.id, 'bob', '👍', at(5), CAPS);
    await store.editMessage(m1.id, 'edited', at(6), []);
    await store.addMembers('r1', [member('carol', at(7))]);
    await store.removeMember('r1', 'carol');
    await store.deleteMessage(m1.id);

    expect(await outbox()).toEqual([
      {
        room_id: 'r1',
        version: null,
        type: 'member.joined',
        message_id: null,
        user_id: 'alice',
        action_id: null,
      },
      {
        room_id: 'r1',
        version: null,
        type: 'member.joined',
        message_id: null,
        user_id: 'bob',
        action_id: null,
      },
      {
        room_id: 'r2',
        version: null,
        type: 'member.joined',
        message_id: null,
        user_id: 'alice',
        action_id: null,
      },
      { room_id: 'r1', version: 1, type: 'message.new', message_id: m1.id, user_id: null, action_id: null },
      {
        room_id: 'r1',
        version: 2,
        type: 'reaction.updated',
        message_id: m1.id,
        user_id: null,
        action_id: null,
      },
      {
        room_id: 'r1',
        version: 3,
        type: 'message.updated',
        message_id: m1.id,
        user_id: null,
        action_id: null,
      },
      {
        room_id: 'r1',
        version: null,
        type: 'member.joined',
        message_id: null,
        user_id: 'carol',
        action_id: null,
      },
      {
        room_id: 'r1',
        version: null,
        type: 'member.left',
        message_id: null,
        user_id: 'carol',
        action_id: null,
      },
      {
        room_id: 'r1',
        version: 4,
        type: 'message.deleted',
        message_id: m1.id,
        user_id: null,
        action_id: null,
      },
    ]);
    const [first] = await store.readOutbox(0, 1);
    expect(await store.readOutbox(first?.id ?? 0, 2)).toHaveLength(2);
  });
});
