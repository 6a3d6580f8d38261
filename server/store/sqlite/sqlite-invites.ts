import type Database from 'better-sqlite3';
import type { Invite } from '../../../shared/schemas/objects';
import type { PageQuery } from '../types';

interface InviteRow extends Omit<Invite, 'is_private'> {
  is_private: 0 | 1;
}

/**
 * The pending invites of the SQLite store (table room_invites). Accepting one also adds a member,
 * which is the store's: SqliteStore runs `take` and its member insert in one transaction.
 */
export class SqliteInvites {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      // Members, those already invited and those banned are skipped; so is a room that does not
      // exist.
      insert: db.prepare<{ room_id: string; user_id: string; invited_by: string; invited_at: string }>(
        `INSERT INTO room_invites (room_id, user_id, invited_by, invited_at)
         SELECT @room_id, @user_id, @invited_by, @invited_at
         WHERE EXISTS (SELECT 1 FROM rooms WHERE id = @room_id)
           AND NOT EXISTS (SELECT 1 FROM room_members WHERE room_id = @room_id AND user_id = @user_id)
           AND NOT EXISTS (SELECT 1 FROM room_bans WHERE room_id = @room_id AND user_id = @user_id)
         ON CONFLICT (room_id, user_id) DO NOTHING`,
      ),
      exists: db.prepare<[string, string], { one: number }>(
        'SELECT 1 AS one FROM room_invites WHERE room_id = ? AND user_id = ?',
      ),
      remove: db.prepare('DELETE FROM room_invites WHERE room_id = ? AND user_id = ?'),
      page: db.prepare<
        { user_id: string; after_at: string | null; after_id: string | null; limit: number },
        InviteRow
      >(
        `SELECT i.room_id, r.name AS room_name, r.description, r.is_private, i.invited_by,
           COALESCE(u.username, i.invited_by) AS inviter_username, i.invited_at
         FROM room_invites i
         JOIN rooms r ON r.id = i.room_id
         LEFT JOIN users u ON u.user_id = i.invited_by
         WHERE i.user_id = @user_id
           AND (@after_at IS NULL OR (i.invited_at, i.room_id) > (@after_at, @after_id))
           AND NOT EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = i.room_id AND m.user_id = i.user_id)
         ORDER BY i.invited_at, i.room_id
         LIMIT @limit`,
      ),
    };
  }

  add(roomId: string, userIds: readonly string[], invitedBy: string, at: string): string[] {
    return this.db
      .transaction(() => {
        const added: string[] = [];
        for (const userId of new Set(userIds)) {
          const row = { room_id: roomId, user_id: userId, invited_by: invitedBy, invited_at: at };
          if (this.stmt.insert.run(row).changes > 0) added.push(userId);
        }
        return added;
      })
      .immediate();
  }

  has(roomId: string, userId: string): boolean {
    return this.stmt.exists.get(roomId, userId) !== undefined;
  }

  /** Deletes the invite; false when there was none. Also the first half of accepting one. */
  take(roomId: string, userId: string): boolean {
    return this.stmt.remove.run(roomId, userId).changes > 0;
  }

  list(userId: string, page: PageQuery): Invite[] {
    return this.stmt.page
      .all({
        user_id: userId,
        after_at: page.after?.at ?? null,
        after_id: page.after?.id ?? null,
        limit: page.limit,
      })
      .map((row) => ({ ...row, is_private: row.is_private === 1 }));
  }
}
