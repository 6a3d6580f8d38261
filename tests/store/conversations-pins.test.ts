import type { Message } from '../../shared/schemas/objects';
import type { ChatStore } from '../../server/store/types';
import { conversationHelpers, idsOf, outboxAfter, outboxMark } from './conversations-fixtures';
import { storeFactories, type StoreHandle } from './store-factories';
import { at, member, owner, range, room, type StoreHelpers } from './store-fixtures';

/**
 * Pins, run against every store: a pin is a change of the message (next version, change feed,
 * `message.updated`), bounded per room in the same atomic step as the pin, gone with the message.
 */

const MAX = 3;

describe.each(storeFactories)('ChatStore pins: $name', (factory) => {
  let handle: StoreHandle;
  let store: ChatStore;
  let post: StoreHelpers['post'];
  let stored: StoreHelpers['stored'];

  beforeEach(async () => {
    handle = await factory.open();
    store = handle.store;
    ({ post, stored } = conversationHelpers(store));
    await store.createRoom(room('r1'), [owner('alice'), member('bob')]);
    await store.createRoom(room('r2'), [owner('alice')]);
  });

  afterEach(async () => {
    await handle.cleanup();
  });

  const roomVersion = async (roomId: string): Promise<number> =>
    (await store.listChanges(roomId, 0, 1)).room_version;

  it('pins a message: who and when, the room’s next version, in the change feed and the outbox', async () => {
    const m = await post('r1', 'bob', { mentions: ['alice'] });
    await post('r1', 'bob');
    const before = await roomVersion('r1');
    const mark = await outboxMark(store);

    expect(await store.pinMessage(m.id, 'alice', at(10), MAX)).toBe('pinned');
    const pinned = await stored(m.id);
    expect(pinned).toStrictEqual({ ...m, pinned_at: at(10), pinned_by: 'alice', version: before + 1 });

    const changes = await store.listChanges('r1', before, 10);
    expect(changes.room_version).toBe(before + 1);
    expect(changes.changes).toStrictEqual([{ version: before + 1, message: pinned }]);
    expect(await outboxAfter(store, mark)).toEqual([
      expect.objectContaining({
        room_id: 'r1',
        type: 'message.updated',
        message_id: m.id,
        version: before + 1,
        user_id: null,
        action_id: null,
      }),
    ]);
  });

  it('answers already for a pinned message, changing nothing', async () => {
    const m = await post('r1', 'bob');
    await store.pinMessage(m.id, 'alice', at(10), MAX);
    const pinned = await stored(m.id);
    const version = await roomVersion('r1');
    expect(await store.pinMessage(m.id, 'bob', at(11), MAX)).toBe('already');
    expect(await stored(m.id)).toStrictEqual(pinned);
    expect(await roomVersion('r1')).toBe(version);
  });

  it('answers full past the room’s limit; other rooms’ pins do not count, and an unpin frees a place', async () => {
    const a = await post('r1', 'bob');
    const b = await post('r1', 'bob');
    const c = await post('r1', 'bob');
    const elsewhere = await post('r2', 'alice');
    expect(await store.pinMessage(elsewhere.id, 'alice', at(9), 2)).toBe('pinned');
    expect(await store.pinMessage(a.id, 'alice', at(10), 2)).toBe('pinned');
    expect(await store.pinMessage(b.id, 'alice', at(11), 2)).toBe('pinned');
    const version = await roomVersion('r1');

    expect(await store.pinMessage(c.id, 'alice', at(12), 2)).toBe('full');
    expect(await stored(c.id)).toMatchObject({ pinned_at: null, pinned_by: null, version: c.version });
    expect(await roomVersion('r1')).toBe(version);
    // Already pinned wins over full: nothing to add.
    expect(await store.pinMessage(a.id, 'alice', at(13), 2)).toBe('already');

    expect(await store.unpinMessage(a.id)).toBe(true);
    expect(await store.pinMessage(c.id, 'alice', at(14), 2)).toBe('pinned');
  });

  it('answers missing for a message that does not exist or is deleted', async () => {
    const m = await post('r1', 'bob');
    await store.deleteMessage(m.id);
    const version = await roomVersion('r1');
    expect(await store.pinMessage(m.id, 'alice', at(10), MAX)).toBe('missing');
    expect(await store.pinMessage('no-such-message', 'alice', at(10), MAX)).toBe('missing');
    expect(await stored(m.id)).toMatchObject({ deleted: true, pinned_at: null, pinned_by: null });
    expect(await roomVersion('r1')).toBe(version);
    expect(await store.listPins('r1')).toEqual([]);
  });

  it('unpins once, as a change of the message', async () => {
    const m = await post('r1', 'bob');
    await store.pinMessage(m.id, 'alice', at(10), MAX);
    const before = await roomVersion('r1');
    const mark = await outboxMark(store);

    expect(await store.unpinMessage(m.id)).toBe(true);
    const unpinned = await stored(m.id);
    expect(unpinned).toStrictEqual({ ...m, version: before + 1 });
    expect((await store.listChanges('r1', before, 10)).changes).toStrictEqual([
      { version: before + 1, message: unpinned },
    ]);
    expect((await outboxAfter(store, mark)).map((e) => [e.type, e.message_id, e.version])).toEqual([
      ['message.updated', m.id, before + 1],
    ]);

    expect(await store.unpinMessage(m.id)).toBe(false);
    expect(await store.unpinMessage('no-such-message')).toBe(false);
    expect(await roomVersion('r1')).toBe(before + 1);
  });

  it('lists a room’s pins, the most recently pinned first, as whole messages', async () => {
    const m1 = await post('r1', 'bob');
    const m2 = await post('r1', 'bob');
    const m3 = await post('r1', 'alice');
    const m4 = await post('r1', 'alice');
    await store.pinMessage(m2.id, 'alice', at(10), MAX);
    await store.pinMessage(m3.id, 'bob', at(20), MAX);
    await store.pinMessage(m1.id, 'alice', at(30), MAX);
    await store.pinMessage((await post('r2', 'alice')).id, 'alice', at(40), MAX);

    const pins = await store.listPins('r1');
    expect(idsOf(pins)).toEqual([m1.id, m3.id, m2.id]);
    expect(pins).toStrictEqual([await stored(m1.id), await stored(m3.id), await stored(m2.id)]);
    expect(pins.map((p) => [p.pinned_by, p.pinned_at])).toEqual([
      ['alice', at(30)],
      ['bob', at(20)],
      ['alice', at(10)],
    ]);
    expect(idsOf(await store.listPins('r1'))).not.toContain(m4.id);
    expect(await store.listPins('nope')).toEqual([]);
  });

  it('keeps the pin through an edit, and drops it with the message', async () => {
    const m = await post('r1', 'bob');
    const other = await post('r1', 'bob');
    await store.pinMessage(m.id, 'alice', at(10), 1);
    const edited = await store.editMessage(m.id, 'edited', at(11), []);
    expect(edited).toMatchObject({ pinned_at: at(10), pinned_by: 'alice' });

    const tombstone = await store.deleteMessage(m.id);
    expect(tombstone).toMatchObject({ deleted: true, pinned_at: null, pinned_by: null });
    expect(await stored(m.id)).toStrictEqual(tombstone);
    expect(await store.listPins('r1')).toEqual([]);
    // The deletion is one change, and the place it held is free.
    const feed = await store.listChanges('r1', edited?.version ?? 0, 10);
    expect(feed.changes.map((c) => [c.message.id, c.message.pinned_at])).toEqual([[m.id, null]]);
    expect(await store.unpinMessage(m.id)).toBe(false);
    expect(await store.pinMessage(other.id, 'alice', at(12), 1)).toBe('pinned');
  });

  it('never pins past the limit when pins race, on one store and on a second one over the same storage', async () => {
    const sibling = await handle.openSibling();
    const messages: Message[] = [];
    for (let i = 0; i < 8; i += 1) messages.push(await post('r1', 'bob'));
    const outcomes = await Promise.all(
      messages.map((m, i) => (i % 2 === 0 ? store : sibling).pinMessage(m.id, 'alice', at(10 + i), MAX)),
    );
    expect(outcomes.filter((o) => o === 'pinned')).toHaveLength(MAX);
    expect(outcomes.filter((o) => o === 'full')).toHaveLength(messages.length - MAX);
    expect(await store.listPins('r1')).toHaveLength(MAX);
    // Each pin took its own version: no two changes share one.
    const feed = await store.listChanges('r1', messages.length, 100);
    expect(feed.changes.map((c) => c.version)).toEqual(range(messages.length + 1, messages.length + MAX));
  });

  it('keeps pins across a restart', async () => {
    const m = await post('r1', 'bob');
    await store.pinMessage(m.id, 'alice', at(10), MAX);
    const reopened = await handle.reopen();
    expect(idsOf(await reopened.listPins('r1'))).toEqual([m.id]);
    expect(await reopened.pinMessage(m.id, 'alice', at(11), MAX)).toBe('already');
  });
});
