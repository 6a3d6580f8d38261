import type Database from 'better-sqlite3';
import type { Reaction } from '../../../shared/schemas/objects';
import { HIGHLIGHT_END, HIGHLIGHT_START, type SearchHit, type SearchQuery } from '../conversation-types';
import { type MessageRow, toMessage } from './sqlite-rows';

/**
 * How many of the newest matches a search ranks. bm25 scores every candidate before the best is
 * known (about 1.5 µs of CPU each), and a word in most of 1,000,000 messages would cost over a
 * second: so a search ranks the newest SEARCH_CANDIDATES_MAX matches the viewer may read, and
 * answers the best of those. Below that many matches the order is exactly best first.
 */
export const SEARCH_CANDIDATES_MAX = 10_000;

/**
 * A search everywhere first filters the newest SCAN_MAX matches of the words by their doc rows'
 * rooms (a lookup each). That answers when the viewer may read enough of them (public rooms hold
 * most messages), and costs no more than SCAN_MAX lookups when not.
 */
const SCAN_MAX = 2 * SEARCH_CANDIDATES_MAX;

/**
 * Otherwise the readable rooms go into the MATCH, which then skips what the viewer cannot read
 * inside FTS5: `public0` and each private room of the viewer's, up to this many of them (each
 * costs a seek per step of the match, and bm25 reads through the whole index list of each).
 */
const SCOPE_ROOMS_MAX = 64;

/** How many tokens a highlight holds around the matches (FTS5 snippet). */
const SNIPPET_TOKENS = 24;

interface Candidate {
  doc: number;
  /** bm25 as FTS5 gives it: lower (more negative) is better. */
  score: number;
}

/**
 * Full-text search on the SQLite store (the FTS5 table of migration 7, ./conversations-sql.ts).
 *
 * Candidates are the newest matches the viewer may read (descending doc id: doc ids grow with
 * insertion) with their bm25, at most SEARCH_CANDIDATES_MAX of them, found one of two ways:
 * - the rooms in the MATCH (each row's `scope` holds its room's token and `public0`/`private0`):
 *   FTS5 intersects the words' lists with the rooms' and reads nothing else, but bm25 then counts
 *   through each room's whole list too. Used for one room, and for a viewer who reads little;
 * - the words alone, each match then kept or not by its doc row's room (bm25 only for those
 *   kept): cheaper whenever most of the newest matches are readable (SCAN_MAX).
 * Candidates are sorted here, ties broken by seq (newest first) then id; only the page's rows are
 * read and highlighted.
 */
export class SqliteSearch {
  private readonly stmt;

  constructor(
    private readonly db: Database.Database,
    private readonly reactionsFor: (messageIds: readonly string[]) => Map<string, Reaction[]>,
  ) {
    this.stmt = prepare(db);
  }

  search(q: SearchQuery): SearchHit[] {
    if (q.terms.length === 0 || q.limit <= 0) return [];
    const words = `content : (${q.terms.map(quote).join(' AND ')})`;
    // One read transaction: the candidates and the rows read for them are of one moment.
    return this.db.transaction((): SearchHit[] => {
      const candidates = this.candidates(q, words);
      const page = this.order(candidates, q.offset, q.limit);
      const rows = page.map((c) => this.stmt.messageOfDoc.get(c.doc));
      const found = rows.filter((r): r is MessageRow => r !== undefined);
      const reactions = this.reactionsFor(found.map((r) => r.id));
      return page.flatMap((c, i): SearchHit[] => {
        const row = rows[i];
        if (!row) return [];
        const highlight =
          this.stmt.snippet.get(HIGHLIGHT_START, HIGHLIGHT_END, words, c.doc)?.highlight ?? row.content;
        return [{ message: toMessage(row, reactions.get(row.id) ?? []), highlight, rank: -c.score }];
      });
    })();
  }

  /** The newest matches in the rooms the viewer may read (only `room_id` when given). */
  private candidates(q: SearchQuery, words: string): Candidate[] {
    if (q.room_id !== null) {
      const room = this.stmt.readable.get(q.viewer_id, q.room_id);
      if (!room || (room.is_private === 1 && room.member === 0)) return [];
      return this.stmt.candidates.all(
        `${words} AND scope : ${quote(roomToken(q.room_id))}`,
        SEARCH_CANDIDATES_MAX,
      );
    }
    const own = this.stmt.privateRoomsOf.all(q.viewer_id).map((r) => r.room_id);
    const ownJson = JSON.stringify(own);
    // The oldest of the newest SCAN_MAX matches; none when there are fewer.
    const floor = this.stmt.nthNewest.get(words, SCAN_MAX - 1)?.doc ?? null;
    const newest = this.stmt.candidatesInRooms.all(words, floor ?? 0, ownJson, SEARCH_CANDIDATES_MAX);
    if (newest.length >= SEARCH_CANDIDATES_MAX || floor === null) return newest;
    if (own.length > SCOPE_ROOMS_MAX) {
      return this.stmt.candidatesInRooms.all(words, 0, ownJson, SEARCH_CANDIDATES_MAX);
    }
    const scope = [quote('public0'), ...own.map((id) => quote(roomToken(id)))].join(' OR ');
    return this.stmt.candidates.all(`${words} AND scope : (${scope})`, SEARCH_CANDIDATES_MAX);
  }

