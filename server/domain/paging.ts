import { encodePageCursor, type PageKey } from '../../shared/schemas/page-cursor';
import type { PageQuery } from '../store/types';

/** What a list call asks for: the payload's `limit` and decoded `cursor`, either absent. */
export interface PageRequest {
  limit?: number | null;
  cursor?: PageKey | null;
}

/**
 * The store query for a page: one row more than the page holds, so that whether a next page
 * exists is known without a count.
 */
export function pageQuery(
  request: PageRequest,
  defaultLimit: number,
): { query: PageQuery; pageSize: number } {
  const pageSize = request.limit ?? defaultLimit;
  return { query: { limit: pageSize + 1, after: request.cursor ?? null }, pageSize };
}

/** The page's rows and the cursor after its last one; null when nothing follows. */
export function toPage<T>(
  rows: readonly T[],
  pageSize: number,
  keyOf: (row: T) => PageKey,
): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, pageSize);
  const last = items.at(-1);
  const next_cursor = rows.length > pageSize && last !== undefined ? encodePageCursor(keyOf(last)) : null;
  return { items, next_cursor };
}
