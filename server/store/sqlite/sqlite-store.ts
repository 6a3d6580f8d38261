import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type {
  HistoryPage,
  Invite,
  MemberRole,
  Message,
  Reaction,
  Room,
} from '../../../shared/schemas/objects';
import { aggregateReactions, type ReactionRow } from '../aggregate-reactions';
import { toMessage as toStoredMessage, type MessageRow as StoredMessageRow } from '../message-row';
import { DEFAULT_STORE_OPTIONS, type StoreOptions } from '../store-options';
import type {
  AddReactionOutcome,
  ChatStore,
  HistoryQuery,
  InsertedMessage,
  NewMember,
  NewMessage,
  NewRoom,
  PageQuery,
  ReadPosition,
  ReactionCaps,
  RemovedMember,
  StoredMember,
  StoredUser,
} from '../types';
import { migrate } from './migrations';
import { SqliteInvites } from './sqlite-invites';

interface RoomRow {
  id: string;
  name: string;
  description: string | null;
  is_private: 0 | 1;
  created_by: string;
  created_at: string;
  last_seq: number;
  member_count: number;
  viewer_last_read: number | null;
}

/** SQLite has no booleans: `deleted` is 0 or 1. */
interface MessageRow extends Omit<StoredMessageRow, 'deleted'> {
  deleted: 0 | 1;
}

const ROOM_COLUMNS = `
  r.id, r.name, r.description, r.is_private, r.created_by, r.created_at, r.last_seq,
  (SELECT COUNT(*) FROM room_members c WHERE c.room_id = r.id) AS member_count,
  v.last_read_seq AS viewer_last_read
  FROM rooms r LEFT JOIN room_members v ON v.room_id = r.id AND v.user_id = @viewer`;

const MEMBER_COLUMNS = `
  m.user_id, COALESCE(u.username, m.user_id) AS username, m.role, m.joined_at
  FROM room_members m LEFT JOIN users u ON u.user_id = m.user_id`;

/**
 * The embedded store: one SQLite file in WAL mode. better-sqlite3 is synchronous, so each
 * transaction runs to completion without interleaving; the async signatures are the interface's.
 */
export class SqliteStore implements ChatStore {
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly invites: SqliteInvites;

