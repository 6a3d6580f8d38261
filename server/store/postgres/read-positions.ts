import type { ReadPosition } from '../types';
import type { Queryable } from './pool';

/**
 * markRead on its own, outside a batch: what a rolled-back batch retries a read position with.
 * chat_write_batch (write-batch-sql.ts) runs the same two statements.
 */
export async function markReadAlone(
  db: Queryable,
  roomId: string,
  userId: string,
  seq: number,
): Promise<ReadPosition | null> {
  // One statement: under concurrent reads its condition is rechecked against the latest
  // position, so the position only ever moves forward.
  const moved = await db.query<{ last_read_seq: number; last_seq: number }>(
    `UPDATE room_members m SET last_read_seq = LEAST($3::bigint, r.last_seq)
     FROM rooms r
     WHERE r.id = m.room_id AND m.room_id = $1 AND m.user_id = $2
       AND LEAST($3::bigint, r.last_seq) > m.last_read_seq
     RETURNING m.last_read_seq, r.last_seq`,
    [roomId, userId, seq],
  );
  const row = moved.rows[0];
  if (row) return { last_read_seq: row.last_read_seq, last_message_seq: row.last_seq, changed: true };
  const current = await db.query<{ last_read_seq: number; last_seq: number }>(
    `SELECT m.last_read_seq, r.last_seq FROM room_members m JOIN rooms r ON r.id = m.room_id
     WHERE m.room_id = $1 AND m.user_id = $2`,
    [roomId, userId],
  );
  const now = current.rows[0];
  return now ? { last_read_seq: now.last_read_seq, last_message_seq: now.last_seq, changed: false } : null;
}
