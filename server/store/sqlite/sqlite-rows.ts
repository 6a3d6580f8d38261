import Database from 'better-sqlite3';
import type { Message, Reaction, Room } from '../../../shared/schemas/objects';
import { aggregateReactions, type ReactionRow } from '../aggregate-reactions';
import { toMessage as toStoredMessage, type MessageRow as StoredMessageRow } from '../message-row';

/** SQLite has no booleans: `deleted` is 0 or 1; `mentions` is the JSON text of an array of ids. */
export interface MessageRow extends Omit<StoredMessageRow, 'deleted' | 'mentions'> {
  deleted: 0 | 1;
  mentions: string;
}

export interface RoomRow {
  id: string;
  name: string;
  description: string | null;
  is_private: 0 | 1;
  created_by: string;
  created_at: string;
  last_seq: number;
  member_count: number;
  viewer_last_read: number | null;
  is_dm: 0 | 1;
  unread_mentions: number;
  muted_until: string | null;
}

/**
 * A room as `@viewer` sees it. Mention rows of deleted messages are gone (their write empties
 * them), so the unread ones are counted without reading messages; none for a non-member (NULL
 * read position). A mute that has run out reads as none (`@now`).
 */
export const ROOM_COLUMNS = `
  r.id, r.name, r.description, r.is_private, r.created_by, r.created_at, r.last_seq,
  (SELECT COUNT(*) FROM room_members c WHERE c.room_id = r.id) AS member_count,
  v.last_read_seq AS viewer_last_read,
  r.dm_key IS NOT NULL AS is_dm,
  (SELECT COUNT(*) FROM message_mentions x
   WHERE x.user_id = @viewer AND x.room_id = r.id AND x.seq > v.last_read_seq) AS unread_mentions,
  (SELECT u.muted_until FROM room_mutes u
   WHERE u.room_id = r.id AND u.user_id = @viewer AND u.muted_until > @now) AS muted_until
  FROM rooms r LEFT JOIN room_members v ON v.room_id = r.id AND v.user_id = @viewer`;

export const MEMBER_COLUMNS = `
  m.user_id, COALESCE(u.username, m.user_id) AS username, m.role, m.joined_at
  FROM room_members m LEFT JOIN users u ON u.user_id = m.user_id`;

export function toRoom(row: RoomRow): Room {
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
    is_dm: row.is_dm === 1,
    unread_mentions: isMember ? row.unread_mentions : 0,
    muted_until: row.muted_until,
  };
}

export function toMessage(row: MessageRow, reactions: Reaction[]): Message {
  return toStoredMessage(
    { ...row, deleted: row.deleted === 1, mentions: parseMentions(row.mentions) },
    reactions,
  );
}

/** The column as written by this store: a JSON array of user ids ('[]' when none). */
function parseMentions(text: string): string[] {
  if (text === '[]') return [];
  const parsed: unknown = JSON.parse(text);
  return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
}

/**
 * Reads the reactions of several messages in one statement, aggregated as every Message carries
 * them. Both the reading connection and the writer thread's connection use one.
 */
export function reactionReader(
  db: Database.Database,
  usersShown: number,
): (messageIds: readonly string[]) => Map<string, Reaction[]> {
  const statement = db.prepare<[string], ReactionRow>(
    `SELECT message_id, emoji, user_id FROM reactions
     WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY emoji_rank, id`,
  );
  return (messageIds) =>
    messageIds.length === 0
      ? new Map()
      : aggregateReactions(statement.all(JSON.stringify(messageIds)), usersShown);
}

/** The row as a Message with its current reactions. */
export function hydrate(
  row: MessageRow,
  reactionsFor: (messageIds: readonly string[]) => Map<string, Reaction[]>,
): Message {
  return toMessage(row, reactionsFor([row.id]).get(row.id) ?? []);
}

/**
 * Opens a connection with the settings every connection to the file shares. WAL lets the reading
 * connection go on while the writer commits; FULL makes each commit reach the disk before it is
 * acknowledged, so an acked message (and its seq) survives a power loss, as the contract's
 * "durably stored" requires.
 */
export function openConnection(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('wal_autocheckpoint = 10000');
  return db;
}
