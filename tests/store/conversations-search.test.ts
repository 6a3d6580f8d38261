import {
  HIGHLIGHT_END,
  HIGHLIGHT_START,
  type SearchHit,
  type SearchQuery,
} from '../../server/store/conversation-types';
import type { ChatStore } from '../../server/store/types';
import { conversationHelpers, nth } from './conversations-fixtures';
import { storeFactories, type StoreHandle } from './store-factories';
import { at, member, owner, room, type StoreHelpers } from './store-fixtures';

/**
 * Full-text search, run against every store: matching by stem with every term required, the rooms a
 * viewer may read and no other, an index that follows edits and deletes in their own write, and
 * results best first with offset pages and highlighted matches.
 *
 * Words are picked so that both stemmers agree (SQLite's porter and PostgreSQL's `english`):
 * connect/connected/connecting/connection share a stem, and no query word is an English stop word
 * (PostgreSQL drops those from the query).
 */

const hit = (h: SearchHit): string => h.message.id;

describe.each(storeFactories)('ChatStore search: $name', (factory) => {
  let handle: StoreHandle;
  let store: ChatStore;
  let post: StoreHelpers['post'];
  let stored: StoreHelpers['stored'];

  /** The ids found for `viewer` by `terms`, best first; the whole first 50 unless `q` says otherwise. */
  async function search(viewer: string, terms: string[], q: Partial<SearchQuery> = {}): Promise<string[]> {
    return (await hits(viewer, terms, q)).map(hit);
  }

  function hits(viewer: string, terms: string[], q: Partial<SearchQuery> = {}): Promise<SearchHit[]> {
    return store.searchMessages({ viewer_id: viewer, terms, room_id: null, limit: 50, offset: 0, ...q });
  }

  /** Ids in any order: for results whose order the test does not pin down. */
  const sorted = (ids: string[]): string[] => [...ids].sort();

  beforeEach(async () => {
    handle = await factory.open();
    store = handle.store;
    ({ post, stored } = conversationHelpers(store));
    await store.createRoom(room('pub'), [owner('alice'), member('bob')]);
    await store.createRoom(room('priv', { is_private: true }), [owner('alice'), member('bob')]);
    await store.createRoom(room('other', { is_private: true }), [owner('carol')]);
  });

  afterEach(async () => {
    await handle.cleanup();
  });

  it('finds every form of a word by its stem, whatever its case', async () => {
    const a = await post('pub', 'alice', { content: 'We CONNECTED the servers' });
    const b = await post('pub', 'bob', { content: 'connection lost again' });
    const c = await post('pub', 'alice', { content: 'still connecting, please wait' });
    await post('pub', 'bob', { content: 'unrelated words entirely' });

    expect(sorted(await search('alice', ['connect']))).toEqual(sorted([a.id, b.id, c.id]));
    expect(sorted(await search('alice', ['connections']))).toEqual(sorted([a.id, b.id, c.id]));
    expect(await search('alice', ['server'])).toEqual([a.id]);
    expect(await search('alice', ['disconnect'])).toEqual([]);
  });

  it('requires every term', async () => {
    const both = await post('pub', 'alice', { content: 'deploy the server tonight' });
    await post('pub', 'alice', { content: 'deploy the client tonight' });
    await post('pub', 'alice', { content: 'server and client' });
    expect(await search('bob', ['deploy', 'server'])).toEqual([both.id]);
    expect(await search('bob', ['deploy', 'server', 'banana'])).toEqual([]);
  });

  it('searches public rooms and the viewer’s own rooms, never another private room nor one they left', async () => {
    const pub = await post('pub', 'alice', { content: 'budget meeting' });
    const priv = await post('priv', 'alice', { content: 'budget secret' });
    const other = await post('other', 'carol', { content: 'budget elsewhere' });

    expect(sorted(await search('bob', ['budget']))).toEqual(sorted([pub.id, priv.id]));
    expect(sorted(await search('carol', ['budget']))).toEqual(sorted([pub.id, other.id]));
    // A user in no room at all still searches the public ones.
    expect(await search('stranger', ['budget'])).toEqual([pub.id]);

    await store.removeMember('priv', 'bob');
    expect(await search('bob', ['budget'])).toEqual([pub.id]);
  });

  it('searches only the room given, and nothing of a private room the viewer is not in', async () => {
    const pub = await post('pub', 'alice', { content: 'release notes' });
    const priv = await post('priv', 'alice', { content: 'release plan' });
    await post('other', 'carol', { content: 'release date' });

    expect(await search('bob', ['release'], { room_id: 'priv' })).toEqual([priv.id]);
    expect(await search('bob', ['release'], { room_id: 'pub' })).toEqual([pub.id]);
    expect(await search('bob', ['release'], { room_id: 'other' })).toEqual([]);
    expect(await search('bob', ['release'], { room_id: 'nope' })).toEqual([]);
  });

  it('follows edits and deletes at once: the old word is gone, the new one found, a tombstone never', async () => {
    const m = await post('pub', 'alice', { content: 'meet at the harbour' });
    const reply = await post('pub', 'bob', { content: 'harbour works', parent_id: m.id });
    expect(sorted(await search('bob', ['harbour']))).toEqual(sorted([m.id, reply.id]));

    await store.editMessage(m.id, 'meet at the station', at(10), []);
    expect(await search('bob', ['harbour'])).toEqual([reply.id]);
    expect(await search('bob', ['station'])).toEqual([m.id]);
    expect(nth(await hits('bob', ['station']), 0).message).toStrictEqual(await stored(m.id));

    await store.deleteMessage(m.id);
    await store.deleteMessage(reply.id);
    expect(await search('bob', ['station'])).toEqual([]);
    expect(await search('bob', ['harbour'])).toEqual([]);
  });

  it('ranks a message with more matches higher', async () => {
    // Same length, so only the number of matches tells them apart.
    const once = await post('pub', 'alice', { content: 'kettle plus five other unrelated words here' });
    const thrice = await post('pub', 'alice', { content: 'kettle kettle kettle and some other words' });
    const twice = await post('pub', 'alice', { content: 'kettle then kettle with some extra words' });

    const found = await hits('bob', ['kettle']);
    expect(found.map(hit)).toEqual([thrice.id, twice.id, once.id]);
    const ranks = found.map((h) => h.rank);
    expect(ranks.every((r) => Number.isFinite(r))).toBe(true);
    expect(nth(ranks, 0)).toBeGreaterThan(nth(ranks, 1));
    expect(nth(ranks, 1)).toBeGreaterThan(nth(ranks, 2));
  });

  it('orders equal ranks newest first and pages by offset, each result once', async () => {
    const posted: string[] = [];
    for (let i = 0; i < 5; i += 1) posted.push((await post('pub', 'alice', { content: 'lantern' })).id);
    const newestFirst = [...posted].reverse();

    expect(await search('bob', ['lantern'])).toEqual(newestFirst);
    const pages = [
      await search('bob', ['lantern'], { limit: 2, offset: 0 }),
      await search('bob', ['lantern'], { limit: 2, offset: 2 }),
      await search('bob', ['lantern'], { limit: 2, offset: 4 }),
      await search('bob', ['lantern'], { limit: 2, offset: 6 }),
    ];
    expect(pages).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4), []]);
  });

  it('answers whole messages with each match highlighted, the text otherwise as written', async () => {
    const m = await post('pub', 'alice', {
      content: 'The printer Jammed again & jams daily',
      mentions: ['bob'],
    });
    const [found] = await hits('bob', ['jam']);
    if (!found) throw new Error('no result');
    expect(found.message).toStrictEqual(await stored(m.id));
    expect(found.highlight).toContain(`${HIGHLIGHT_START}jams${HIGHLIGHT_END}`);
    expect(found.highlight).toContain(`${HIGHLIGHT_START}Jammed${HIGHLIGHT_END}`);
    // Words that do not match stay unmarked; the content is not escaped here.
    expect(found.highlight).not.toContain(`${HIGHLIGHT_START}printer`);
    expect(found.highlight).not.toContain(`${HIGHLIGHT_START}daily`);
    expect(found.highlight).toContain('&');
    const unmarked = found.highlight.split(HIGHLIGHT_START).join('').split(HIGHLIGHT_END).join('');
    expect(unmarked).toContain('jams daily');
  });

  it('marks the match inside a long message’s passage', async () => {
    const filler = Array.from({ length: 80 }, (_, i) => `filler${i}`).join(' ');
    await post('pub', 'alice', { content: `${filler} the walrus appears ${filler}` });
    const [found] = await hits('bob', ['walrus']);
    expect(found?.highlight).toContain(`${HIGHLIGHT_START}walrus${HIGHLIGHT_END}`);
  });

  it('keeps the index across a restart and indexes what comes after it', async () => {
    const before = await post('pub', 'alice', { content: 'orchard before' });
    const reopened = await handle.reopen();
    const after = await reopened.insertMessage({
      id: 'after-restart',
      room_id: 'pub',
      user_id: 'bob',
      username: 'BOB',
      content: 'orchard after',
      message_type: 'text',
      parent_id: null,
      client_id: null,
      timestamp: at(500),
      mentions: [],
    });
    const found = await reopened.searchMessages({
      viewer_id: 'bob',
      terms: ['orchard'],
      room_id: null,
      limit: 10,
      offset: 0,
    });
    expect(sorted(found.map(hit))).toEqual(sorted([before.id, after.message.id]));
  });
});
