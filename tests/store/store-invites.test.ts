import type { ChatStore } from '../../server/store/types';
import { storeFactories, type StoreHandle } from './store-factories';
import { at, createStoreHelpers, member, owner, room, type StoreHelpers } from './store-fixtures';

const INVITE_KEYS = [
  'description',
  'invited_at',
  'invited_by',
  'inviter_username',
  'is_private',
  'room_id',
  'room_name',
];

/** The first page of a user's invites, large enough for every test here. */
const ALL = { limit: 100, after: null };

describe.each(storeFactories)('ChatStore invites: $name', (factory) => {
  let handle: StoreHandle;
  let store: ChatStore;
  let insert: StoreHelpers['insert'];
  let viewRoom: StoreHelpers['viewRoom'];

  beforeEach(async () => {
    handle = await factory.open();
    store = handle.store;
    ({ insert, viewRoom } = createStoreHelpers(store));
    await store.rememberUser({ id: 'alice', name: 'Alice' });
    await store.createRoom(room('r1', { name: 'team', description: 'the team', is_private: true }), [
      owner('alice'),
    ]);
  });

  afterEach(async () => {
    await handle.cleanup();
  });

  it('adds invites without making members, and answers only the new ones in the order given', async () => {
    expect(await store.addInvites('r1', ['bob', 'carol', 'bob'], 'alice', at(5))).toEqual(['bob', 'carol']);
    // Again, with one pending invitee, one member and one new id: only the new one.
    expect(await store.addInvites('r1', ['carol', 'alice', 'dave'], 'alice', at(6))).toEqual(['dave']);

    expect((await store.listMembers('r1')).map((m) => m.user_id)).toEqual(['alice']);
    expect(await viewRoom('r1', 'bob')).toMatchObject({ member_count: 1, is_member: false });
    expect(await store.roomIdsOf('bob')).toEqual([]);
    expect(await store.usersSharingRoomWith('alice', ['bob', 'carol', 'dave'])).toEqual([]);
    expect(await store.hasInvite('r1', 'bob')).toBe(true);
    expect(await store.hasInvite('r1', 'alice')).toBe(false);
    expect(await store.hasInvite('r1', 'zed')).toBe(false);
  });

  it('invites nobody to a room that does not exist', async () => {
    expect(await store.addInvites('nope', ['bob'], 'alice', at(5))).toEqual([]);
    expect(await store.listInvites('bob', ALL)).toEqual([]);
  });

  it('lists a user’s invites with the room and the inviter’s name, every field present', async () => {
    await store.createRoom(room('r2', { name: 'lobby', is_private: false, created_by: 'carol' }), [
      owner('carol'),
    ]);
    await store.addInvites('r2', ['bob'], 'carol', at(7));
    await store.addInvites('r1', ['bob'], 'alice', at(8));

    const invites = await store.listInvites('bob', ALL);
    expect(invites).toStrictEqual([
      {
        room_id: 'r2',
        room_name: 'lobby',
        description: null,
        is_private: false,
        invited_by: 'carol',
        // Never seen: shown by id, as members are.
        inviter_username: 'carol',
        invited_at: at(7),
      },
      {
        room_id: 'r1',
        room_name: 'team',
        description: 'the team',
        is_private: true,
        invited_by: 'alice',
        inviter_username: 'Alice',
        invited_at: at(8),
      },
    ]);
    for (const invite of invites) expect(Object.keys(invite).sort()).toEqual(INVITE_KEYS);
    expect(await store.listInvites('alice', ALL)).toEqual([]);
  });

  it('pages a user’s invites by (invited_at, room id), each exactly once', async () => {
    // Two rooms share a time: the room id breaks the tie.
    for (const [id, s] of [
      ['r4', 3],
      ['r3', 3],
      ['r2', 1],
      ['r5', 4],
    ] as const) {
      await store.createRoom(room(id), [owner('alice')]);
      await store.addInvites(id, ['bob'], 'alice', at(s));
    }
    await store.addInvites('r1', ['bob'], 'alice', at(2));

    const first = await store.listInvites('bob', { limit: 2, after: null });
    expect(first.map((i) => i.room_id)).toEqual(['r2', 'r1']);
    const last = first[1];
    if (!last) throw new Error('no second invite');
    const second = await store.listInvites('bob', {
      limit: 2,
      after: { at: last.invited_at, id: last.room_id },
    });
    expect(second.map((i) => i.room_id)).toEqual(['r3', 'r4']);
    const third = await store.listInvites('bob', { limit: 2, after: { at: at(3), id: 'r4' } });
    expect(third.map((i) => i.room_id)).toEqual(['r5']);
    expect(await store.listInvites('bob', { limit: 2, after: { at: at(4), id: 'r5' } })).toEqual([]);
  });

  it('accepts an invite in one step: the invite goes, the member comes with the read position at the last seq', async () => {
    await insert('r1', 'alice');
    await insert('r1', 'alice');
    await store.rememberUser({ id: 'bob', name: 'Bob' });
    await store.addInvites('r1', ['bob'], 'alice', at(5));

    const accepted = await store.acceptInvite('r1', member('bob', at(9)));
    expect(accepted).toEqual({ user_id: 'bob', username: 'Bob', role: 'member', joined_at: at(9) });
    expect(await store.hasInvite('r1', 'bob')).toBe(false);
    expect(await store.listInvites('bob', ALL)).toEqual([]);
    expect(await viewRoom('r1', 'bob')).toMatchObject({
      is_member: true,
      member_count: 2,
      last_read_seq: 2,
      unread_count: 0,
    });
    expect(await store.usersSharingRoomWith('alice', ['bob'])).toEqual(['bob']);

    // Accepting again, or without an invite, changes nothing.
    expect(await store.acceptInvite('r1', member('bob', at(10)))).toBeNull();
    expect(await store.acceptInvite('r1', member('carol', at(10)))).toBeNull();
    expect((await store.listMembers('r1')).map((m) => m.user_id)).toEqual(['alice', 'bob']);
  });

  it('accepts an invite once when two accepts race', async () => {
    await store.addInvites('r1', ['bob'], 'alice', at(5));
    const sibling = await handle.openSibling();
    const results = await Promise.all([
      store.acceptInvite('r1', member('bob', at(9))),
      sibling.acceptInvite('r1', member('bob', at(9))),
    ]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect((await store.listMembers('r1')).map((m) => m.user_id)).toEqual(['alice', 'bob']);
  });

  it('declines: the invite goes (false when there was none), and the user can be invited again', async () => {
    await store.addInvites('r1', ['bob'], 'alice', at(5));
    expect(await store.declineInvite('r1', 'bob')).toBe(true);
    expect(await store.declineInvite('r1', 'bob')).toBe(false);
    expect(await store.declineInvite('r1', 'carol')).toBe(false);
    expect(await store.hasInvite('r1', 'bob')).toBe(false);
    expect(await store.acceptInvite('r1', member('bob', at(9)))).toBeNull();
    expect((await store.listMembers('r1')).map((m) => m.user_id)).toEqual(['alice']);

    expect(await store.addInvites('r1', ['bob'], 'alice', at(6))).toEqual(['bob']);
    expect((await store.listInvites('bob', ALL)).map((i) => i.invited_at)).toEqual([at(6)]);
  });

  it('does not list an invite to a room the user has meanwhile joined another way', async () => {
    await store.createRoom(room('pub'), [owner('alice')]);
    await store.addInvites('pub', ['bob'], 'alice', at(5));
    await store.addMembers('pub', [member('bob', at(6))]);
    expect(await store.listInvites('bob', ALL)).toEqual([]);
  });

  it('keeps invites across a restart', async () => {
    await store.addInvites('r1', ['bob'], 'alice', at(5));
    const reopened = await handle.reopen();
    expect(await reopened.hasInvite('r1', 'bob')).toBe(true);
    expect((await reopened.listInvites('bob', ALL)).map((i) => i.room_id)).toEqual(['r1']);
  });
});
