import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import type {
  HistoryPage,
  Invite,
  MemberRole,
  Message,
  ModerationEvent,
  Reaction,
  Room,
} from '../../../shared/schemas/objects';
import type {
  NewDirectRoom,
  NewModerationAction,
  PinOutcome,
  SearchHit,
  SearchQuery,
} from '../conversation-types';
import { DEFAULT_STORE_OPTIONS, type StoreOptions } from '../store-options';
import type { WebhookStore } from '../webhook-types';
import type {
  AddReactionOutcome,
  ChatStore,
  ChangesPage,
  HistoryQuery,
  OutboxEntry,
  InsertedMessage,
  NewMember,
  NewMessage,
  NewRoom,
  PageQuery,
  ReactionCaps,
  ReadPosition,
  RemovedMember,
  RoomAccess,
  StoredMember,
  StoredUser,
} from '../types';
import { migrate } from './migrations';
import {
  hydrate,
  MEMBER_COLUMNS,
  type MessageRow,
  openConnection,
  reactionReader,
  ROOM_COLUMNS,
  type RoomRow,
  toMessage,
  toRoom,
} from './sqlite-rows';
import { SqliteConversations } from './sqlite-conversations';
import { SqliteInvites } from './sqlite-invites';
import { SqliteWebhooks } from './sqlite-webhooks';
import { SqliteWrites } from './sqlite-writes';
import { InlineWriter, type Writer, WriterThread } from './writer-thread';

/**
 * The embedded store: one SQLite file in WAL mode. Reads run here, on this thread's connection
 * (they never wait on the disk's fsync, and WAL lets them go on while a commit is under way).
 * Every write goes to the writer thread, which commits the writes that arrive together as one
 * transaction (group commit) and answers each only once it is durable.
 */
export class SqliteStore implements ChatStore {
  private readonly db: Database.Database;
  private readonly stmt;
  private readonly invites: SqliteInvites;
  private readonly conversations: SqliteConversations;
  private readonly reactionsFor;
  private readonly writer: Writer;
  readonly webhooks: WebhookStore;

  constructor(file: string, options: StoreOptions = DEFAULT_STORE_OPTIONS) {
    const inMemory = file === ':memory:';
    if (!inMemory) mkdirSync(path.dirname(file), { recursive: true });
    this.db = openConnection(file);
    // Reads land anywhere in the file (search checks thousands of index rows a query): a 64 MiB
    // page cache, against SQLite's 2 MiB, keeps them off the disk once warm. Filled only as pages
    // are read, so a small database costs no more than its size.
    this.db.pragma(`cache_size = -${READ_CACHE_KIB}`);
    // Before the writer starts, so that it finds the schema complete.
    migrate(this.db);
    this.stmt = prepare(this.db);
    this.invites = new SqliteInvites(this.db);
    this.reactionsFor = reactionReader(this.db, options.reactionUsersShown);
    this.conversations = new SqliteConversations(this.db, this.reactionsFor);
    this.writer = inMemory
      ? new InlineWriter(this.db, new SqliteWrites(this.db, options))
      : new WriterThread({
          file,
          options: { reactionUsersShown: options.reactionUsersShown, writeWindowMs: options.writeWindowMs },
        });
    this.webhooks = new SqliteWebhooks(this.db, this.writer);
  }

