import type { Message } from '../../shared/schemas/objects';
import type { ChatStore, PageQuery } from '../../server/store/types';
import { conversationHelpers, idsOf, nth } from './conversations-fixtures';
import { storeFactories, type StoreHandle } from './store-factories';
import { at, member, owner, room, T0, type StoreHelpers } from './store-fixtures';

/**
 * Mentions, run against every store: kept with the message through inserts, edits and deletes,
 * listed per user newest first with keyset pages, and counted as unread in each room's read state.
 */

const FIRST_PAGE: PageQuery = { limit: 100, after: null };
/** A message time `ms` milliseconds after the fixtures' origin, for mentions ordered by hand. */
const ms = (n: number): string => new Date(T0 + n).toISOString();

describe.each(storeFactories)('ChatStore mentions: $name', (factory) => {
  let handle: StoreHandle;
  let store: ChatStore;
  let post: StoreHelpers['post'];
  let history: StoreHelpers['history'];
  let viewRoom: StoreHelpers['viewRoom'];
  let stored: StoreHelpers['stored'];

  beforeEach(async () => {
    handle = await factory.open();
    store = handle.store;
    ({ post, history, viewRoom, stored } = conversationHelpers(store));
    await store.createRoom(room('r1'), [owner('alice'), member('bob'), member('carol')]);
    await store.createRoom(room('r2', { created_at: at(1) }), [owner('alice', at(1)), member('bob', at(1))]);
  });

  afterEach(async () => {
    await handle.cleanup();
  });

  const mentionsOf = async (userId: string, page = FIRST_PAGE): Promise<string[]> =>
    idsOf(await store.listMentions(userId, page));

  describe('membersAmong', () => {
    it('answers the members among the ids, in the order given', async () => {
      expect(await store.membersAmong('r1', ['zed', 'carol', 'alice', 'dave'])).toEqual(['carol', 'alice']);
      expect(await store.membersAmong('r2', ['carol', 'bob'])).toEqual(['bob']);
      expect(await store.membersAmong('r1', [])).toEqual([]);
      expect(await store.membersAmong('nope', ['alice'])).toEqual([]);
    });
  });

  describe('on messages', () => {
    it('stores the mentions of a new message in the order given, wherever the message is read', async () => {
      const m = await post('r1', 'alice', { content: '@carol @bob look', mentions: ['carol', 'bob'] });
      expect(m.mentions).toEqual(['carol', 'bob']);
      expect((await stored(m.id)).mentions).toEqual(['carol', 'bob']);
      expect((await history('r1')).messages.map((x) => x.mentions)).toEqual([['carol', 'bob']]);
      const changes = await store.listChanges('r1', 0, 10);
      expect(changes.changes.map((c) => c.message.mentions)).toEqual([['carol', 'bob']]);
      expect((await post('r1', 'alice')).mentions).toEqual([]);
    });

    it('replaces the mentions on an edit, taking a new version', async () => {
      const m = await post('r1', 'alice', { mentions: ['bob'] });
      const edited = await store.editMessage(m.id, '@carol now', at(10), ['carol']);
      expect(edited).toMatchObject({ mentions: ['carol'], content: '@carol now', version: m.version + 1 });
      expect(await stored(m.id)).toStrictEqual(edited);
      expect(await mentionsOf('bob')).toEqual([]);
      expect(await mentionsOf('carol')).toEqual([m.id]);

      const cleared = await store.editMessage(m.id, 'nobody', at(11), []);
      expect(cleared?.mentions).toEqual([]);
      expect(await mentionsOf('carol')).toEqual([]);
      // A tombstone cannot be edited back into mentioning someone.
      await store.deleteMessage(m.id);
      expect(await store.editMessage(m.id, '@bob', at(12), ['bob'])).toBeNull();
      expect(await mentionsOf('bob')).toEqual([]);
    });

    it('clears the mentions when the message is deleted', async () => {
      const m = await post('r1', 'alice', { mentions: ['bob', 'carol'] });
      const kept = await post('r1', 'alice', { mentions: ['bob'] });
      const tombstone = await store.deleteMessage(m.id);
      expect(tombstone).toMatchObject({ deleted: true, mentions: [] });
      expect((await stored(m.id)).mentions).toEqual([]);
      expect(await mentionsOf('bob')).toEqual([kept.id]);
      expect(await mentionsOf('carol')).toEqual([]);
    });

    it('keeps mentions across a restart', async () => {
      const m = await post('r1', 'alice', { mentions: ['bob'] });
      const reopened = await handle.reopen();
      expect((await reopened.getMessage(m.id))?.mentions).toEqual(['bob']);
      expect(idsOf(await reopened.listMentions('bob', FIRST_PAGE))).toEqual([m.id]);
    });
  });

  describe('listMentions', () => {
    it('lists a user’s mentions from every room, newest first by (timestamp, id), replies included', async () => {
      // Inserted out of time order, and two share a timestamp: the id breaks the tie.
      const late = await post('r2', 'alice', { id: 'm-late', timestamp: ms(500), mentions: ['bob'] });
      const early = await post('r1', 'carol', { id: 'm-early', timestamp: ms(100), mentions: ['bob'] });
      const tieA = await post('r1', 'alice', {
        id: 'm-tie-a',
        timestamp: ms(300),
        mentions: ['bob', 'carol'],
      });
      const tieB = await post('r1', 'carol', {
        id: 'm-tie-b',
        timestamp: ms(300),
        mentions: ['bob'],
        parent_id: early.id,
      });
      await post('r1', 'alice', { id: 'm-none', timestamp: ms(400), mentions: ['carol'] });

      const all = await store.listMentions('bob', FIRST_PAGE);
      expect(idsOf(all)).toEqual([late.id, tieB.id, tieA.id, early.id]);
      // Whole messages, as stored.
      expect(nth(all, 0)).toStrictEqual(await stored(late.id));
      expect(await mentionsOf('carol')).toEqual(['m-none', tieA.id]);
      expect(await mentionsOf('dave')).toEqual([]);
    });

    it('pages strictly after the key of the last message, each mention exactly once', async () => {
      const ids: string[] = [];
      // Five messages, two pairs of them at one time.
      for (const [id, t] of [
        ['m-1', 100],
        ['m-2', 200],
        ['m-3', 200],
        ['m-4', 300],
        ['m-5', 300],
      ] as const) {
        ids.push((await post('r1', 'alice', { id, timestamp: ms(t), mentions: ['bob'] })).id);
      }
      const seen: string[] = [];
      let page: PageQuery = { limit: 2, after: null };
      for (let pages = 0; ; pages += 1) {
        if (pages > 5) throw new Error('mention paging does not terminate');
        const got: Message[] = await store.listMentions('bob', page);
        expect(got.length).toBeLessThanOrEqual(2);
        seen.push(...idsOf(got));
        const last = got.at(-1);
        if (got.length < 2 || !last) break;
        page = { limit: 2, after: { at: last.timestamp, id: last.id } };
      }
      expect(seen).toEqual(['m-5', 'm-4', 'm-3', 'm-2', 'm-1']);
      expect(await mentionsOf('bob', { limit: 10, after: { at: ms(200), id: 'm-3' } })).toEqual([
        'm-2',
        'm-1',
      ]);
      expect(await mentionsOf('bob', { limit: 10, after: { at: ms(100), id: 'm-1' } })).toEqual([]);
    });

    it('leaves out the rooms the user has left, and deleted messages', async () => {
      const inR1 = await post('r1', 'alice', { mentions: ['bob'] });
      const inR2 = await post('r2', 'alice', { mentions: ['bob'] });
      const gone = await post('r2', 'alice', { mentions: ['bob'] });
      await store.deleteMessage(gone.id);
      expect(await mentionsOf('bob')).toEqual([inR2.id, inR1.id]);

      await store.removeMember('r1', 'bob');
      expect(await mentionsOf('bob')).toEqual([inR2.id]);
    });
  });

  describe('unread_mentions', () => {
    it('counts the viewer’s unread mentions in getRoom and listRooms, and moves with markRead', async () => {
      const m1 = await post('r1', 'alice', { mentions: ['bob'] });
      await post('r1', 'alice', { mentions: ['carol'] });
      expect(await viewRoom('r1', 'carol')).toMatchObject({ unread_count: 2, unread_mentions: 1 });
      const m3 = await post('r1', 'carol', { mentions: ['bob', 'alice'] });
      await post('r2', 'alice', { mentions: ['bob'] });

      expect(await viewRoom('r1', 'bob')).toMatchObject({ unread_count: 3, unread_mentions: 2 });
      // Carol's own message moved her read position past alice's mention of her.
      expect(await viewRoom('r1', 'carol')).toMatchObject({ unread_count: 0, unread_mentions: 0 });
      expect((await store.listRooms('bob')).map((r) => [r.id, r.unread_mentions])).toEqual([
        ['r1', 2],
        ['r2', 1],
      ]);

      await store.markRead('r1', 'bob', m1.seq);
      expect(await viewRoom('r1', 'bob')).toMatchObject({ unread_count: 2, unread_mentions: 1 });
      await store.markRead('r1', 'bob', m3.seq);
      expect(await viewRoom('r1', 'bob')).toMatchObject({ unread_count: 0, unread_mentions: 0 });
      // r2 is read separately.
      expect((await store.listRooms('bob')).map((r) => [r.id, r.unread_mentions])).toEqual([
        ['r1', 0],
        ['r2', 1],
      ]);
      // Alice was mentioned after her own last message.
      expect(await viewRoom('r1', 'alice')).toMatchObject({ unread_count: 1, unread_mentions: 1 });
    });

    it('does not count the author’s own mention, deleted messages or non-members', async () => {
      await post('r1', 'bob', { mentions: ['bob'] });
      expect(await viewRoom('r1', 'bob')).toMatchObject({ unread_mentions: 0 });

      const m = await post('r1', 'alice', { mentions: ['bob'] });
      const edited = await post('r1', 'alice');
      expect(await viewRoom('r1', 'bob')).toMatchObject({ unread_mentions: 1 });
      // An edit that adds a mention to an unread message counts it; a deletion uncounts.
      await store.editMessage(edited.id, '@bob', at(10), ['bob']);
      expect(await viewRoom('r1', 'bob')).toMatchObject({ unread_mentions: 2 });
      await store.deleteMessage(m.id);
      expect(await viewRoom('r1', 'bob')).toMatchObject({ unread_mentions: 1 });

      await store.removeMember('r1', 'bob');
      expect(await viewRoom('r1', 'bob')).toMatchObject({ is_member: false, unread_mentions: 0 });
      expect(await viewRoom('r1', 'dave')).toMatchObject({ unread_mentions: 0 });
    });
  });
});
