import { SEARCH_DEPTH_MAX, SEARCH_PAGE_MAX } from '../../../shared/limits';
import type { SearchHit, SearchQuery } from '../conversation-types';
import { hydrateAll } from './messages';
import { HIGHLIGHT_VALUES, highlightSql } from './search-highlight';
import type { Queryable } from './pool';
import { messageColumns, type MessageRow } from './rows';

/**
 * Full-text search on PostgreSQL: `messages.search`, the stored 'english' tsvector of the content
 * (empty for a deleted message), through its GIN index (conversations-sql.ts).
 *
 * How a search runs, inside out:
 * 1. Candidates: the messages in scope that hold every term, the newest first, at most
 *    CANDIDATES_MAX. Ranking has to read each candidate's row (GIN answers which rows match, not
 *    how well), and a common word matches tens of thousands of a million messages: ranking them
 *    all costs a random page read each, hundreds of milliseconds. Up to CANDIDATES_MAX matches the
 *    ranking is exact; past it, the newest matches are the ones ranked, so a common word costs
 *    about CANDIDATES_MAX / (its share of messages) rows read in time order, a few thousand pages.
 *    The planner chooses between the index's matches (rare terms) and that walk back through the
 *    newest messages (common terms) from the column's statistics, which is why the query is
 *    spelled out in each place rather than kept in a CTE: plainto_tsquery is immutable, folded
 *    at planning, and its lexemes are looked up in those statistics.
 * 2. Ranking: ts_rank (higher is better), then the newest (seq descending), then id; the page cut
 *    by offset and limit. Only ids and sort keys travel up to here.
 * 3. The page's rows are read by id, and only they get a highlight (search-highlight.ts):
 *    ts_headline re-parses the content, the costliest step per row.
 *
 * Scope: with a room, the room when the viewer may read it (its seqs order it, by the room's
 * index); without one, the rooms the viewer may read, read first and passed as an array, which
 * PostgreSQL tests each candidate against by hash (a subquery joined in was planned as a nested
 * loop comparing each candidate with every room).
 */

/**
 * The most matches a search ranks (see above): as deep as any client can page (SEARCH_DEPTH_MAX
 * results, then a full page, and the one more the domain asks for to tell whether more exist).
 * The cost of a common word's search grows with it: the walk reads CANDIDATES_MAX / (the word's
 * share of messages) rows.
 */
export const CANDIDATES_MAX = SEARCH_DEPTH_MAX + SEARCH_PAGE_MAX + 1;

type HitRow = MessageRow & { rank: number; highlight: string };

export async function searchMessages(db: Queryable, query: SearchQuery, shown: number): Promise<SearchHit[]> {
  if (query.terms.length === 0 || query.limit <= 0) return [];
  let scope: string;
  let newest: string;
  // $1 the terms, $2 and $3 the page, $4 to $6 the highlight's; then the scope's own, from $7.
  const values: unknown[] = [query.terms.join(' '), query.limit, query.offset, ...HIGHLIGHT_VALUES];
  if (query.room_id === null) {
    const rooms = await readableRooms(db, query.viewer_id);
    if (rooms.length === 0) return [];
    scope = 'm.room_id = ANY($7::text[])';
    newest = 'm.created_at DESC, m.id DESC';
    values.push(rooms);
  } else {
    scope = `m.room_id = $7 AND EXISTS (
      SELECT 1 FROM rooms r WHERE r.id = $7 AND (NOT r.is_private
        OR EXISTS (SELECT 1 FROM room_members v WHERE v.room_id = r.id AND v.user_id = $8)))`;
    newest = 'm.seq DESC';
    values.push(query.room_id, query.viewer_id);
  }
  const { rows } = await db.query<HitRow>(
    `SELECT ${messageColumns('m')}, p.rank,
       ${highlightSql('m.content', "plainto_tsquery('english', $1)", 4)} AS highlight
     FROM (
       SELECT c.id, c.seq, ts_rank(c.search, plainto_tsquery('english', $1)) AS rank
       FROM (
         SELECT m.id, m.seq, m.search FROM messages m
         WHERE m.search @@ plainto_tsquery('english', $1) AND NOT m.deleted AND ${scope}
         ORDER BY ${newest}
         LIMIT ${CANDIDATES_MAX}
       ) c
       ORDER BY rank DESC, c.seq DESC, c.id
       LIMIT $2 OFFSET $3
     ) p
     JOIN messages m ON m.id = p.id
     ORDER BY p.rank DESC, p.seq DESC, p.id`,
    values,
  );
  const messages = await hydrateAll(db, rows, shown);
  return rows.map((row, i) => ({
    // hydrateAll keeps the rows' order.
    message: messages[i] ?? missing(row.id),
    highlight: row.highlight,
    rank: row.rank,
  }));
}

/** The public rooms (by their partial index) and the viewer's rooms. */
async function readableRooms(db: Queryable, viewerId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM rooms WHERE NOT is_private
     UNION SELECT room_id FROM room_members WHERE user_id = $1`,
    [viewerId],
  );
  return rows.map((r) => r.id);
}

function missing(id: string): never {
  throw new Error(`search hit ${id} lost its message`);
}
