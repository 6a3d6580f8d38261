import { SEARCH_DEPTH_MAX, SEARCH_PAGE_DEFAULT } from '../../../shared/limits';
import type { Message } from '../../../shared/schemas/objects';
import { searchCursorSchema } from '../../../shared/schemas/page-cursor';
import type { DomainDeps } from '../../../server/domain/deps';
import { SearchService } from '../../../server/domain/search';
import type { SearchHit, SearchQuery } from '../../../server/store/conversation-types';
import type { ChatStore, RoomAccess } from '../../../server/store/types';

/**
 * The search service's paging over a store of `total` ranked hits (the ranking is the store's):
 * how much it asks for, which cursor it hands back and where pages stop.
 */
function searchOver(total: number, access: RoomAccess | null = null) {
  const asked: SearchQuery[] = [];
  const hit = (i: number): SearchHit => ({
    message: { id: `m${i}`, content: `hit <${i}>` } as Message,
    highlight: `\u0002hit\u0003 <${i}>`,
    rank: total - i,
  });
  const store = {
    searchMessages: (query: SearchQuery) => {
      asked.push(query);
      const end = Math.min(total, query.offset + query.limit);
      return Promise.resolve(
        Array.from({ length: Math.max(0, end - query.offset) }, (_, k) => hit(query.offset + k)),
      );
    },
    roomAccess: () => Promise.resolve(access),
  } as unknown as ChatStore;
  const deps = {
    store,
    rateLimiter: { consume: () => Promise.resolve() },
  } as unknown as DomainDeps;
  return { service: new SearchService(deps), asked };
}

const actor = { id: 'alice', name: 'Alice' };
const offsetOf = (cursor: string | null): number => searchCursorSchema.parse(cursor);

describe('search paging', () => {
  it('asks for one more than the page, escapes highlights and hands back the next offset', async () => {
    const { service, asked } = searchOver(45);
    const first = await service.search(actor, { q: 'Hit!' });
    expect(asked[0]).toEqual({
      viewer_id: 'alice',
      terms: ['hit'],
      room_id: null,
      limit: SEARCH_PAGE_DEFAULT + 1,
      offset: 0,
    });
    expect(first.results).toHaveLength(SEARCH_PAGE_DEFAULT);
    expect(first.results[0]?.highlight).toBe('<mark>hit</mark> &lt;0&gt;');
    expect(offsetOf(first.next_cursor)).toBe(SEARCH_PAGE_DEFAULT);

    const second = await service.search(actor, { q: 'hit', limit: 20, cursor: offsetOf(first.next_cursor) });
    expect(second.results.map((r) => r.message.id)[0]).toBe('m20');
    const third = await service.search(actor, { q: 'hit', limit: 20, cursor: offsetOf(second.next_cursor) });
    expect(third.results).toHaveLength(5);
    expect(third.next_cursor).toBeNull();
  });

  it('gives no cursor when a full page happens to be the last one', async () => {
    const { service } = searchOver(10);
    expect((await service.search(actor, { q: 'hit', limit: 10 })).next_cursor).toBeNull();
  });

  it('stops at SEARCH_DEPTH_MAX results, however many match', async () => {
    const { service, asked } = searchOver(10_000);
    const page = await service.search(actor, { q: 'hit', limit: 50, cursor: SEARCH_DEPTH_MAX - 30 });
    expect(asked.at(-1)).toMatchObject({ offset: SEARCH_DEPTH_MAX - 30, limit: 31 });
    expect(page.results).toHaveLength(30);
    expect(page.next_cursor).toBeNull();
    const edge = await service.search(actor, { q: 'hit', cursor: SEARCH_DEPTH_MAX - 50, limit: 50 });
    expect(edge.next_cursor).toBeNull();
  });

  it('refuses a query without a word, and a room the caller cannot read', async () => {
    const { service, asked } = searchOver(5);
    await expect(service.search(actor, { q: '?!' })).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      details: [{ field: 'q', reason: 'must contain a word' }],
    });
    await expect(service.search(actor, { q: 'hit', room_id: 'r1' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const hidden = searchOver(5, { is_private: true, role: null, is_dm: false, muted_until: null });
    await expect(hidden.service.search(actor, { q: 'hit', room_id: 'r1' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(asked).toEqual([]);
  });

  it('searches one room the caller may read', async () => {
    const { service, asked } = searchOver(5, {
      is_private: false,
      role: null,
      is_dm: false,
      muted_until: null,
    });
    await service.search(actor, { q: 'hit', room_id: 'r1' });
    expect(asked[0]?.room_id).toBe('r1');
  });
});