  /** Opens the store and waits until its writer thread takes writes (a start-up failure throws). */
  static async open(file: string, options: StoreOptions = DEFAULT_STORE_OPTIONS): Promise<SqliteStore> {
    const store = new SqliteStore(file, options);
    try {
      await store.writer.ready();
      return store;
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  async ping(): Promise<void> {
    if (this.writer.failure) throw this.writer.failure;
    this.stmt.ping.get();
  }

  /** Write batches committed and the writes they held, since the store opened. */
  writeStats(): { batches: number; writes: number } {
    return this.writer.stats;
  }

  async close(): Promise<void> {
    await this.writer.close();
    if (this.db.open) this.db.close();
  }

  rememberUser(user: { id: string; name: string }): Promise<void> {
    return this.writer.run('rememberUser', user);
  }

  setLastSeen(userId: string, at: string): Promise<void> {
    return this.writer.run('setLastSeen', userId, at);
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

  markRead(roomId: string, userId: string, seq: number): Promise<ReadPosition | null> {
    return this.writer.run('markRead', roomId, userId, seq);
  }

  createRoom(room: NewRoom, members: NewMember[]): Promise<void> {
    return this.writer.run('createRoom', room, members);
  }

  async getRoom(roomId: string, viewerId: string): Promise<Room | null> {
    const row = this.stmt.getRoom.get({ id: roomId, viewer: viewerId, now: new Date().toISOString() });
    return row ? toRoom(row) : null;
  }

  /** `muted_until` as stored, a past time included: the caller compares it with its own now. */
  async roomAccess(roomId: string, userId: string): Promise<RoomAccess | null> {
    const row = this.stmt.roomAccess.get(userId, userId, roomId);
    return row
      ? {
          is_private: row.is_private === 1,
          role: row.role,
          is_dm: row.is_dm === 1,
          muted_until: row.muted_until,
        }
      : null;
  }

  async listRooms(viewerId: string, page?: PageQuery): Promise<Room[]> {
    return this.stmt.listRooms
      .all({
        viewer: viewerId,
        now: new Date().toISOString(),
        after_at: page?.after?.at ?? null,
        after_id: page?.after?.id ?? null,
        limit: page?.limit ?? -1,
      })
      .map(toRoom);
  }

  async listMembers(roomId: string, page?: PageQuery): Promise<StoredMember[]> {
    return this.stmt.listMembers.all({
      room_id: roomId,
      after_at: page?.after?.at ?? null,
      after_id: page?.after?.id ?? null,
      limit: page?.limit ?? -1,
    });
  }

  async getMember(roomId: string, userId: string): Promise<StoredMember | null> {
    return this.stmt.getMember.get(roomId, userId) ?? null;
  }

  addMembers(roomId: string, members: NewMember[]): Promise<StoredMember[]> {
    return this.writer.run('addMembers', roomId, members);
  }

  addInvites(roomId: string, userIds: readonly string[], invitedBy: string, at: string): Promise<string[]> {
    return this.writer.run('addInvites', roomId, userIds, invitedBy, at);
  }

  async hasInvite(roomId: string, userId: string): Promise<boolean> {
    return this.invites.has(roomId, userId);
  }

  acceptInvite(roomId: string, member: NewMember): Promise<StoredMember | null> {
    return this.writer.run('acceptInvite', roomId, member);
  }

  declineInvite(roomId: string, userId: string): Promise<boolean> {
    return this.writer.run('declineInvite', roomId, userId);
  }

  async listInvites(userId: string, page: PageQuery): Promise<Invite[]> {
    return this.invites.list(userId, page);
  }

  removeMember(roomId: string, userId: string): Promise<RemovedMember> {
    return this.writer.run('removeMember', roomId, userId);
  }

  async roomIdsOf(userId: string): Promise<string[]> {
    return this.stmt.roomIdsOf.all(userId).map((r) => r.room_id);
  }

  insertMessage(message: NewMessage): Promise<InsertedMessage> {
    return this.writer.run('insertMessage', message);
  }

  async getMessage(messageId: string): Promise<Message | null> {
    const row = this.stmt.getMessage.get(messageId);
    return row ? hydrate(row, this.reactionsFor) : null;
  }

  editMessage(
    messageId: string,
    content: string,
    editedAt: string,
    mentions: readonly string[],
  ): Promise<Message | null> {
    return this.writer.run('editMessage', messageId, content, editedAt, mentions);
  }

  deleteMessage(messageId: string): Promise<Message | null> {
    return this.writer.run('deleteMessage', messageId);
  }

  addReaction(
    messageId: string,
    userId: string,
    emoji: string,
    at: string,
    caps: ReactionCaps,
  ): Promise<AddReactionOutcome> {
    return this.writer.run('addReaction', messageId, userId, emoji, at, caps);
  }

  removeReaction(messageId: string, userId: string, emoji: string): Promise<boolean> {
    return this.writer.run('removeReaction', messageId, userId, emoji);
  }

  async reactionsOf(messageId: string): Promise<Reaction[]> {
    return this.reactionsFor([messageId]).get(messageId) ?? [];
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

  async listChanges(roomId: string, afterVersion: number, limit: number): Promise<ChangesPage> {
    // One read transaction: the room's version and the rows are of the same moment.
    return this.db.transaction((): ChangesPage => {
      const room_version = this.stmt.roomVersion.get(roomId)?.last_version ?? 0;
      const rows = this.stmt.changes.all(roomId, afterVersion, limit + 1);
      const has_more = rows.length > limit;
      const page = rows.slice(0, limit);
      const reactions = this.reactionsFor(page.map((r) => r.id));
      return {
        changes: page.map((r) => ({ version: r.version, message: toMessage(r, reactions.get(r.id) ?? []) })),
        has_more,
        room_version,
      };
    })();
  }

  async readOutbox(afterId: number, limit: number): Promise<OutboxEntry[]> {
    return this.stmt.outbox.all(afterId, limit);
  }

  // Direct messages, mentions, search, moderation, pins: reads in ./sqlite-conversations.ts,
  // writes in ./sqlite-conversation-writes.ts (through the writer).

  openDirectRoom(room: NewDirectRoom): Promise<{ room_id: string; created: boolean }> {
    return this.writer.run('openDirectRoom', room);
  }

  async membersAmong(roomId: string, userIds: readonly string[]): Promise<string[]> {
    return this.conversations.membersAmong(roomId, userIds);
  }

  async listMentions(userId: string, page: PageQuery): Promise<Message[]> {
    return this.conversations.listMentions(userId, page);
  }

  async searchMessages(query: SearchQuery): Promise<SearchHit[]> {
    return this.conversations.search(query);
  }

  moderate(action: NewModerationAction): Promise<ModerationEvent | null> {
    return this.writer.run('moderate', action);
  }

  async isBanned(roomId: string, userId: string): Promise<boolean> {
    return this.conversations.isBanned(roomId, userId);
  }

  async getModerationAction(id: number): Promise<ModerationEvent | null> {
    return this.conversations.getModerationAction(id);
  }

  pinMessage(messageId: string, by: string, at: string, maxPins: number): Promise<PinOutcome> {
    return this.writer.run('pinMessage', messageId, by, at, maxPins);
  }

  unpinMessage(messageId: string): Promise<boolean> {
    return this.writer.run('unpinMessage', messageId);
  }

  async listPins(roomId: string): Promise<Message[]> {
    return this.conversations.listPins(roomId);
  }
}

const READ_CACHE_KIB = 64 * 1024;

/** The reading statements; the writing ones are the writer's (./sqlite-writes.ts). */
function prepare(db: Database.Database) {
  return {
    ping: db.prepare('SELECT 1'),
    roomVersion: db.prepare<[string], { last_version: number }>(
      'SELECT last_version FROM rooms WHERE id = ?',
    ),
    changes: db.prepare<[string, number, number], MessageRow & { version: number }>(
      'SELECT * FROM messages WHERE room_id = ? AND version > ? ORDER BY version LIMIT ?',
    ),
    outbox: db.prepare<[number, number], OutboxEntry>(
      `SELECT id, room_id, version, type, message_id, user_id, action_id, created_at FROM outbox
       WHERE id > ? ORDER BY id LIMIT ?`,
    ),
    getRoom: db.prepare<{ id: string; viewer: string; now: string }, RoomRow>(
      `SELECT ${ROOM_COLUMNS} WHERE r.id = @id`,
    ),
    roomAccess: db.prepare<
      [string, string, string],
      { is_private: 0 | 1; role: MemberRole | null; is_dm: 0 | 1; muted_until: string | null }
    >(
      `SELECT r.is_private, m.role, r.dm_key IS NOT NULL AS is_dm,
         (SELECT u.muted_until FROM room_mutes u WHERE u.room_id = r.id AND u.user_id = ?) AS muted_until
       FROM rooms r
       LEFT JOIN room_members m ON m.room_id = r.id AND m.user_id = ?
       WHERE r.id = ?`,
    ),
    // A negative LIMIT is no limit (a call without a page).
    listRooms: db.prepare<
      { viewer: string; now: string; after_at: string | null; after_id: string | null; limit: number },
      RoomRow
    >(
      `SELECT ${ROOM_COLUMNS} WHERE (r.is_private = 0 OR v.user_id IS NOT NULL)
         AND (@after_at IS NULL OR (r.created_at, r.id) > (@after_at, @after_id))
       ORDER BY r.created_at, r.id LIMIT @limit`,
    ),
    // A negative LIMIT is no limit (a call without a page).
    listMembers: db.prepare<
      { room_id: string; after_at: string | null; after_id: string | null; limit: number },
      StoredMember
    >(
      `SELECT ${MEMBER_COLUMNS} WHERE m.room_id = @room_id
         AND (@after_at IS NULL OR (m.joined_at, m.user_id) > (@after_at, @after_id))
       ORDER BY m.joined_at, m.user_id LIMIT @limit`,
    ),
    getMember: db.prepare<[string, string], StoredMember>(
      `SELECT ${MEMBER_COLUMNS} WHERE m.room_id = ? AND m.user_id = ?`,
    ),
    readPositions: db.prepare<[string], { user_id: string; last_read_seq: number }>(
      'SELECT user_id, last_read_seq FROM room_members WHERE room_id = ?',
    ),
    roomIdsOf: db.prepare<[string], { room_id: string }>(
      'SELECT room_id FROM room_members WHERE user_id = ?',
    ),
    getMessage: db.prepare<[string], MessageRow>('SELECT * FROM messages WHERE id = ?'),
    getUsers: db.prepare<[string], StoredUser>(
      'SELECT user_id, username, last_seen FROM users WHERE user_id IN (SELECT value FROM json_each(?))',
    ),
    sharing: db.prepare<[string, string], { user_id: string }>(
      `SELECT DISTINCT other.user_id FROM room_members mine
       JOIN room_members other ON other.room_id = mine.room_id
       WHERE mine.user_id = ? AND other.user_id IN (SELECT value FROM json_each(?))`,
    ),
  };
}
