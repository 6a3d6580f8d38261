import type pg from 'pg';
import type { Message } from '../../../shared/schemas/objects';
import type { PinOutcome } from '../conversation-types';
import { hydrateAll, lockRoomOf } from './messages';
import { inTransaction, type Queryable } from './pool';
import { MESSAGE_COLUMNS, type MessageRow } from './rows';

/**
 * Pins: two columns of the message (conversations-sql.ts). Pinning and unpinning update the
 * message, so its trigger gives it the room's next version and a 'message.updated' entry; they
 * lock the room's row first, as every change to a message does (messages.ts), which also makes
 * the pins of one room take turns: the count and the pin are one atomic step on every node.
 */

export async function pinMessage(
  pool: pg.Pool,
  messageId: string,
  by: string,
  at: string,
  maxPins: number,
): Promise<PinOutcome> {
  return inTransaction(pool, async (tx): Promise<PinOutcome> => {
    await lockRoomOf(tx, messageId);
    const found = await tx.query<{ room_id: string; deleted: boolean; pinned: boolean }>(
      'SELECT room_id, deleted, pinned_at IS NOT NULL AS pinned FROM messages WHERE id = $1',
      [messageId],
    );
    const message = found.rows[0];
    if (!message || message.deleted) return 'missing';
    if (message.pinned) return 'already';
    const counted = await tx.query<{ n: number }>(
      'SELECT COUNT(*) AS n FROM messages WHERE room_id = $1 AND pinned_at IS NOT NULL',
      [message.room_id],
    );
    if ((counted.rows[0]?.n ?? 0) >= maxPins) return 'full';
    await tx.query('UPDATE messages SET pinned_at = $2, pinned_by = $3 WHERE id = $1', [messageId, at, by]);
    return 'pinned';
  });
}

export async function unpinMessage(pool: pg.Pool, messageId: string): Promise<boolean> {
  return inTransaction(pool, async (tx) => {
    await lockRoomOf(tx, messageId);
    const unpinned = await tx.query(
      `UPDATE messages SET pinned_at = NULL, pinned_by = NULL WHERE id = $1 AND pinned_at IS NOT NULL`,
      [messageId],
    );
    return unpinned.rowCount === 1;
  });
}

/** The most recently pinned first (then the newer message, so the order is total). */
export async function listPins(db: Queryable, roomId: string, shown: number): Promise<Message[]> {
  const found = await db.query<MessageRow>(
    `SELECT ${MESSAGE_COLUMNS} FROM messages
     WHERE room_id = $1 AND pinned_at IS NOT NULL
     ORDER BY pinned_at DESC, seq DESC`,
    [roomId],
  );
  return hydrateAll(db, found.rows, shown);
}
