import type Database from 'better-sqlite3';
import type { MemberRole, ModerationEvent } from '../../../shared/schemas/objects';
import type { NewDirectRoom, NewModerationAction, PinOutcome } from '../conversation-types';

/**
 * The writes of direct messages, moderation and pins (ConversationStore), run by SqliteWrites in
 * the writer thread: each inside the savepoint of its batch (./writer-batch.ts), so each is atomic
 * and, the batch's transaction being IMMEDIATE, no other process writes between its reads and its
 * writes. None opens a transaction of its own.
 */
export class SqliteConversationWrites {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = prepare(db);
  }

  /**
   * The room of the pair: the INSERT does nothing when the pair's key is taken (by an earlier
   * open, here or in another process: the unique index decides), and the room is then read back.
   */
  openDirectRoom(room: NewDirectRoom): { room_id: string; created: boolean } {
    const [first, second] = [...room.user_ids].sort();
    if (first === undefined || second === undefined || first === second) {
      throw new Error('a direct message needs two different users');
    }
    const key = `${first}\n${second}`;
    const inserted = this.stmt.insertDirectRoom.run({
      id: room.id,
      name: room.name,
      created_by: room.created_by,
      created_at: room.created_at,
      dm_key: key,
    });
    if (inserted.changes === 0) {
      const existing = this.stmt.directRoomOf.get(key);
      if (!existing) throw new Error('the direct room of the pair is missing after its key conflicted');
      return { room_id: existing.id, created: false };
    }
    for (const userId of [first, second]) {
      this.stmt.insertMember.run({ room_id: room.id, user_id: userId, joined_at: room.created_at });
    }
    return { room_id: room.id, created: true };
  }

  /** See ConversationStore.moderate: the change, its record and its outbox entry, or null. */
  moderate(a: NewModerationAction): ModerationEvent | null {
    if (!this.stmt.roomExists.get(a.room_id)) return null;
    const role = this.stmt.memberRole.get(a.room_id, a.user_id)?.role ?? null;
    if (!this.apply(a, role)) return null;
    const username = this.stmt.username.get(a.user_id)?.username ?? a.user_id;
    const mutedUntil = a.action === 'mute' ? a.muted_until : null;
    const record = this.stmt.insertAction.get({
      room_id: a.room_id,
      action: a.action,
      user_id: a.user_id,
      username,
      by: a.by,
      muted_until: mutedUntil,
      at: a.at,
    });
    if (!record) throw new Error('the moderation record was not stored');
    this.stmt.insertOutbox.run(a.room_id, a.user_id, record.id);
    return {
      room_id: a.room_id,
      action: a.action,
      user_id: a.user_id,
      username,
      by: a.by,
      muted_until: mutedUntil,
      timestamp: a.at,
    };
  }

  /** The action's change; false when it changes nothing. The owner is no target (but may be unmuted or unbanned). */
  private apply(a: NewModerationAction, role: MemberRole | null): boolean {
    const { room_id: roomId, user_id: userId } = a;
    switch (a.action) {
      case 'promote':
        return role === 'member' && this.stmt.setRole.run('moderator', roomId, userId).changes > 0;
      case 'demote':
        return role === 'moderator' && this.stmt.setRole.run('member', roomId, userId).changes > 0;
      case 'remove':
        // A leave (its outbox entry is the member trigger's), never the owner's: no hand-over.
        return role !== null && role !== 'owner' && this.stmt.deleteMember.run(roomId, userId).changes > 0;
      case 'ban': {
        if (role === 'owner') return false;
        const removed = role !== null && this.stmt.deleteMember.run(roomId, userId).changes > 0;
        this.stmt.deleteInvite.run(roomId, userId);
        const banned = this.stmt.insertBan.run(roomId, userId, a.by, a.at).changes > 0;
        return removed || banned;
      }
      case 'unban':
        return this.stmt.deleteBan.run(roomId, userId).changes > 0;
      case 'mute': {
        if (role === null || role === 'owner') return false;
        if (a.muted_until === null) throw new Error('a mute needs muted_until');
        return this.stmt.upsertMute.run(roomId, userId, a.muted_until, a.by, a.at).changes > 0;
      }
      case 'unmute': {
        // A mute that has already run out is gone as well, but lifting it changes nothing.
        const mute = this.stmt.deleteMute.get(roomId, userId);
        return mute !== undefined && mute.muted_until > a.at;
      }
    }
  }

  /** Checks and pins in one step of the writer: nothing can pin in between (see the class). */
  pinMessage(messageId: string, by: string, at: string, maxPins: number): PinOutcome {
    const message = this.stmt.pinState.get(messageId);
    if (!message || message.deleted === 1) return 'missing';
    if (message.pinned_at !== null) return 'already';
    if ((this.stmt.pinCount.get(message.room_id)?.n ?? 0) >= maxPins) return 'full';
    this.stmt.pin.run(at, by, messageId);
    return 'pinned';
  }

  unpinMessage(messageId: string): boolean {
    return this.stmt.unpin.run(messageId).changes > 0;
  }
}

