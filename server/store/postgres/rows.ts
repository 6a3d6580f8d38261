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
  is_dm: boolean;
  unread_mentions: number;
  muted_until: string | null;
}

export { toMessage, type MessageRow } from '../message-row';

/**
 * The columns of a MessageRow, prefixed by `alias` when given (`m.id, m.room_id…`). Named rather
 * than `*`: a row also holds its search vector (conversations-sql.ts), which no reader needs and
 * which would double what every read transfers.
 */
export function messageColumns(alias?: string): string {
  const prefix = alias === undefined ? '' : `${alias}.`;
  return MESSAGE_COLUMN_NAMES.map((c) => prefix + c).join(', ');
}

const MESSAGE_COLUMN_NAMES = [
  'id',
  'room_id',
  'seq',
  'user_id',
  'username',
  'content',
  'message_type',
  'parent_id',
  'reply_count',
  'client_id',
  'created_at',
  'edited_at',
  'deleted',
  'version',
  'mentions',
  'pinned_at',
  'pinned_by',
] as const;

/** Every column of a message row, unprefixed: what a bare SELECT or RETURNING lists. */
export const MESSAGE_COLUMNS = messageColumns();

/** The columns of an OutboxEntry, as readOutbox and the webhook fan-out read them. */
export const OUTBOX_COLUMNS = 'id, room_id, version, type, message_id, user_id, action_id, created_at';

/**
 * A room as viewer `$1` sees it; `$2`… are the caller's, for its WHERE. Unread mentions are the
 * viewer's mention rows past their read position (a deleted message has none: see
 * conversations-sql.ts), by index; none for a non-member. The mute is the viewer's while it
 * lasts (by the database's clock), null once it has run out.
 */
export const ROOM_SELECT = `
  SELECT r.id, r.name, r.description, r.is_private, r.created_by, r.created_at, r.last_seq,
    (SELECT COUNT(*) FROM room_members c WHERE c.room_id = r.id) AS member_count,
    v.last_read_seq AS viewer_last_read,
    r.dm_key IS NOT NULL AS is_dm,
    CASE WHEN v.user_id IS NULL THEN 0 ELSE (
      SELECT COUNT(*) FROM mentions x WHERE x.user_id = $1 AND x.room_id = r.id AND x.seq > v.last_read_seq
    ) END AS unread_mentions,
    (SELECT mu.muted_until FROM room_mutes mu
     WHERE mu.room_id = r.id AND mu.user_id = $1 AND mu.muted_until > now()) AS muted_until
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
    is_dm: row.is_dm,
    unread_mentions: isMember ? row.unread_mentions : 0,
    muted_until: row.muted_until,
  };
}