  constructor(
    file: string,
    private readonly options: StoreOptions = DEFAULT_STORE_OPTIONS,
  ) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    // FULL: a write is on disk before it is acknowledged, so an acked message (and its seq)
    // survives a power loss, as the contract's "durably stored" requires.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    migrate(this.db);
    this.stmt = this.prepare();
    this.invites = new SqliteInvites(this.db);
  }

  private prepare() {
    const db = this.db;
    return {
      ping: db.prepare('SELECT 1'),
      upsertUser: db.prepare(
        `INSERT INTO users (user_id, username) VALUES (?, ?)
         ON CONFLICT (user_id) DO UPDATE SET username = excluded.username
         WHERE users.username IS NOT excluded.username`,
      ),
      insertRoom: db.prepare(
        `INSERT INTO rooms (id, name, description, is_private, created_by, created_at)
         VALUES (@id, @name, @description, @is_private, @created_by, @created_at)`,
      ),
      getRoom: db.prepare<{ id: string; viewer: string }, RoomRow>(`SELECT ${ROOM_COLUMNS} WHERE r.id = @id`),
      // A negative LIMIT is no limit (a call without a page).
      listRooms: db.prepare<
        { viewer: string; after_at: string | null; after_id: string | null; limit: number },
        RoomRow
      >(
        `SELECT ${ROOM_COLUMNS} WHERE (r.is_private = 0 OR v.user_id IS NOT NULL)
           AND (@after_at IS NULL OR (r.created_at, r.id) > (@after_at, @after_id))
         ORDER BY r.created_at, r.id LIMIT @limit`,
      ),
      listMembers: db.prepare<[string], StoredMember>(
        `SELECT ${MEMBER_COLUMNS} WHERE m.room_id = ? ORDER BY m.joined_at, m.user_id`,
      ),
      getMember: db.prepare<[string, string], StoredMember>(
        `SELECT ${MEMBER_COLUMNS} WHERE m.room_id = ? AND m.user_id = ?`,
      ),
      insertMember: db.prepare(
        `INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_seq)
         SELECT @room_id, @user_id, @role, @joined_at, last_seq FROM rooms WHERE id = @room_id
         ON CONFLICT (room_id, user_id) DO NOTHING`,
      ),
      memberRole: db.prepare<[string, string], { role: MemberRole }>(
        'SELECT role FROM room_members WHERE room_id = ? AND user_id = ?',
      ),
      deleteMember: db.prepare('DELETE FROM room_members WHERE room_id = ? AND user_id = ?'),
      ownerCount: db.prepare<[string], { n: number }>(
        `SELECT COUNT(*) AS n FROM room_members WHERE room_id = ? AND role = 'owner'`,
      ),
      eldestMember: db.prepare<[string], { user_id: string }>(
        `SELECT user_id FROM room_members WHERE room_id = ? ORDER BY joined_at, user_id LIMIT 1`,
      ),
      promote: db.prepare(`UPDATE room_members SET role = 'owner' WHERE room_id = ? AND user_id = ?`),
      readPositions: db.prepare<[string], { user_id: string; last_read_seq: number }>(
        'SELECT user_id, last_read_seq FROM room_members WHERE room_id = ?',
      ),
      roomIdsOf: db.prepare<[string], { room_id: string }>(
        'SELECT room_id FROM room_members WHERE user_id = ?',
      ),
      byClientId: db.prepare<[string, string, string], MessageRow>(
        'SELECT * FROM messages WHERE room_id = ? AND user_id = ? AND client_id = ?',
      ),
      nextSeq: db.prepare<[string], { last_seq: number }>(
        'UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq',
      ),
      insertMessage: db.prepare(
        `INSERT INTO messages
           (id, room_id, seq, user_id, username, content, message_type, parent_id, client_id, created_at)
         VALUES
           (@id, @room_id, @seq, @user_id, @username, @content, @message_type, @parent_id, @client_id, @timestamp)`,
      ),
      bumpReplies: db.prepare<[string], MessageRow>(
        'UPDATE messages SET reply_count = reply_count + 1 WHERE id = ? RETURNING *',
      ),
      markRead: db.prepare(
        `UPDATE room_members SET last_read_seq = MAX(last_read_seq, ?) WHERE room_id = ? AND user_id = ?`,
      ),
      getMessage: db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE id = ?'),
      setLastSeen: db.prepare('UPDATE users SET last_seen = ? WHERE user_id = ?'),
      getUsers: db.prepare<[string], StoredUser>(
        'SELECT user_id, username, last_seen FROM users WHERE user_id IN (SELECT value FROM json_each(?))',
      ),
      sharing: db.prepare<[string, string], { user_id: string }>(
        `SELECT DISTINCT other.user_id FROM room_members mine
         JOIN room_members other ON other.room_id = mine.room_id
         WHERE mine.user_id = ? AND other.user_id IN (SELECT value FROM json_each(?))`,
      ),
      readPosition: db.prepare<[string, string], { last_read_seq: number; last_seq: number }>(
        `SELECT m.last_read_seq, r.last_seq FROM room_members m JOIN rooms r ON r.id = m.room_id
         WHERE m.room_id = ? AND m.user_id = ?`,
      ),
      setReadPosition: db.prepare(
        'UPDATE room_members SET last_read_seq = ? WHERE room_id = ? AND user_id = ?',
      ),
      editMessage: db.prepare<[string, string, string], MessageRow>(
        'UPDATE messages SET content = ?, edited_at = ? WHERE id = ? AND deleted = 0 RETURNING *',
      ),
      deleteMessage: db.prepare<[string], MessageRow>(
        `UPDATE messages SET content = '', deleted = 1 WHERE id = ? RETURNING *`,
      ),
      deleteReactionsOf: db.prepare('DELETE FROM reactions WHERE message_id = ?'),
      // The caps are checked in the INSERT itself: one statement, so no other writer (another
      // store on this file) can add between the count and the insert.
      addReaction: db.prepare<{
        message_id: string;
        user_id: string;
        emoji: string;
        at: string;
        per_message: number;
        per_user: number;
      }>(
        `INSERT INTO reactions (message_id, user_id, emoji, created_at, emoji_rank)
         SELECT @message_id, @user_id, @emoji, @at, COALESCE(
           (SELECT emoji_rank FROM reactions WHERE message_id = @message_id AND emoji = @emoji LIMIT 1),
           (SELECT COALESCE(MAX(emoji_rank), 0) + 1 FROM reactions WHERE message_id = @message_id))
         WHERE (SELECT COUNT(*) FROM reactions
                WHERE message_id = @message_id AND user_id = @user_id) < @per_user
           AND (EXISTS (SELECT 1 FROM reactions WHERE message_id = @message_id AND emoji = @emoji)
                OR (SELECT COUNT(DISTINCT emoji) FROM reactions
                    WHERE message_id = @message_id) < @per_message)
         ON CONFLICT (message_id, emoji, user_id) DO NOTHING`,
      ),
      hasReaction: db.prepare<[string, string, string], { found: 1 }>(
        'SELECT 1 AS found FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?',
      ),
      userReactionCount: db.prepare<[string, string], { n: number }>(
        'SELECT COUNT(*) AS n FROM reactions WHERE message_id = ? AND user_id = ?',
      ),
      removeReaction: db.prepare('DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?'),
      reactionsOf: db.prepare<[string], ReactionRow>(
        `SELECT message_id, emoji, user_id FROM reactions
         WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY emoji_rank, id`,
      ),
    };
  }

  async ping(): Promise<void> {
    this.stmt.ping.get();
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  async rememberUser(user: { id: string; name: string }): Promise<void> {
    this.stmt.upsertUser.run(user.id, user.name);
  }

  async setLastSeen(userId: string, at: string): Promise<void> {
    this.stmt.setLastSeen.run(at, userId);
  }

  async getUsers(userIds: readonly string[]): Promise<StoredUser[]> {
    return this.stmt.getUsers.all(JSON.stringify(userIds));
  }

  async usersSharingRoomWith(viewerId: string, userIds: readonly string[]): Promise<string[]> {
    return this.stmt.sharing.all(viewerId, JSON.stringify(userIds)).map((r) => r.user_id);
  }

  async memberReadPositions(roomId: string): Promise<{ user_id: string; last_read_seq: number }[]> {
    return this.stmt.readPositions.all(roomId);
  }

  async markRead(roomId: string, userId: string, seq: number): Promise<ReadPosition | null> {
    return this.db
      .transaction((): ReadPosition | null => {
        const current = this.stmt.readPosition.get(roomId, userId);
        if (!current) return null;
        const target = Math.min(seq, current.last_seq);
        if (target <= current.last_read_seq) {
          return { last_read_seq: current.last_read_seq, last_message_seq: current.last_seq, changed: false };
        }
        this.stmt.setReadPosition.run(target, roomId, userId);
        return { last_read_seq: target, last_message_seq: current.last_seq, changed: true };
      })
      .immediate();
  }

  async createRoom(room: NewRoom, members: NewMember[]): Promise<void> {
    this.db
      .transaction(() => {
        this.stmt.insertRoom.run({ ...room, is_private: room.is_private ? 1 : 0 });
        for (const m of members) this.stmt.insertMember.run({ room_id: room.id, ...m });
      })
      .immediate();
  }

  async getRoom(roomId: string, viewerId: string): Promise<Room | null> {
    const row = this.stmt.getRoom.get({ id: roomId, viewer: viewerId });
    return row ? toRoom(row) : null;
  }

  async listRooms(viewerId: string, page?: PageQuery): Promise<Room[]> {
    return this.stmt.listRooms
      .all({
        viewer: viewerId,
        after_at: page?.after?.at ?? null,
        after_id: page?.after?.id ?? null,
        limit: page?.limit ?? -1,
      })
      .map(toRoom);
  }

  async listMembers(roomId: string): Promise<StoredMember[]> {
    return this.stmt.listMembers.all(roomId);
  }

  async getMember(roomId: string, userId: string): Promise<StoredMember | null> {
    return this.stmt.getMember.get(roomId, userId) ?? null;
  }

  async addMembers(roomId: string, members: NewMember[]): Promise<StoredMember[]> {
    return this.db.transaction(() => this.insertMembers(roomId, members)).immediate();
  }

  /** Inside a transaction: adds the ones not yet members; answers those added. */
  private insertMembers(roomId: string, members: readonly NewMember[]): StoredMember[] {
    const added: StoredMember[] = [];
    for (const m of members) {
      if (this.stmt.insertMember.run({ room_id: roomId, ...m }).changes === 0) continue;
      const stored = this.stmt.getMember.get(roomId, m.user_id);
      if (stored) added.push(stored);
    }
    return added;
  }

  async addInvites(
    roomId: string,
    userIds: readonly string[],
    invitedBy: string,
    at: string,
  ): Promise<string[]> {
    return this.invites.add(roomId, userIds, invitedBy, at);
  }

  async hasInvite(roomId: string, userId: string): Promise<boolean> {
    return this.invites.has(roomId, userId);
  }

  async acceptInvite(roomId: string, member: NewMember): Promise<StoredMember | null> {
    return this.db
      .transaction(() =>
        this.invites.take(roomId, member.user_id) ? (this.insertMembers(roomId, [member])[0] ?? null) : null,
      )
      .immediate();
  }

  async declineInvite(roomId: string, userId: string): Promise<boolean> {
    return this.invites.take(roomId, userId);
  }

  async listInvites(userId: string, page: PageQuery): Promise<Invite[]> {
    return this.invites.list(userId, page);
  }

  async removeMember(roomId: string, userId: string): Promise<RemovedMember> {
    return this.db
      .transaction((): RemovedMember => {
        const current = this.stmt.memberRole.get(roomId, userId);
        if (!current) return { removed: false, newOwnerId: null };
        this.stmt.deleteMember.run(roomId, userId);
        if (current.role !== 'owner' || (this.stmt.ownerCount.get(roomId)?.n ?? 0) > 0) {
          return { removed: true, newOwnerId: null };
        }
        const heir = this.stmt.eldestMember.get(roomId);
        if (heir) this.stmt.promote.run(roomId, heir.user_id);
        return { removed: true, newOwnerId: heir?.user_id ?? null };
      })
      .immediate();
  }

  async roomIdsOf(userId: string): Promise<string[]> {
    return this.stmt.roomIdsOf.all(userId).map((r) => r.room_id);
  }

  async insertMessage(message: NewMessage): Promise<InsertedMessage> {
    return this.db
      .transaction((): InsertedMessage => {
        if (message.client_id !== null) {
          const earlier = this.stmt.byClientId.get(message.room_id, message.user_id, message.client_id);
          if (earlier) return { message: this.hydrate(earlier), created: false, parent: null };
        }
        const next = this.stmt.nextSeq.get(message.room_id);
        if (!next) throw new Error(`room ${message.room_id} does not exist`);
        this.stmt.insertMessage.run({ ...message, seq: next.last_seq });
        const parent = message.parent_id ? this.stmt.bumpReplies.get(message.parent_id) : undefined;
        this.stmt.markRead.run(next.last_seq, message.room_id, message.user_id);
        const stored = this.stmt.getMessage.get(message.id);
        if (!stored) throw new Error('inserted message not found');
        return {
          message: toMessage(stored, []),
          created: true,
          parent: parent ? this.hydrate(parent) : null,
        };
      })
      .immediate();
  }

  /** History has a handful of shapes (which cursors are set); each is prepared once. */
  private readonly historyStatements = new Map<
    string,
    Database.Statement<Record<string, unknown>, MessageRow>
  >();
  private historyStatement(sql: string) {
    let statement = this.historyStatements.get(sql);
    if (!statement) {
      statement = this.db.prepare<Record<string, unknown>, MessageRow>(sql);
      this.historyStatements.set(sql, statement);
    }
    return statement;
  }

  async getMessage(messageId: string): Promise<Message | null> {
    const row = this.stmt.getMessage.get(messageId);
    return row ? this.hydrate(row) : null;
  }

  async editMessage(messageId: string, content: string, editedAt: string): Promise<Message | null> {
    const row = this.stmt.editMessage.get(content, editedAt, messageId);
    return row ? this.hydrate(row) : null;
  }

  async deleteMessage(messageId: string): Promise<Message | null> {
    return this.db
      .transaction(() => {
        const row = this.stmt.deleteMessage.get(messageId);
        if (row) this.stmt.deleteReactionsOf.run(messageId);
        return row ? toMessage(row, []) : null;
      })
      .immediate();
  }

  async addReaction(
    messageId: string,
    userId: string,
    emoji: string,
    at: string,
    caps: ReactionCaps,
  ): Promise<AddReactionOutcome> {
    // A transaction only so that a refusal is explained by the state that caused it.
    return this.db
      .transaction((): AddReactionOutcome => {
        const added = this.stmt.addReaction.run({
          message_id: messageId,
          user_id: userId,
          emoji,
          at,
          per_message: caps.perMessage,
          per_user: caps.perUser,
        });
        if (added.changes > 0) return 'added';
        if (this.stmt.hasReaction.get(messageId, userId, emoji)) return 'exists';
        const mine = this.stmt.userReactionCount.get(messageId, userId)?.n ?? 0;
        return mine >= caps.perUser ? 'user_full' : 'message_full';
      })
      .immediate();
  }

  async removeReaction(messageId: string, userId: string, emoji: string): Promise<boolean> {
    return this.stmt.removeReaction.run(messageId, userId, emoji).changes > 0;
  }

  async reactionsOf(messageId: string): Promise<Reaction[]> {
    return this.reactionsFor([messageId]).get(messageId) ?? [];
  }

  private reactionsFor(messageIds: readonly string[]): Map<string, Reaction[]> {
    if (messageIds.length === 0) return new Map();
    return aggregateReactions(
      this.stmt.reactionsOf.all(JSON.stringify(messageIds)),
      this.options.reactionUsersShown,
    );
  }

  private hydrate(row: MessageRow): Message {
    return toMessage(row, this.reactionsFor([row.id]).get(row.id) ?? []);
  }

  async listMessages(q: HistoryQuery): Promise<HistoryPage> {
    const where = ['room_id = @room_id'];
    if (q.parent_id !== null) where.push('parent_id = @parent_id');
    if (q.before_seq !== null) where.push('seq < @before_seq');
    if (q.after_seq !== null) where.push('seq > @after_seq');
    // Forward from after_seq (oldest first); otherwise the newest page, read backwards.
    const forward = q.after_seq !== null;
    const sql = `SELECT * FROM messages WHERE ${where.join(' AND ')}
                 ORDER BY seq ${forward ? 'ASC' : 'DESC'} LIMIT @take`;
    const rows = this.historyStatement(sql).all({ ...q, take: q.limit + 1 });
    const has_more = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    if (!forward) page.reverse();
    const reactions = this.reactionsFor(page.map((r) => r.id));
    return { messages: page.map((r) => toMessage(r, reactions.get(r.id) ?? [])), has_more };
  }
}

function toRoom(row: RoomRow): Room {
  const isMember = row.viewer_last_read !== null;
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    is_private: row.is_private === 1,
    created_by: row.created_by,
    created_at: row.created_at,
    member_count: row.member_count,
    is_member: isMember,
    last_read_seq: row.viewer_last_read,
    unread_count: isMember ? Math.max(0, row.last_seq - (row.viewer_last_read ?? 0)) : 0,
    last_message_seq: row.last_seq,
  };
}

function toMessage(row: MessageRow, reactions: Reaction[]): Message {
  return toStoredMessage({ ...row, deleted: row.deleted === 1 }, reactions);
}