function prepare(db: Database.Database) {
  return {
    insertDirectRoom: db.prepare<{
      id: string;
      name: string;
      created_by: string;
      created_at: string;
      dm_key: string;
    }>(
      `INSERT INTO rooms (id, name, description, is_private, created_by, created_at, dm_key)
       VALUES (@id, @name, NULL, 1, @created_by, @created_at, @dm_key)
       ON CONFLICT (dm_key) DO NOTHING`,
    ),
    directRoomOf: db.prepare<[string], { id: string }>('SELECT id FROM rooms WHERE dm_key = ?'),
    insertMember: db.prepare<{ room_id: string; user_id: string; joined_at: string }>(
      `INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_seq)
       VALUES (@room_id, @user_id, 'member', @joined_at, 0)
       ON CONFLICT (room_id, user_id) DO NOTHING`,
    ),
    roomExists: db.prepare<[string], { one: 1 }>('SELECT 1 AS one FROM rooms WHERE id = ?'),
    memberRole: db.prepare<[string, string], { role: MemberRole }>(
      'SELECT role FROM room_members WHERE room_id = ? AND user_id = ?',
    ),
    setRole: db.prepare<[MemberRole, string, string]>(
      'UPDATE room_members SET role = ? WHERE room_id = ? AND user_id = ?',
    ),
    deleteMember: db.prepare<[string, string]>('DELETE FROM room_members WHERE room_id = ? AND user_id = ?'),
    deleteInvite: db.prepare<[string, string]>('DELETE FROM room_invites WHERE room_id = ? AND user_id = ?'),
    insertBan: db.prepare<[string, string, string, string]>(
      `INSERT INTO room_bans (room_id, user_id, banned_by, banned_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (room_id, user_id) DO NOTHING`,
    ),
    deleteBan: db.prepare<[string, string]>('DELETE FROM room_bans WHERE room_id = ? AND user_id = ?'),
    // Changes nothing (0 changes) when the member is already muted until that very time.
    upsertMute: db.prepare<[string, string, string, string, string]>(
      `INSERT INTO room_mutes (room_id, user_id, muted_until, muted_by, muted_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (room_id, user_id) DO UPDATE
         SET muted_until = excluded.muted_until, muted_by = excluded.muted_by, muted_at = excluded.muted_at
         WHERE room_mutes.muted_until IS NOT excluded.muted_until`,
    ),
    deleteMute: db.prepare<[string, string], { muted_until: string }>(
      'DELETE FROM room_mutes WHERE room_id = ? AND user_id = ? RETURNING muted_until',
    ),
    username: db.prepare<[string], { username: string }>('SELECT username FROM users WHERE user_id = ?'),
    insertAction: db.prepare<
      {
        room_id: string;
        action: string;
        user_id: string;
        username: string;
        by: string;
        muted_until: string | null;
        at: string;
      },
      { id: number }
    >(
      `INSERT INTO moderation_actions (room_id, action, user_id, username, by_user_id, muted_until, created_at)
       VALUES (@room_id, @action, @user_id, @username, @by, @muted_until, @at) RETURNING id`,
    ),
    // created_at as the triggers write theirs: when the entry was appended.
    insertOutbox: db.prepare<[string, string, number]>(
      `INSERT INTO outbox (room_id, type, user_id, action_id, created_at)
       VALUES (?, 'member.moderated', ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`,
    ),
    pinState: db.prepare<[string], { room_id: string; deleted: 0 | 1; pinned_at: string | null }>(
      'SELECT room_id, deleted, pinned_at FROM messages WHERE id = ?',
    ),
    pinCount: db.prepare<[string], { n: number }>(
      'SELECT COUNT(*) AS n FROM messages WHERE room_id = ? AND pinned_at IS NOT NULL',
    ),
    pin: db.prepare<[string, string, string]>(
      'UPDATE messages SET pinned_at = ?, pinned_by = ? WHERE id = ? AND deleted = 0 AND pinned_at IS NULL',
    ),
    unpin: db.prepare<[string]>(
      'UPDATE messages SET pinned_at = NULL, pinned_by = NULL WHERE id = ? AND pinned_at IS NOT NULL',
    ),
  };
}
