import type pg from 'pg';
import type { HistoryPage, Message, Reaction } from '../../../shared/schemas/objects';
import { aggregateReactions, type ReactionRow } from '../aggregate-reactions';
import type {
  AddReactionOutcome,
  ChangesPage,
  HistoryQuery,
  InsertedMessage,
  NewMessage,
  ReactionCaps,
} from '../types';
import { inTransaction, type Queryable } from './pool';
import { MESSAGE_COLUMNS, messageColumns, toMessage, type MessageRow } from './rows';

/**
 * Messages and their reactions: the queries behind PostgresStore's message methods. `shown` is the
 * store's `reactionUsersShown`: how many user ids each reaction lists.
 */

/** Thrown inside the insert transaction to roll it back (and with it the seq it took). */
class RepeatedClientId extends Error {}

export async function insertMessage(pool: pg.Pool, m: NewMessage, shown: number): Promise<InsertedMessage> {
  // A retry usually comes after its original committed: answer it without taking a lock.
  const earlier = await storedRepeat(pool, m, shown);
  if (earlier) return earlier;
  try {
    return await inTransaction(pool, async (tx) => {
      // The row lock on the room, held to COMMIT, orders every insert into this room on every
      // node: each takes last_seq + 1 after the previous one committed, so seqs have no gap
      // (a failed insert rolls its increment back) and no duplicate (also a unique index).
      const next = await tx.query<{ last_seq: number }>(
        'UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq',
        [m.room_id],
      );
      const seq = next.rows[0]?.last_seq;
      if (seq === undefined) throw new Error(`room ${m.room_id} does not exist`);
      const inserted = await tx.query<MessageRow>(
        `INSERT INTO messages (id, room_id, seq, user_id, username, content, message_type, parent_id,
           client_id, created_at, mentions)
         -- No mentions given (a caller older than them) is none, as in chat_write_batch.
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, COALESCE($11::text[], '{}'))
         ON CONFLICT (room_id, user_id, client_id) WHERE client_id IS NOT NULL DO NOTHING
         RETURNING ${MESSAGE_COLUMNS}`,
        [
          m.id,
          m.room_id,
          seq,
          m.user_id,
          m.username,
          m.content,
          m.message_type,
          m.parent_id,
          m.client_id,
          m.timestamp,
          m.mentions,
        ],
      );
      const row = inserted.rows[0];
      // The same client_id committed while this one waited for the lock.
      if (!row) throw new RepeatedClientId();
      let parent: Message | null = null;
      if (m.parent_id !== null) {
        const bumped = await tx.query<MessageRow>(
          `UPDATE messages SET reply_count = reply_count + 1 WHERE id = $1 RETURNING ${MESSAGE_COLUMNS}`,
          [m.parent_id],
        );
        const parentRow = bumped.rows[0];
        if (parentRow) parent = await hydrate(tx, parentRow, shown);
      }
      await tx.query(
        `UPDATE room_members SET last_read_seq = GREATEST(last_read_seq, $1)
         WHERE room_id = $2 AND user_id = $3`,
        [seq, m.room_id, m.user_id],
      );
      return { message: toMessage(row, []), created: true, parent };
    });
  } catch (err) {
    if (!(err instanceof RepeatedClientId)) throw err;
    const stored = await storedRepeat(pool, m, shown);
    if (!stored) throw new Error('client_id conflict without a stored message');
    return stored;
  }
}

