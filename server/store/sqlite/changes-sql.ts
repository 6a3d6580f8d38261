/**
 * Migration 5: every change to a room's messages takes the room's next `version` (gap-free per
 * room), and every change webhooks announce is appended to the outbox, both by triggers, so they
 * happen in the transaction of the change whichever write made it. A message's row keeps the
 * version of its latest change: the change feed reads the rows whose version is past a client's,
 * which gives each changed message once, in its latest state.
 *
 * - A new message, an edit, a deletion and a reply count change bump the message itself; a
 *   reaction added or taken back bumps the message it is on. Reactions dropped with a deleted
 *   message do not count: the deletion did.
 * - Existing messages get their seq as version (seqs are gap-free per room), so the feed of a
 *   database older than this migration starts where its history does.
 * - The outbox names the change (type, message or user, version); what a delivery carries is read
 *   when it is delivered. Joins and leaves are there too, without a version: they are not changes
 *   to messages.
 * - With recursive triggers off (SQLite's default), a trigger's own updates fire no trigger.
 */
export const CHANGES_SQL = `
  ALTER TABLE rooms ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
  UPDATE messages SET version = seq;
  UPDATE rooms SET last_version = last_seq;
  CREATE INDEX messages_by_room_version ON messages (room_id, version);

  CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id    TEXT NOT NULL,
    version    INTEGER,
    type       TEXT NOT NULL CHECK (type IN ('message.new', 'message.updated', 'message.deleted',
                                             'reaction.updated', 'member.joined', 'member.left')),
    message_id TEXT,
    user_id    TEXT,
    created_at TEXT NOT NULL
  );

  CREATE TRIGGER messages_inserted AFTER INSERT ON messages BEGIN
    UPDATE rooms SET last_version = last_version + 1 WHERE id = NEW.room_id;
    UPDATE messages SET version = (SELECT last_version FROM rooms WHERE id = NEW.room_id) WHERE id = NEW.id;
    INSERT INTO outbox (room_id, version, type, message_id, created_at)
      SELECT NEW.room_id, last_version, 'message.new', NEW.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
      FROM rooms WHERE id = NEW.room_id;
  END;

  CREATE TRIGGER messages_changed AFTER UPDATE OF content, edited_at, deleted, reply_count ON messages
  WHEN OLD.content IS NOT NEW.content OR OLD.edited_at IS NOT NEW.edited_at
    OR OLD.deleted IS NOT NEW.deleted OR OLD.reply_count IS NOT NEW.reply_count
  BEGIN
    UPDATE rooms SET last_version = last_version + 1 WHERE id = NEW.room_id;
    UPDATE messages SET version = (SELECT last_version FROM rooms WHERE id = NEW.room_id) WHERE id = NEW.id;
    INSERT INTO outbox (room_id, version, type, message_id, created_at)
      SELECT NEW.room_id, last_version,
             CASE WHEN NEW.deleted = 1 AND OLD.deleted = 0 THEN 'message.deleted' ELSE 'message.updated' END,
             NEW.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
      FROM rooms WHERE id = NEW.room_id;
  END;

  CREATE TRIGGER reaction_added AFTER INSERT ON reactions
  WHEN (SELECT deleted FROM messages WHERE id = NEW.message_id) = 0
  BEGIN
    UPDATE rooms SET last_version = last_version + 1
      WHERE id = (SELECT room_id FROM messages WHERE id = NEW.message_id);
    UPDATE messages SET version = (SELECT last_version FROM rooms WHERE id = messages.room_id)
      WHERE id = NEW.message_id;
    INSERT INTO outbox (room_id, version, type, message_id, created_at)
      SELECT room_id, version, 'reaction.updated', id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
      FROM messages WHERE id = NEW.message_id;
  END;

  CREATE TRIGGER reaction_removed AFTER DELETE ON reactions
  WHEN (SELECT deleted FROM messages WHERE id = OLD.message_id) = 0
  BEGIN
    UPDATE rooms SET last_version = last_version + 1
      WHERE id = (SELECT room_id FROM messages WHERE id = OLD.message_id);
    UPDATE messages SET version = (SELECT last_version FROM rooms WHERE id = messages.room_id)
      WHERE id = OLD.message_id;
    INSERT INTO outbox (room_id, version, type, message_id, created_at)
      SELECT room_id, version, 'reaction.updated', id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
      FROM messages WHERE id = OLD.message_id;
  END;

  CREATE TRIGGER member_joined AFTER INSERT ON room_members BEGIN
    INSERT INTO outbox (room_id, type, user_id, created_at)
      VALUES (NEW.room_id, 'member.joined', NEW.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
  END;

  CREATE TRIGGER member_left AFTER DELETE ON room_members BEGIN
    INSERT INTO outbox (room_id, type, user_id, created_at)
      VALUES (OLD.room_id, 'member.left', OLD.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
  END;
`;
