import type pg from 'pg';
import type {
  HistoryPage,
  Invite,
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
  ReadPosition,
  ReactionCaps,
  RemovedMember,
  RoomAccess,
  StoredMember,
  StoredUser,
} from '../types';
import * as directRooms from './direct-rooms';
import { GroupCommit, type GroupCommitStats } from './group-commit';
import * as invites from './invites';
import * as mentions from './mentions';
import * as messages from './messages';
import * as moderation from './moderation';
import * as pins from './pins';
import * as search from './search';
import { migrate } from './migrations';
import {
  connectAlone,
  createPool,
  inTransaction,
  requestTimeoutMs,
  type PoolOptions,
  type Queryable,
} from './pool';
import { MEMBER_SELECT, OUTBOX_COLUMNS, ROOM_SELECT, toRoom, type RoomRow } from './rows';
import { PostgresWebhooks } from './webhooks';
import { postgresBatchWriter, type SettleOptions, type WriteDone, type WriteOp } from './write-batch';

/**
 * The most writes one batch carries. Its rooms stay locked while it runs (about 0.1 ms per write
 * in the database, measured), so a full batch holds them some 25 ms: under overload, batches stay
 * large enough to amortise the round trip and small enough not to stall other nodes' sends.
 */
const MAX_BATCH = 256;

/**
 * The networked store: PostgreSQL through a connection pool, for several nodes sharing one
 * database. Same semantics as the SQLite store (one test suite runs against both); where SQLite
 * serialises whole transactions, this one takes row locks: the room's row for seqs and ownership,
 * the message's row for reaction ranks and caps. The schema is the first one on the connection's
 * search_path (`public` unless the URL says `?options=-c search_path=...`).
 */