/** The message stored earlier under the same (room, user, client_id), as a repeat's answer. */
async function storedRepeat(db: Queryable, m: NewMessage, shown: number): Promise<InsertedMessage | null> {
  if (m.client_id === null) return null;
  const found = await db.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE room_id = $1 AND user_id = $2 AND client_id = $3`,
    [m.room_id, m.user_id, m.client_id],
  );
  const row = found.rows[0];
  return row ? { message: await hydrate(db, row, shown), created: false, parent: null } : null;
}

export async function getMessage(db: Queryable, messageId: string, shown: number): Promise<Message | null> {
  const row = (
    await db.query<MessageRow>(`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE id = $1`, [messageId])
  ).rows[0];
  return row ? hydrate(db, row, shown) : null;
}

export async function listMessages(db: Queryable, q: HistoryQuery, shown: number): Promise<HistoryPage> {
  const values: unknown[] = [q.room_id];
  const where = ['room_id = $1'];
  const condition = (sql: string, value: unknown): void => {
    values.push(value);
    where.push(`${sql} $${values.length}`);
  };
  if (q.parent_id !== null) condition('parent_id =', q.parent_id);
  if (q.before_seq !== null) condition('seq <', q.before_seq);
  if (q.after_seq !== null) condition('seq >', q.after_seq);
  values.push(q.limit + 1);
  // Forward from after_seq (oldest first); otherwise the newest page, read backwards.
  const forward = q.after_seq !== null;
  const rows = (
    await db.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages WHERE ${where.join(' AND ')}
       ORDER BY seq ${forward ? 'ASC' : 'DESC'} LIMIT $${values.length}`,
      values,
    )
  ).rows;
  const has_more = rows.length > q.limit;
  const page = rows.slice(0, q.limit);
  if (!forward) page.reverse();
  const reactions = await reactionsFor(
    db,
    page.map((r) => r.id),
    shown,
  );
  return { messages: page.map((r) => toMessage(r, reactions.get(r.id) ?? [])), has_more };
}

/** One statement, so the room's version and the rows are of the same moment. */
export async function listChanges(
  db: Queryable,
  roomId: string,
  afterVersion: number,
  limit: number,
  shown: number,
): Promise<ChangesPage> {
  const { rows } = await db.query<{ room_version: number } & Partial<MessageRow & { version: number }>>(
    `SELECT r.last_version AS room_version, ${messageColumns('m')} FROM rooms r
     LEFT JOIN LATERAL (
       SELECT ${MESSAGE_COLUMNS} FROM messages WHERE room_id = r.id AND version > $2 ORDER BY version LIMIT $3
     ) m ON TRUE
     WHERE r.id = $1`,
    [roomId, afterVersion, limit + 1],
  );
  const found = rows.filter(
    (r): r is { room_version: number } & MessageRow & { version: number } =>
      r.id !== null && r.id !== undefined,
  );
  const page = found.slice(0, limit);
  const reactions = await reactionsFor(
    db,
    page.map((r) => r.id),
    shown,
  );
  return {
    changes: page.map((r) => ({ version: r.version, message: toMessage(r, reactions.get(r.id) ?? []) })),
    has_more: found.length > limit,
    room_version: rows[0]?.room_version ?? 0,
  };
}

/**
 * Locks the row of the message's room. Every change to a message takes the room's next version
 * (changes-sql.ts), which locks that row; inserts lock it before their parent's row, so every
 * other change locks it first too: taken in the other order, the two could deadlock.
 */
export async function lockRoomOf(tx: Queryable, messageId: string): Promise<void> {
  await tx.query(
    'SELECT 1 FROM rooms WHERE id = (SELECT room_id FROM messages WHERE id = $1) FOR NO KEY UPDATE',
    [messageId],
  );
}

/** The content and its mentions replaced (the mention rows follow by trigger: conversations-sql.ts). */
export async function editMessage(
  pool: pg.Pool,
  messageId: string,
  content: string,
  editedAt: string,
  mentions: readonly string[],
  shown: number,
): Promise<Message | null> {
  return inTransaction(pool, async (tx) => {
    await lockRoomOf(tx, messageId);
    const row = (
      await tx.query<MessageRow>(
        `UPDATE messages SET content = $1, edited_at = $2, mentions = $4
         WHERE id = $3 AND NOT deleted RETURNING ${MESSAGE_COLUMNS}`,
        [content, editedAt, messageId, mentions],
      )
    ).rows[0];
    return row ? hydrate(tx, row, shown) : null;
  });
}

/**
 * The tombstone: content, mentions (and so their rows) and pin gone in the one update, which is
 * the one change (one version, 'message.deleted'); the search vector empties with `deleted`.
 */
export async function deleteMessage(pool: pg.Pool, messageId: string): Promise<Message | null> {
  return inTransaction(pool, async (tx) => {
    await lockRoomOf(tx, messageId);
    const row = (
      await tx.query<MessageRow>(
        `UPDATE messages SET content = '', deleted = TRUE, mentions = '{}', pinned_at = NULL, pinned_by = NULL
         WHERE id = $1 RETURNING ${MESSAGE_COLUMNS}`,
        [messageId],
      )
    ).rows[0];
    if (!row) return null;
    await tx.query('DELETE FROM reactions WHERE message_id = $1', [messageId]);
    return toMessage(row, []);
  });
}

