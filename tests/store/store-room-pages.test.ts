import type { Room } from '../../shared/schemas/objects';
import type { ChatStore } from '../../server/store/types';
import { storeFactories, type StoreHandle } from './store-factories';
import { at, member, owner, room } from './store-fixtures';

const keyOf = (r: Room) => ({ at: r.created_at, id: r.id });

describe.each(storeFactories)('ChatStore room pages: $name', (factory) => {
  let handle: StoreHandle;
  let store: ChatStore;

  beforeEach(async () => {
    handle = await factory.open();
    store = handle.store;
    // Created out of order; b1 and b2 share a time, so the id breaks the tie. Bob sees the public
    // rooms and his private one, never carol's.
    const rooms: [string, number, boolean, string[]][] = [
      ['e', 50, false, []],
      ['b2', 20, false, []],
      ['c-private-bob', 30, true, ['bob']],
      ['a', 10, false, []],
      ['d-private-carol', 40, true, ['carol']],
      ['b1', 20, false, []],
    ];
    for (const [id, s, isPrivate, members] of rooms) {
      await store.createRoom(room(id, { is_private: isPrivate, created_at: at(s) }), [
        owner('alice', at(s)),
        ...members.map((m) => member(m, at(s))),
      ]);
    }
  });

  afterEach(async () => {
    await handle.cleanup();
  });

  it('returns at most `limit` rooms, oldest first, from the first one', async () => {
    const page = await store.listRooms('bob', { limit: 3, after: null });
    expect(page.map((r) => r.id)).toEqual(['a', 'b1', 'b2']);
  });

  it('continues strictly after the key, ties broken by id, skipping rooms the viewer may not see', async () => {
    expect(
      (await store.listRooms('bob', { limit: 2, after: { at: at(20), id: 'b1' } })).map((r) => r.id),
    ).toEqual(['b2', 'c-private-bob']);
    expect(
      (await store.listRooms('bob', { limit: 10, after: { at: at(30), id: 'c-private-bob' } })).map(
        (r) => r.id,
      ),
    ).toEqual(['e']);
    expect(await store.listRooms('bob', { limit: 10, after: { at: at(50), id: 'e' } })).toEqual([]);
  });

  it('walks every visible room exactly once, page by page, the same as one unpaged list', async () => {
    for (const viewer of ['bob', 'carol', 'stranger']) {
      const walked: Room[] = [];
      let after: { at: string; id: string } | null = null;
      for (;;) {
        const page: Room[] = await store.listRooms(viewer, { limit: 2, after });
        walked.push(...page);
        const last = page.at(-1);
        if (page.length < 2 || !last) break;
        after = keyOf(last);
      }
      expect(walked).toEqual(await store.listRooms(viewer));
    }
    expect((await store.listRooms('stranger')).map((r) => r.id)).toEqual(['a', 'b1', 'b2', 'e']);
  });

  it('gives each room of a page the viewer’s own membership', async () => {
    const page = await store.listRooms('bob', { limit: 10, after: { at: at(20), id: 'b2' } });
    expect(page.map((r) => [r.id, r.is_member, r.member_count])).toEqual([
      ['c-private-bob', true, 2],
      ['e', false, 1],
    ]);
  });
});

describe.each(storeFactories)('ChatStore member pages: $name', (factory) => {
  let handle: StoreHandle;
  let store: ChatStore;

  beforeEach(async () => {
    handle = await factory.open();
    store = handle.store;
    // dave and bob join at the same time: the user id breaks the tie.
    await store.createRoom(room('r1'), [owner('alice', at(0))]);
    await store.addMembers('r1', [member('dave', at(5)), member('bob', at(5)), member('carol', at(9))]);
    await store.createRoom(room('r2'), [owner('erin', at(0))]);
  });

  afterEach(async () => {
    await handle.cleanup();
  });

  it('lists every member in joining order, ties broken by user id, without a page', async () => {
    expect((await store.listMembers('r1')).map((m) => m.user_id)).toEqual(['alice', 'bob', 'dave', 'carol']);
  });

  it('walks the members page by page, each once, strictly after the key', async () => {
    const first = await store.listMembers('r1', { limit: 2, after: null });
    expect(first.map((m) => m.user_id)).toEqual(['alice', 'bob']);
    const last = first[first.length - 1];
    const second = await store.listMembers('r1', {
      limit: 2,
      after: { at: last?.joined_at ?? '', id: last?.user_id ?? '' },
    });
    expect(second.map((m) => m.user_id)).toEqual(['dave', 'carol']);
    expect(await store.listMembers('r1', { limit: 2, after: { at: at(9), id: 'carol' } })).toEqual([]);
  });
});
