import type { Room } from '../../../shared/schemas/objects';

/**
 * Rows as the pool's type parsers return them (see pool.ts: BIGINT as number, TIMESTAMPTZ as an
 * ISO 8601 string), and their mapping to the wire objects.
 */

export interface RoomRow {
  id: string;
  name: string;
  description: string | null;
  is_private: boolean;
  created_by: string;
  created_at: string;
  last_seq: number;
  member_count: number;
  viewer_last_read: number | null;
}

export { toMessage, type MessageRow } from '../message-row';

/** A room as viewer `$1` sees it; `$2`… are the caller's, for its WHERE. */
export const ROOM_SELECT = `
  SELECT r.id, r.name, r.description, r.is_private, r.created_by, r.created_at, r.last_seq,
    (SELECT COUNT(*) FROM room_members c WHERE c.room_id = r.id) AS member_count,
    v.last_read_seq AS viewer_last_read
  FROM rooms r LEFT JOIN room_members v ON v.room_id = r.id AND v.user_id = $1`;

/** Members with their latest remembered name, or their id when never seen. */
export const MEMBER_SELECT = `
  SELECT m.user_id, COALESCE(u.username, m.user_id) AS username, m.role, m.joined_at
  FROM room_members m LEFT JOIN users u ON u.user_id = m.user_id`;

export function toRoom(row: RoomRow): Room {
  const isMember = row.viewer_last_read !== null;
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    is_private: row.is_private,
    created_by: row.created_by,
    created_at: row.created_at,
    member_count: row.member_count,
    is_member: isMember,
    last_read_seq: row.viewer_last_read,
    unread_count: isMember ? Math.max(0, row.last_seq - (row.viewer_last_read ?? 0)) : 0,
    last_message_seq: row.last_seq,
  };
}