export async function addReaction(
  pool: pg.Pool,
  messageId: string,
  userId: string,
  emoji: string,
  at: string,
  caps: ReactionCaps,
): Promise<AddReactionOutcome> {
  return inTransaction(pool, async (tx): Promise<AddReactionOutcome> => {
    // The message's row lock makes adds to one message take turns on every node: each sees every
    // reaction committed before it, so an emoji's rank (its place by first use) is computed as in
    // SQLite, and the caps' counts cannot be overtaken between the check and the insert.
    await lockRoomOf(tx, messageId);
    await tx.query('SELECT 1 FROM messages WHERE id = $1 FOR NO KEY UPDATE', [messageId]);
    const added = await tx.query(
      `INSERT INTO reactions (message_id, user_id, emoji, created_at, emoji_rank)
       SELECT $1, $2, $3, $4, COALESCE(
         (SELECT emoji_rank FROM reactions WHERE message_id = $1 AND emoji = $3 LIMIT 1),
         (SELECT COALESCE(MAX(emoji_rank), 0) + 1 FROM reactions WHERE message_id = $1))
       WHERE (SELECT COUNT(*) FROM reactions WHERE message_id = $1 AND user_id = $2) < $6
         AND (EXISTS (SELECT 1 FROM reactions WHERE message_id = $1 AND emoji = $3)
              OR (SELECT COUNT(DISTINCT emoji) FROM reactions WHERE message_id = $1) < $5)
       ON CONFLICT (message_id, emoji, user_id) DO NOTHING`,
      [messageId, userId, emoji, at, caps.perMessage, caps.perUser],
    );
    if (added.rowCount === 1) return 'added';
    // Not added: explain why, from the state the lock still holds.
    const why = await tx.query<{ mine: number; has: boolean }>(
      `SELECT COUNT(*) AS mine, COALESCE(BOOL_OR(emoji = $3), FALSE) AS has
       FROM reactions WHERE message_id = $1 AND user_id = $2`,
      [messageId, userId, emoji],
    );
    const state = why.rows[0];
    if (state?.has) return 'exists';
    return (state?.mine ?? 0) >= caps.perUser ? 'user_full' : 'message_full';
  });
}

export async function removeReaction(
  pool: pg.Pool,
  messageId: string,
  userId: string,
  emoji: string,
): Promise<boolean> {
  return inTransaction(pool, async (tx) => {
    // Takes turns with adds on the message's row lock: an add that met this row as a conflict
    // would otherwise find it gone when it looks for why nothing was inserted, and explain a
    // refusal by a cap that was never reached.
    await lockRoomOf(tx, messageId);
    await tx.query('SELECT 1 FROM messages WHERE id = $1 FOR NO KEY UPDATE', [messageId]);
    const removed = await tx.query(
      'DELETE FROM reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3',
      [messageId, userId, emoji],
    );
    return removed.rowCount === 1;
  });
}

export async function reactionsFor(
  db: Queryable,
  messageIds: readonly string[],
  shown: number,
): Promise<Map<string, Reaction[]>> {
  if (messageIds.length === 0) return new Map();
  const rows = await db.query<ReactionRow>(
    `SELECT message_id, emoji, user_id FROM reactions
     WHERE message_id = ANY($1::text[]) ORDER BY emoji_rank, id`,
    [messageIds],
  );
  return aggregateReactions(rows.rows, shown);
}

/** Rows as Messages, with their reactions read in one query. */
export async function hydrateAll(
  db: Queryable,
  rows: readonly MessageRow[],
  shown: number,
): Promise<Message[]> {
  const reactions = await reactionsFor(
    db,
    rows.map((r) => r.id),
    shown,
  );
  return rows.map((r) => toMessage(r, reactions.get(r.id) ?? []));
}

export async function hydrate(db: Queryable, row: MessageRow, shown: number): Promise<Message> {
  return toMessage(row, (await reactionsFor(db, [row.id], shown)).get(row.id) ?? []);
}
