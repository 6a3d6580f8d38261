import type { z } from 'zod';
import { SEARCH_DEPTH_MAX, SEARCH_PAGE_DEFAULT } from '../../shared/limits';
import type { SearchPage } from '../../shared/schemas/objects';
import { encodeSearchCursor } from '../../shared/schemas/page-cursor';
import type { PayloadSchemas } from '../../shared/schemas/payloads';
import { readableRoom } from './access';
import type { Actor } from './actor';
import type { DomainDeps } from './deps';
import { invalidField } from './errors';
import { highlightHtml, searchTerms } from './search-text';

export type SearchInput = z.output<PayloadSchemas['messageSearch']>;

/**
 * Full-text search over the messages the actor may read: public rooms and the rooms they are in,
 * or one room they may read. Best first; pages go SEARCH_DEPTH_MAX results deep at most, since
 * ranked results have no stable key to resume after (the cursor is an offset).
 */
export class SearchService {
  constructor(private readonly deps: DomainDeps) {}

  async search(actor: Actor, input: SearchInput): Promise<SearchPage> {
    const { store } = this.deps;
    await this.deps.rateLimiter.consume('read', actor.id);
    const terms = searchTerms(input.q);
    if (terms.length === 0) throw invalidField('q', 'must contain a word');
    const roomId = input.room_id ?? null;
    if (roomId !== null) await readableRoom(store, actor, roomId);
    const offset = input.cursor ?? 0;
    const pageSize = Math.min(input.limit ?? SEARCH_PAGE_DEFAULT, SEARCH_DEPTH_MAX - offset);
    if (pageSize <= 0) return { results: [], next_cursor: null };
    // One more than the page: whether another page exists, without counting.
    const hits = await store.searchMessages({
      viewer_id: actor.id,
      terms,
      room_id: roomId,
      limit: pageSize + 1,
      offset,
    });
    const results = hits.slice(0, pageSize).map((hit) => ({
      message: hit.message,
      highlight: highlightHtml(hit.message.content, hit.highlight),
      rank: hit.rank,
    }));
    const reached = offset + results.length;
    const more = hits.length > pageSize && reached < SEARCH_DEPTH_MAX;
    return { results, next_cursor: more ? encodeSearchCursor(reached) : null };
  }
}
