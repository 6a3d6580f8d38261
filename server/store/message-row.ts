import type { Message, Reaction } from '../../shared/schemas/objects';
import type { MessageType } from '../../shared/schemas/primitives';

/** A `messages` row as both stores read it, once each driver's own types are normalised. */
export interface MessageRow {
  id: string;
  room_id: string;
  seq: number;
  user_id: string;
  username: string;
  content: string;
  message_type: MessageType;
  parent_id: string | null;
  reply_count: number;
  client_id: string | null;
  created_at: string;
  edited_at: string | null;
  deleted: boolean;
  version: number;
  /** The mentioned member ids, as each store keeps them (a JSON array of strings). */
  mentions: readonly string[];
  pinned_at: string | null;
  pinned_by: string | null;
}

/** The wire Message for a stored row and its aggregated reactions. */
export function toMessage(row: MessageRow, reactions: Reaction[]): Message {
  return {
    id: row.id,
    room_id: row.room_id,
    seq: row.seq,
    user_id: row.user_id,
    username: row.username,
    content: row.content,
    message_type: row.message_type,
    parent_id: row.parent_id,
    reply_count: row.reply_count,
    reactions,
    client_id: row.client_id,
    timestamp: row.created_at,
    edited_at: row.edited_at,
    deleted: row.deleted,
    version: row.version,
    mentions: [...row.mentions],
    pinned_at: row.pinned_at,
    pinned_by: row.pinned_by,
  };
}
