import type pg from 'pg';
import type { NewDirectRoom } from '../conversation-types';
import { inTransaction, type Queryable } from './pool';

/**
 * Direct messages on PostgreSQL: the room of a pair, found by its `dm_key` (conversations-sql.ts).
 */

/** The pair's key: its ids in byte order (as the C collation compares them), joined by "\n". */
export function dmKey(userIds: readonly [string, string]): string {
  const [a, b] = userIds;
  return a < b ? `${a}\n${b}` : `${b}\n${a}`;
}

/**
 * Creates the pair's room with both members in one transaction, unless the pair has one. The
 * unique `dm_key` settles concurrent opens on any node: an insert that meets another's
 * uncommitted row waits for it, then does nothing once it committed; the SELECT that follows is a
 * new statement, whose snapshot (READ COMMITTED) sees that room.
 */
export async function openDirectRoom(
  pool: pg.Pool,
  room: NewDirectRoom,
): Promise<{ room_id: string; created: boolean }> {
  const key = dmKey(room.user_ids);
  return inTransaction(pool, async (tx) => {
    const made = await tx.query<{ id: string }>(
      `INSERT INTO rooms (id, name, description, is_private, created_by, created_at, dm_key)
       VALUES ($1, $2, NULL, TRUE, $3, $4, $5)
       ON CONFLICT (dm_key) DO NOTHING
       RETURNING id`,
      [room.id, room.name, room.created_by, room.created_at, key],
    );
    if (made.rows.length === 0) {
      const existing = await tx.query<{ id: string }>('SELECT id FROM rooms WHERE dm_key = $1', [key]);
      const id = existing.rows[0]?.id;
      if (id === undefined) throw new Error('a direct room conflicted on its pair but cannot be read');
      return { room_id: id, created: false };
    }
    // A new room: last_seq is 0, so are both read positions.
    await tx.query(
      `INSERT INTO room_members (room_id, user_id, role, joined_at, last_read_seq)
       SELECT $1, u, 'member', $2, 0 FROM unnest($3::text[]) AS u`,
      [room.id, room.created_at, [...new Set(room.user_ids)]],
    );
    return { room_id: room.id, created: true };
  });
}

/** Those of `userIds` who are members of the room, in the order given. */
export async function membersAmong(
  db: Queryable,
  roomId: string,
  userIds: readonly string[],
): Promise<string[]> {
  if (userIds.length === 0) return [];
  const found = await db.query<{ user_id: string }>(
    'SELECT user_id FROM room_members WHERE room_id = $1 AND user_id = ANY($2::text[])',
    [roomId, [...new Set(userIds)]],
  );
  const members = new Set(found.rows.map((r) => r.user_id));
  return userIds.filter((u) => members.has(u));
}