  /**
   * The page of candidates in result order: best score first, equal scores newest first (seq,
   * then id). Only ties that reach into the page need their rows' seq.
   */
  private order(candidates: Candidate[], offset: number, limit: number): Candidate[] {
    candidates.sort((a, b) => a.score - b.score);
    const end = offset + limit;
    if (offset >= candidates.length) return [];
    // Everything up to the page's end, and whatever ties with its last one.
    let through = Math.min(end, candidates.length);
    const last = candidates[through - 1];
    while (last && through < candidates.length && candidates[through]?.score === last.score) through += 1;
    const head = candidates.slice(0, through);
    const tied = head.filter((c, i) => head[i - 1]?.score === c.score || head[i + 1]?.score === c.score);
    if (tied.length > 0) {
      const keys = new Map(
        this.stmt.sortKeys.all(JSON.stringify(tied.map((c) => c.doc))).map((k) => [k.doc, k]),
      );
      head.sort((a, b) => {
        if (a.score !== b.score) return a.score - b.score;
        const ka = keys.get(a.doc);
        const kb = keys.get(b.doc);
        if (!ka || !kb) return b.doc - a.doc;
        if (ka.seq !== kb.seq) return kb.seq - ka.seq;
        return ka.id < kb.id ? -1 : ka.id > kb.id ? 1 : 0;
      });
    }
    return head.slice(offset, end);
  }
}

/** An FTS5 string: the tokenizer reads it as the same words as the indexed text. */
function quote(text: string): string {
  return `"${text.replace(/"/g, '""')}"`;
}

/** A room as the index names it in `scope` (as migration 7's triggers write it). */
export function roomToken(roomId: string): string {
  return `r${Buffer.from(roomId, 'utf8').toString('hex')}0`;
}

function prepare(db: Database.Database) {
  return {
    readable: db.prepare<[string, string], { is_private: 0 | 1; member: 0 | 1 }>(
      `SELECT r.is_private, EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id AND m.user_id = ?) AS member
       FROM rooms r WHERE r.id = ?`,
    ),
    privateRoomsOf: db.prepare<[string], { room_id: string }>(
      `SELECT m.room_id FROM room_members m JOIN rooms r ON r.id = m.room_id
       WHERE m.user_id = ? AND r.is_private = 1`,
    ),
    // The scope column weighs nothing: only the words rank.
    candidates: db.prepare<[string, number], Candidate>(
      `SELECT rowid AS doc, bm25(message_search, 1.0, 0.0) AS score FROM message_search
       WHERE message_search MATCH ? ORDER BY rowid DESC LIMIT ?`,
    ),
    // The doc row is read only after FTS5 gave the match (CROSS JOIN keeps that order, which is
    // also the ORDER BY's), and bm25 is computed only for the matches that pass.
    nthNewest: db.prepare<[string, number], { doc: number }>(
      `SELECT rowid AS doc FROM message_search WHERE message_search MATCH ?
       ORDER BY rowid DESC LIMIT 1 OFFSET ?`,
    ),
    // From the doc id `floor` up (0: all).
    candidatesInRooms: db.prepare<[string, number, string, number], Candidate>(
      `SELECT message_search.rowid AS doc, bm25(message_search, 1.0, 0.0) AS score
       FROM message_search CROSS JOIN message_search_docs d ON d.doc_id = message_search.rowid
       WHERE message_search MATCH ? AND message_search.rowid >= ?
         AND (d.is_public = 1 OR d.room_id IN (SELECT value FROM json_each(?)))
       ORDER BY message_search.rowid DESC LIMIT ?`,
    ),
    sortKeys: db.prepare<[string], { doc: number; seq: number; id: string }>(
      `SELECT doc_id AS doc, seq, message_id AS id FROM message_search_docs
       WHERE doc_id IN (SELECT value FROM json_each(?))`,
    ),
    messageOfDoc: db.prepare<[number], MessageRow>(
      `SELECT m.* FROM message_search_docs d JOIN messages m ON m.id = d.message_id WHERE d.doc_id = ?`,
    ),
    snippet: db.prepare<[string, string, string, number], { highlight: string }>(
      `SELECT snippet(message_search, 0, ?, ?, '…', ${SNIPPET_TOKENS}) AS highlight
       FROM message_search WHERE message_search MATCH ? AND rowid = CAST(? AS INTEGER)`,
    ),
  };
}
