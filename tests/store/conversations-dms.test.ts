import type { ChatStore } from '../../server/store/types';
import { conversationHelpers, directRoom } from './conversations-fixtures';
import { storeFactories, type StoreHandle } from './store-factories';
import { at, owner, range, room, type StoreHelpers } from './store-fixtures';

/**
 * Direct messages, run against every store: the one private room of a pair, created once however
 * many opens race (on one store or on two stores over the same storage, as two nodes would).
 */
describe.each(storeFactories)('ChatStore direct messages: $name', (factory) => {
  let handle: StoreHandle;
  let store: ChatStore;
  let post: StoreHelpers['post'];
  let viewRoom: StoreHelpers['viewRoom'];

  beforeEach(async () => {
    handle = await factory.open();
    store = handle.store;
    ({ post, viewRoom } = conversationHelpers(store));
  });

  afterEach(async () => {
    await handle.cleanup();
  });

  it('creates a private room of the two as plain members, read positions at 0, marked is_dm', async () => {
    await store.rememberUser({ id: 'bob', name: 'Bob' });
    expect(
      await store.openDirectRoom(directRoom('alice', 'bob', { id: 'dm-1', name: 'alice, Bob' })),
    ).toEqual({
      room_id: 'dm-1',
      created: true,
    });

    for (const viewer of ['alice', 'bob']) {
      expect(await viewRoom('dm-1', viewer)).toStrictEqual({
        id: 'dm-1',
        name: 'alice, Bob',
        description: null,
        is_private: true,
        created_by: 'alice',
        created_at: at(3),
        member_count: 2,
        is_member: true,
        last_read_seq: 0,
        unread_count: 0,
        last_message_seq: 0,
        is_dm: true,
        unread_mentions: 0,
        muted_until: null,
      });
      expect(await store.roomAccess('dm-1', viewer)).toStrictEqual({
        is_private: true,
        role: 'member',
        is_dm: true,
        muted_until: null,
      });
    }
    expect(await store.listMembers('dm-1')).toStrictEqual([
      { user_id: 'alice', username: 'alice', role: 'member', joined_at: at(3) },
      { user_id: 'bob', username: 'Bob', role: 'member', joined_at: at(3) },
    ]);
    expect(await store.roomIdsOf('bob')).toEqual(['dm-1']);
    expect((await store.listRooms('bob')).map((r) => [r.id, r.is_dm])).toEqual([['dm-1', true]]);

    // A third user does not see it: it is private, and they are not in it.
    expect(await store.roomAccess('dm-1', 'carol')).toStrictEqual({
      is_private: true,
      role: null,
      is_dm: true,
      muted_until: null,
    });
    expect(await viewRoom('dm-1', 'carol')).toMatchObject({ is_member: false, is_dm: true });
    expect(await store.listRooms('carol')).toEqual([]);
  });

  it('marks ordinary rooms is_dm false', async () => {
    await store.createRoom(room('r1', { is_private: true }), [owner('alice')]);
    expect(await viewRoom('r1', 'alice')).toMatchObject({
      is_dm: false,
      unread_mentions: 0,
      muted_until: null,
    });
    expect(await store.roomAccess('r1', 'alice')).toStrictEqual({
      is_private: true,
      role: 'owner',
      is_dm: false,
      muted_until: null,
    });
    expect((await store.listRooms('alice')).map((r) => r.is_dm)).toEqual([false]);
  });

  it('answers the existing room to a later open by either user, ignoring its id and name, changing nothing', async () => {
    await store.openDirectRoom(directRoom('alice', 'bob', { id: 'dm-1' }));
    await post('dm-1', 'alice');
    const before = await viewRoom('dm-1', 'bob');

    expect(await store.openDirectRoom(directRoom('bob', 'alice', { id: 'dm-2', name: 'renamed' }))).toEqual({
      room_id: 'dm-1',
      created: false,
    });
    expect(
      await store.openDirectRoom(directRoom('alice', 'bob', { id: 'dm-3', created_at: at(50) })),
    ).toEqual({
      room_id: 'dm-1',
      created: false,
    });
    expect(await store.getRoom('dm-2', 'bob')).toBeNull();
    expect(await store.getRoom('dm-3', 'bob')).toBeNull();
    // Same name, creator, members and read state: bob's unread message is still unread.
    expect(await viewRoom('dm-1', 'bob')).toStrictEqual(before);
    expect(before).toMatchObject({ created_by: 'alice', unread_count: 1, member_count: 2 });
  });

  it('gives each pair its own room', async () => {
    const ab = await store.openDirectRoom(directRoom('alice', 'bob'));
    const ac = await store.openDirectRoom(directRoom('carol', 'alice'));
    const bc = await store.openDirectRoom(directRoom('bob', 'carol'));
    expect([ab.created, ac.created, bc.created]).toEqual([true, true, true]);
    expect(new Set([ab.room_id, ac.room_id, bc.room_id]).size).toBe(3);
    expect([...(await store.roomIdsOf('alice'))].sort()).toEqual([ab.room_id, ac.room_id].sort());
    expect((await store.listMembers(ac.room_id)).map((m) => m.user_id)).toEqual(['alice', 'carol']);
  });

  it('creates one room when many opens by both users race, on one store and on a second one over the same storage', async () => {
    const sibling = await handle.openSibling();
    const opens = range(1, 24).map((i) => {
      const opener = i % 2 === 0 ? 'alice' : 'bob';
      const via = i % 3 === 0 ? sibling : store;
      return via.openDirectRoom(
        directRoom(opener, opener === 'alice' ? 'bob' : 'alice', { id: `dm-${i}`, created_at: at(i) }),
      );
    });
    const results = await Promise.all(opens);

    const created = results.filter((r) => r.created);
    expect(created).toHaveLength(1);
    const roomId = created[0]?.room_id;
    expect(results.every((r) => r.room_id === roomId)).toBe(true);
    expect(range(1, 24).map((i) => `dm-${i}`)).toContain(roomId);

    for (const s of [store, sibling]) {
      expect(await s.roomIdsOf('alice')).toEqual([roomId]);
      expect(await s.roomIdsOf('bob')).toEqual([roomId]);
    }
    if (roomId === undefined) throw new Error('no room was created');
    expect((await store.listMembers(roomId)).map((m) => [m.user_id, m.role])).toEqual([
      ['alice', 'member'],
      ['bob', 'member'],
    ]);
    // Every other id stayed unused.
    const unused = await Promise.all(range(1, 24).map((i) => store.getRoom(`dm-${i}`, 'alice')));
    expect(unused.filter((r) => r !== null)).toHaveLength(1);
  });

  it('keeps the pair’s room across a restart', async () => {
    const first = await store.openDirectRoom(directRoom('alice', 'bob'));
    const reopened = await handle.reopen();
    expect(await reopened.openDirectRoom(directRoom('bob', 'alice', { id: 'dm-again' }))).toEqual({
      room_id: first.room_id,
      created: false,
    });
    expect(await reopened.roomAccess(first.room_id, 'bob')).toMatchObject({ is_dm: true, role: 'member' });
  });
});
