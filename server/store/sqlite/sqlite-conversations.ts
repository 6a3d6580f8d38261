import type Database from 'better-sqlite3';
import type {
  Message,
  ModerationActionKind,
  ModerationEvent,
  Reaction,
} from '../../../shared/schemas/objects';
import type { SearchHit, SearchQuery } from '../conversation-types';
import type { PageQuery } from '../types';
import { type MessageRow, toMessage } from './sqlite-rows';
import { SqliteSearch } from './sqlite-search';

interface ActionRow {
  room_id: string;
  action: ModerationActionKind;
  user_id: string;
  username: string;
  by_user_id: string;
  muted_until: string | null;
  created_at: string;
}

/**
 * The reads of direct messages, mentions, search, moderation and pins (ConversationStore), on the
 * store's reading connection; their writes are ./sqlite-conversation-writes.ts's.
 */
export class SqliteConversations {
  private readonly stmt;
  private readonly searcher: SqliteSearch;

  constructor(
    db: Database.Database,
    private readonly reactionsFor: (messageIds: readonly string[]) => Map<string, Reaction[]>,
  ) {
    this.stmt = prepare(db);
    this.searcher = new SqliteSearch(db, reactionsFor);
  }

  membersAmong(roomId: string, userIds: readonly string[]): string[] {
    if (userIds.length === 0) return [];
    return this.stmt.membersAmong.all(JSON.stringify(userIds), roomId).map((r) => r.user_id);
  }

  listMentions(userId: string, page: PageQuery): Message[] {
    const rows = page.after
      ? this.stmt.mentionsAfter.all({
          user_id: userId,
          at: page.after.at,
          id: page.after.id,
          limit: page.limit,
        })
      : this.stmt.mentions.all({ user_id: userId, limit: page.limit });
    return this.withReactions(rows);
  }

  search(query: SearchQuery): SearchHit[] {
    return this.searcher.search(query);
  }

  isBanned(roomId: string, userId: string): boolean {
    return this.stmt.banned.get(roomId, userId) !== undefined;
  }

  getModerationAction(id: number): ModerationEvent | null {
    const row = this.stmt.action.get(id);
    if (!row) return null;
    return {
      room_id: row.room_id,
      action: row.action,
      user_id: row.user_id,
      username: row.username,
      by: row.by_user_id,
      muted_until: row.muted_until,
      timestamp: row.created_at,
    };
  }

  listPins(roomId: string): Message[] {
    return this.withReactions(this.stmt.pins.all(roomId));
  }

  private withReactions(rows: readonly MessageRow[]): Message[] {
    const reactions = this.reactionsFor(rows.map((r) => r.id));
    return rows.map((r) => toMessage(r, reactions.get(r.id) ?? []));
  }
}

function prepare(db: Database.Database) {
  return {
    membersAmong: db.prepare<[string, string], { user_id: string }>(
      `SELECT j.value AS user_id FROM json_each(?) j
       WHERE EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = ? AND m.user_id = j.value)
       ORDER BY j.key`,
    ),
    // Walk the user's mentions backwards on (user_id, created_at, message_id); a later page starts
    // at its key in the index (a statement of its own: an optional bound would be a filter). A
    // deleted message has no mention rows left: the check on `deleted` only guards that.
    mentions: db.prepare<{ user_id: string; limit: number }, MessageRow>(
      `SELECT m.* FROM message_mentions x JOIN messages m ON m.id = x.message_id
       WHERE x.user_id = @user_id AND m.deleted = 0
         AND EXISTS (SELECT 1 FROM room_members v WHERE v.room_id = x.room_id AND v.user_id = @user_id)
       ORDER BY x.created_at DESC, x.message_id DESC
       LIMIT @limit`,
    ),
    mentionsAfter: db.prepare<{ user_id: string; at: string; id: string; limit: number }, MessageRow>(
      `SELECT m.* FROM message_mentions x JOIN messages m ON m.id = x.message_id
       WHERE x.user_id = @user_id AND (x.created_at, x.message_id) < (@at, @id) AND m.deleted = 0
         AND EXISTS (SELECT 1 FROM room_members v WHERE v.room_id = x.room_id AND v.user_id = @user_id)
       ORDER BY x.created_at DESC, x.message_id DESC
       LIMIT @limit`,
    ),
    banned: db.prepare<[string, string], { one: 1 }>(
      'SELECT 1 AS one FROM room_bans WHERE room_id = ? AND user_id = ?',
    ),
    action: db.prepare<[number], ActionRow>(
      `SELECT room_id, action, user_id, username, by_user_id, muted_until, created_at
       FROM moderation_actions WHERE id = ?`,
    ),
    pins: db.prepare<[string], MessageRow>(
      `SELECT * FROM messages WHERE room_id = ? AND pinned_at IS NOT NULL
       ORDER BY pinned_at DESC, seq DESC`,
    ),
  };
}