export class PostgresStore implements ChatStore {
  private closing: Promise<void> | undefined;
  /** The hot writes (insertMessage, markRead), committed in batches: see group-commit.ts. */
  private readonly writes: GroupCommit<WriteOp, WriteDone>;
  readonly webhooks: WebhookStore;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly options: StoreOptions,
    settling: SettleOptions,
  ) {
    this.writes = new GroupCommit(postgresBatchWriter(pool, options.reactionUsersShown, settling), {
      windowMs: options.writeWindowMs,
      maxBatch: MAX_BATCH,
    });
    this.webhooks = new PostgresWebhooks(pool);
  }

  /** Connects, and applies pending migrations before the first query; rejects when it cannot. */
  static async open(
    url: string,
    poolOptions: PoolOptions,
    options: StoreOptions = DEFAULT_STORE_OPTIONS,
  ): Promise<PostgresStore> {
    await migrate(url);
    return new PostgresStore(createPool(url, poolOptions), options, {
      settledAfterMs: requestTimeoutMs(url),
      connect: () => connectAlone(url),
    });
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /** Writes what is queued and waits for it to commit; then closes the pool. */
  async close(): Promise<void> {
    this.closing ??= this.writes.close().then(() => this.pool.end());
    return this.closing;
  }

  async rememberUser(user: { id: string; name: string }): Promise<void> {
    await this.pool.query(
      `INSERT INTO users (user_id, username) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET username = excluded.username
       WHERE users.username IS DISTINCT FROM excluded.username`,
      [user.id, user.name],
    );
  }

  async setLastSeen(userId: string, at: string): Promise<void> {
    await this.pool.query('UPDATE users SET last_seen = $1 WHERE user_id = $2', [at, userId]);
  }

  async getUsers(userIds: readonly string[]): Promise<StoredUser[]> {
    const found = await this.pool.query<StoredUser>(
      'SELECT user_id, username, last_seen FROM users WHERE user_id = ANY($1::text[])',
      [userIds],
    );
    return found.rows;
  }

  async usersSharingRoomWith(viewerId: string, userIds: readonly string[]): Promise<string[]> {
    const found = await this.pool.query<{ user_id: string }>(
      `SELECT DISTINCT other.user_id FROM room_members mine
       JOIN room_members other ON other.room_id = mine.room_id
       WHERE mine.user_id = $1 AND other.user_id = ANY($2::text[])`,
      [viewerId, userIds],
    );
    return found.rows.map((r) => r.user_id);
  }

  async createRoom(room: NewRoom, members: NewMember[]): Promise<void> {
    await inTransaction(this.pool, async (tx) => {
      await tx.query(
        `INSERT INTO rooms (id, name, description, is_private, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)`,
        [room.id, room.name, room.description, room.is_private, room.created_by, room.created_at],
      );
      await insertMembers(tx, room.id, members);
    });
  }

  async getRoom(roomId: string, viewerId: string): Promise<Room | null> {
    const found = await this.pool.query<RoomRow>(`${ROOM_SELECT} WHERE r.id = $2`, [viewerId, roomId]);
    const row = found.rows[0];
    return row ? toRoom(row) : null;
  }

  async listRooms(viewerId: string, page?: PageQuery): Promise<Room[]> {
    // LIMIT NULL is no limit (a call without a page).
    const found = await this.pool.query<RoomRow>(
      `${ROOM_SELECT} WHERE (NOT r.is_private OR v.user_id IS NOT NULL)
         AND ($2::timestamptz IS NULL OR (r.created_at, r.id) > ($2::timestamptz, $3::text))
       ORDER BY r.created_at, r.id LIMIT $4`,
      [viewerId, page?.after?.at ?? null, page?.after?.id ?? null, page?.limit ?? null],
    );
    return found.rows.map(toRoom);
  }

  async listMembers(roomId: string, page?: PageQuery): Promise<StoredMember[]> {
    const found = await this.pool.query<StoredMember>(
      `${MEMBER_SELECT} WHERE m.room_id = $1
         AND ($2::timestamptz IS NULL OR (m.joined_at, m.user_id) > ($2::timestamptz, $3::text))
       ORDER BY m.joined_at, m.user_id LIMIT $4`,
      [roomId, page?.after?.at ?? null, page?.after?.id ?? null, page?.limit ?? null],
    );
    return found.rows;
  }

  async getMember(roomId: string, userId: string): Promise<StoredMember | null> {
    const found = await this.pool.query<StoredMember>(
      `${MEMBER_SELECT} WHERE m.room_id = $1 AND m.user_id = $2`,
      [roomId, userId],
    );
    return found.rows[0] ?? null;
  }

  async roomAccess(roomId: string, userId: string): Promise<RoomAccess | null> {
    const found = await this.pool.query<RoomAccess>(
      `SELECT r.is_private, m.role, r.dm_key IS NOT NULL AS is_dm,
         (SELECT mu.muted_until FROM room_mutes mu WHERE mu.room_id = r.id AND mu.user_id = $2) AS muted_until
       FROM rooms r
       LEFT JOIN room_members m ON m.room_id = r.id AND m.user_id = $2
       WHERE r.id = $1`,
      [roomId, userId],
    );
    const row = found.rows[0];
    return row
      ? { is_private: row.is_private, role: row.role, is_dm: row.is_dm, muted_until: row.muted_until }
      : null;
  }

  async addMembers(roomId: string, members: NewMember[]): Promise<StoredMember[]> {
    return inTransaction(this.pool, async (tx) => {
      await lockRoom(tx, roomId);
      return insertMembers(tx, roomId, members);
    });
  }

  addInvites(roomId: string, userIds: readonly string[], invitedBy: string, at: string): Promise<string[]> {
    return inTransaction(this.pool, async (tx) => {
      await lockRoom(tx, roomId);
      return invites.addInvites(tx, roomId, userIds, invitedBy, at);
    });
  }

  hasInvite(roomId: string, userId: string): Promise<boolean> {
    return invites.hasInvite(this.pool, roomId, userId);
  }

  async acceptInvite(roomId: string, member: NewMember): Promise<StoredMember | null> {
    // The DELETE locks the invite's row: of two accepts at once, the second finds it gone. The
    // room's row first, as a ban takes them (room, then the invite it drops): no deadlock.
    return inTransaction(this.pool, async (tx) => {
      await lockRoom(tx, roomId);
      return (await invites.takeInvite(tx, roomId, member.user_id))
        ? ((await insertMembers(tx, roomId, [member]))[0] ?? null)
        : null;
    });
  }

  declineInvite(roomId: string, userId: string): Promise<boolean> {
    return invites.takeInvite(this.pool, roomId, userId);
  }

  listInvites(userId: string, page: PageQuery): Promise<Invite[]> {
    return invites.listInvites(this.pool, userId, page);
  }

  async removeMember(roomId: string, userId: string): Promise<RemovedMember> {
    return inTransaction(this.pool, async (tx): Promise<RemovedMember> => {
      // Leaves of one room take turns, so two owners leaving at once cannot both see the other
      // as the remaining owner and leave the room without one.
      await lockRoom(tx, roomId);
      const deleted = await tx.query<{ role: string }>(
        'DELETE FROM room_members WHERE room_id = $1 AND user_id = $2 RETURNING role',
        [roomId, userId],
      );
      const role = deleted.rows[0]?.role;
      if (role === undefined) return { removed: false, newOwnerId: null };
      if (role !== 'owner') return { removed: true, newOwnerId: null };
      const heir = await tx.query<{ user_id: string }>(
        `UPDATE room_members SET role = 'owner'
         WHERE room_id = $1 AND NOT EXISTS (
           SELECT 1 FROM room_members o WHERE o.room_id = $1 AND o.role = 'owner')
         AND user_id = (
           SELECT user_id FROM room_members WHERE room_id = $1 ORDER BY joined_at, user_id LIMIT 1)
         RETURNING user_id`,
        [roomId],
      );
      return { removed: true, newOwnerId: heir.rows[0]?.user_id ?? null };
    });
  }

  async roomIdsOf(userId: string): Promise<string[]> {
    const found = await this.pool.query<{ room_id: string }>(
      'SELECT room_id FROM room_members WHERE user_id = $1',
      [userId],
    );
    return found.rows.map((r) => r.room_id);
  }

  async memberReadPositions(roomId: string): Promise<{ user_id: string; last_read_seq: number }[]> {
    const found = await this.pool.query<{ user_id: string; last_read_seq: number }>(
      'SELECT user_id, last_read_seq FROM room_members WHERE room_id = $1',
      [roomId],
    );
    return found.rows;
  }

  async markRead(roomId: string, userId: string, seq: number): Promise<ReadPosition | null> {
    const done = await this.writes.submit({ kind: 'read', roomId, userId, seq });
    if (done.kind !== 'read') throw new Error('a read position answered as another write');
    return done.position;
  }

  async insertMessage(message: NewMessage): Promise<InsertedMessage> {
    const done = await this.writes.submit({ kind: 'insert', message });
    if (done.kind !== 'insert') throw new Error('a message insert answered as another write');
    return done.inserted;
  }

  /** How group commit has batched this store's writes so far (for tests and benchmarks). */
  get groupCommitStats(): Readonly<GroupCommitStats> {
    return this.writes.stats;
  }

  getMessage(messageId: string): Promise<Message | null> {
    return messages.getMessage(this.pool, messageId, this.options.reactionUsersShown);
  }

  listMessages(query: HistoryQuery): Promise<HistoryPage> {
    return messages.listMessages(this.pool, query, this.options.reactionUsersShown);
  }

  listChanges(roomId: string, afterVersion: number, limit: number): Promise<ChangesPage> {
    return messages.listChanges(this.pool, roomId, afterVersion, limit, this.options.reactionUsersShown);
  }

  async readOutbox(afterId: number, limit: number): Promise<OutboxEntry[]> {
    const { rows } = await this.pool.query<OutboxEntry>(
      `SELECT ${OUTBOX_COLUMNS} FROM outbox
       WHERE id > $1 ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    return rows;
  }

  editMessage(
    messageId: string,
    content: string,
    editedAt: string,
    mentioned: readonly string[],
  ): Promise<Message | null> {
    return messages.editMessage(
      this.pool,
      messageId,
      content,
      editedAt,
      mentioned,
      this.options.reactionUsersShown,
    );
  }

  deleteMessage(messageId: string): Promise<Message | null> {
    return messages.deleteMessage(this.pool, messageId);
  }

  addReaction(
    messageId: string,
    userId: string,
    emoji: string,
    at: string,
    caps: ReactionCaps,
  ): Promise<AddReactionOutcome> {
    return messages.addReaction(this.pool, messageId, userId, emoji, at, caps);
  }

  removeReaction(messageId: string, userId: string, emoji: string): Promise<boolean> {
    return messages.removeReaction(this.pool, messageId, userId, emoji);
  }

  async reactionsOf(messageId: string): Promise<Reaction[]> {
    const shown = this.options.reactionUsersShown;
    return (await messages.reactionsFor(this.pool, [messageId], shown)).get(messageId) ?? [];
  }

  openDirectRoom(room: NewDirectRoom): Promise<{ room_id: string; created: boolean }> {
    return directRooms.openDirectRoom(this.pool, room);
  }

  membersAmong(roomId: string, userIds: readonly string[]): Promise<string[]> {
    return directRooms.membersAmong(this.pool, roomId, userIds);
  }

  listMentions(userId: string, page: PageQuery): Promise<Message[]> {
    return mentions.listMentions(this.pool, userId, page, this.options.reactionUsersShown);
  }

  searchMessages(query: SearchQuery): Promise<SearchHit[]> {
    return search.searchMessages(this.pool, query, this.options.reactionUsersShown);
  }

  moderate(action: NewModerationAction): Promise<ModerationEvent | null> {
    return moderation.moderate(this.pool, action);
  }

  isBanned(roomId: string, userId: string): Promise<boolean> {
    return moderation.isBanned(this.pool, roomId, userId);
  }

  getModerationAction(id: number): Promise<ModerationEvent | null> {
    return moderation.getModerationAction(this.pool, id);
  }

  pinMessage(messageId: string, by: string, at: string, maxPins: number): Promise<PinOutcome> {
    return pins.pinMessage(this.pool, messageId, by, at, maxPins);
  }

  unpinMessage(messageId: string): Promise<boolean> {
    return pins.unpinMessage(this.pool, messageId);
  }

  listPins(roomId: string): Promise<Message[]> {
    return pins.listPins(this.pool, roomId, this.options.reactionUsersShown);
  }
}

/**
 * Locks the room's row to COMMIT: joins, invites, leaves and moderation of one room take turns
 * (moderation.ts). A statement that follows in the transaction reads with a snapshot taken after
 * the lock, so it sees a ban committed by whoever held the lock before.
 */
async function lockRoom(tx: Queryable, roomId: string): Promise<void> {
  await tx.query('SELECT 1 FROM rooms WHERE id = $1 FOR NO KEY UPDATE', [roomId]);
}

/**
 * Adds the users who are not members yet, read position at the room's last seq, in one statement;
 * answers those added, in the order given (a user listed twice counts once, as first listed).
 * A banned user is never added, whichever way they come (join, invite accepted); callers lock the
 * room first (lockRoom), so a ban committed before always wins.
 */
async function insertMembers(db: Queryable, roomId: string, members: NewMember[]): Promise<StoredMember[]> {
  const firsts: NewMember[] = [];
  const seen = new Set<string>();
  for (const m of members) {
    if (seen.has(m.user_id)) continue;
    seen.add(m.user_id);
    firsts.push(m);
  }
  if (firsts.length === 0) return [];
  const added = await db.query<StoredMember>(
    `WITH added AS (
       INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_seq)
       SELECT r.id, n.user_id, n.role, n.joined_at, r.last_seq
       FROM unnest($2::text[], $3::text[], $4::timestamptz[]) AS n(user_id, role, joined_at)
       JOIN rooms r ON r.id = $1
       WHERE NOT EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = $1 AND b.user_id = n.user_id)
       ON CONFLICT (room_id, user_id) DO NOTHING
       RETURNING user_id, role, joined_at)
     SELECT a.user_id, COALESCE(u.username, a.user_id) AS username, a.role, a.joined_at
     FROM added a LEFT JOIN users u ON u.user_id = a.user_id`,
    [roomId, firsts.map((m) => m.user_id), firsts.map((m) => m.role), firsts.map((m) => m.joined_at)],
  );
  const order = new Map(firsts.map((m, i) => [m.user_id, i]));
  return added.rows.sort((a, b) => (order.get(a.user_id) ?? 0) - (order.get(b.user_id) ?? 0));
}
