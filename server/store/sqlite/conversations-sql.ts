/**
 * Migration 7: direct messages, mentions, moderation, pins and full-text search.
 *
 * - SQLite cannot alter a CHECK, so three tables are rebuilt (created anew, rows copied, the old
 *   one dropped, the new one renamed): room_members (role 'moderator'), outbox (type
 *   'member.moderated', column action_id) and webhook_deliveries (type 'member.moderated': it
 *   copies the outbox's types). Renaming a table makes SQLite re-check every trigger of the schema,
 *   and a trigger naming a table that is gone fails that check: so the triggers that write the
 *   outbox are dropped first (dropping room_members drops its own) and all made again at the end,
 *   messages_changed now also firing on mentions and pins.
 * - The outbox keeps its ids and its AUTOINCREMENT high mark (sqlite_sequence): an entry id is
 *   never handed out twice, even one already taken off the outbox by the webhook dispatcher.
 * - rooms.dm_key: the pair of a direct message, its two user ids sorted and joined by "\n" (ids
 *   never hold one); unique, so concurrent opens of one pair make one room. NULL otherwise.
 * - messages.mentions: the JSON array the Message carries; message_mentions: one row per mentioned
 *   user, kept by triggers from that column (insert, change), so every write path keeps both alike.
 *   A deleted message has no mentions (its write empties the column, the trigger the rows).
 * - message_search: FTS5 over each message's content, its rows keyed by message_search_docs.doc_id:
 *   messages has a TEXT primary key and its implicit rowid may change on VACUUM, the side table's
 *   INTEGER PRIMARY KEY does not. Doc ids grow with insertion, so the newest matches come first in
 *   descending rowid order (see sqlite-search.ts). Triggers keep it in the write's transaction:
 *   insert, content change, deletion (a tombstone leaves the index).
 *   The `scope` column holds two tokens that searches filter by without reading messages: the room
 *   (`r` + hex of its id + `0`: one token of letters and digits that no stemmer changes) and
 *   `public0` or `private0` (a room's privacy never changes). Every row has exactly two, so they
 *   shift no row's length against another's in bm25.
 */
export const CONVERSATIONS_SQL = `
  -- The triggers that write the outbox: made again below, once the tables are rebuilt.
  DROP TRIGGER messages_inserted;
  DROP TRIGGER messages_changed;
  DROP TRIGGER reaction_added;
  DROP TRIGGER reaction_removed;

  -- Roles: 'moderator' added.
  CREATE TABLE room_members_v7 (
    room_id       TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id       TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('owner', 'moderator', 'member')),
    joined_at     TEXT NOT NULL,
    last_read_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (room_id, user_id)
  );
  INSERT INTO room_members_v7 (room_id, user_id, role, joined_at, last_read_seq)
    SELECT room_id, user_id, role, joined_at, last_read_seq FROM room_members;
  DROP TABLE room_members;
  ALTER TABLE room_members_v7 RENAME TO room_members;
  CREATE INDEX room_members_by_user ON room_members (user_id);
  CREATE INDEX room_members_by_join ON room_members (room_id, joined_at, user_id);

  -- The outbox: 'member.moderated' and the moderation record it names.
  CREATE TABLE outbox_v7 (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id    TEXT NOT NULL,
    version    INTEGER,
    type       TEXT NOT NULL CHECK (type IN ('message.new', 'message.updated', 'message.deleted',
                                             'reaction.updated', 'member.joined', 'member.left',
                                             'member.moderated')),
    message_id TEXT,
    user_id    TEXT,
    action_id  INTEGER,
    created_at TEXT NOT NULL
  );
  INSERT INTO outbox_v7 (id, room_id, version, type, message_id, user_id, created_at)
    SELECT id, room_id, version, type, message_id, user_id, created_at FROM outbox ORDER BY id;
  -- The old table's high mark (at least every id copied), which DROP TABLE forgets and RENAME moves.
  DELETE FROM sqlite_sequence WHERE name = 'outbox_v7';
  INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox_v7', seq FROM sqlite_sequence WHERE name = 'outbox';
  DROP TABLE outbox;
  ALTER TABLE outbox_v7 RENAME TO outbox;

  -- Deliveries copy their entry's type.
  CREATE TABLE webhook_deliveries_v7 (
    id              TEXT PRIMARY KEY,
    webhook_id      TEXT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    outbox_id       INTEGER NOT NULL,
    room_id         TEXT NOT NULL,
    type            TEXT NOT NULL CHECK (type IN ('message.new', 'message.updated', 'message.deleted',
                                                  'reaction.updated', 'member.joined', 'member.left',
                                                  'member.moderated')),
    payload         TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    last_attempt_at TEXT,
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    TEXT,
    UNIQUE (webhook_id, outbox_id)
  );
  INSERT INTO webhook_deliveries_v7
    SELECT id, webhook_id, outbox_id, room_id, type, payload, created_at, status, attempts,
           next_attempt_at, last_attempt_at, last_status, last_error, delivered_at
    FROM webhook_deliveries;
  DROP TABLE webhook_deliveries;
  ALTER TABLE webhook_deliveries_v7 RENAME TO webhook_deliveries;
  CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (webhook_id, room_id, outbox_id)
    WHERE status = 'pending';

  -- Direct messages.
  ALTER TABLE rooms ADD COLUMN dm_key TEXT;
  CREATE UNIQUE INDEX rooms_by_dm_key ON rooms (dm_key);

  -- Mentions and pins on the message.
  ALTER TABLE messages ADD COLUMN mentions TEXT NOT NULL DEFAULT '[]';
  ALTER TABLE messages ADD COLUMN pinned_at TEXT;
  ALTER TABLE messages ADD COLUMN pinned_by TEXT;
  CREATE INDEX messages_pinned ON messages (room_id, pinned_at) WHERE pinned_at IS NOT NULL;

  CREATE TABLE message_mentions (
    message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    room_id    TEXT NOT NULL,
    seq        INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (message_id, user_id)
  );
  -- A user's mentions newest first (listMentions), and their unread ones per room (Room).
  CREATE INDEX message_mentions_by_user ON message_mentions (user_id, created_at, message_id);
  CREATE INDEX message_mentions_unread ON message_mentions (user_id, room_id, seq);

  -- Moderation. A mute outlives the membership (a leave and a rejoin do not lift it).
  CREATE TABLE room_bans (
    room_id   TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id   TEXT NOT NULL,
    banned_by TEXT NOT NULL,
    banned_at TEXT NOT NULL,
    PRIMARY KEY (room_id, user_id)
  );
  CREATE TABLE room_mutes (
    room_id     TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL,
    muted_until TEXT NOT NULL,
    muted_by    TEXT NOT NULL,
    muted_at    TEXT NOT NULL,
    PRIMARY KEY (room_id, user_id)
  );
  -- AUTOINCREMENT: outbox entries name records by id, which must never point at another one.
  CREATE TABLE moderation_actions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    room_id     TEXT NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('promote', 'demote', 'remove', 'ban', 'unban', 'mute',
                                                'unmute')),
    user_id     TEXT NOT NULL,
    -- The target's name when it was done, so the record reads the same whenever it is read.
    username    TEXT NOT NULL,
    by_user_id  TEXT NOT NULL,
    muted_until TEXT,
    created_at  TEXT NOT NULL
  );

  -- Full-text search.
  -- The room (and whether it is public: a room's privacy never changes) and seq, none of which
  -- ever changes, are here so that searches filter by room and order equal ranks without reading
  -- messages or rooms.
  CREATE TABLE message_search_docs (
    doc_id     INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    room_id    TEXT NOT NULL,
    is_public  INTEGER NOT NULL,
    seq        INTEGER NOT NULL
  );
  CREATE VIRTUAL TABLE message_search USING fts5(
    content, scope, tokenize = 'porter unicode61 remove_diacritics 2'
  );
  -- Oldest first, so that doc ids follow time as they will for new messages.
  INSERT INTO message_search_docs (message_id, room_id, is_public, seq)
    SELECT m.id, m.room_id, 1 - r.is_private, m.seq FROM messages m JOIN rooms r ON r.id = m.room_id
    ORDER BY m.created_at, m.rowid;
  INSERT INTO message_search (rowid, content, scope)
    SELECT d.doc_id, m.content,
           'r' || lower(hex(d.room_id)) || '0 ' || CASE WHEN d.is_public = 1 THEN 'public0' ELSE 'private0' END
    FROM message_search_docs d JOIN messages m ON m.id = d.message_id
    WHERE m.deleted = 0
    ORDER BY d.doc_id;

  CREATE TRIGGER message_search_added AFTER INSERT ON messages BEGIN
    INSERT INTO message_search_docs (message_id, room_id, is_public, seq)
      SELECT NEW.id, NEW.room_id, 1 - is_private, NEW.seq FROM rooms WHERE id = NEW.room_id
      ON CONFLICT (message_id) DO NOTHING;
    INSERT INTO message_search (rowid, content, scope)
      SELECT doc_id, NEW.content,
             'r' || lower(hex(room_id)) || '0 ' || CASE WHEN is_public = 1 THEN 'public0' ELSE 'private0' END
      FROM message_search_docs WHERE message_id = NEW.id AND NEW.deleted = 0;
  END;

  CREATE TRIGGER message_search_changed AFTER UPDATE OF content, deleted ON messages
  WHEN OLD.content IS NOT NEW.content OR OLD.deleted IS NOT NEW.deleted
  BEGIN
    INSERT INTO message_search_docs (message_id, room_id, is_public, seq)
      SELECT NEW.id, NEW.room_id, 1 - is_private, NEW.seq FROM rooms WHERE id = NEW.room_id
      ON CONFLICT (message_id) DO NOTHING;
    DELETE FROM message_search
      WHERE rowid = (SELECT doc_id FROM message_search_docs WHERE message_id = NEW.id);
    INSERT INTO message_search (rowid, content, scope)
      SELECT doc_id, NEW.content,
             'r' || lower(hex(room_id)) || '0 ' || CASE WHEN is_public = 1 THEN 'public0' ELSE 'private0' END
      FROM message_search_docs WHERE message_id = NEW.id AND NEW.deleted = 0;
  END;

  CREATE TRIGGER message_search_removed AFTER DELETE ON messages BEGIN
    DELETE FROM message_search
      WHERE rowid = (SELECT doc_id FROM message_search_docs WHERE message_id = OLD.id);
    DELETE FROM message_search_docs WHERE message_id = OLD.id;
  END;

  CREATE TRIGGER message_mentions_added AFTER INSERT ON messages WHEN NEW.mentions <> '[]' BEGIN
    INSERT INTO message_mentions (message_id, user_id, room_id, seq, created_at)
      SELECT NEW.id, value, NEW.room_id, NEW.seq, NEW.created_at FROM json_each(NEW.mentions) WHERE true
      ON CONFLICT (message_id, user_id) DO NOTHING;
  END;

  CREATE TRIGGER message_mentions_changed AFTER UPDATE OF mentions ON messages
  WHEN OLD.mentions IS NOT NEW.mentions
  BEGIN
    DELETE FROM message_mentions WHERE message_id = NEW.id;
    INSERT INTO message_mentions (message_id, user_id, room_id, seq, created_at)
      SELECT NEW.id, value, NEW.room_id, NEW.seq, NEW.created_at FROM json_each(NEW.mentions) WHERE true
      ON CONFLICT (message_id, user_id) DO NOTHING;
  END;

  -- The versions and the outbox (as in migration 5; messages_changed also on mentions and pins).
  CREATE TRIGGER messages_inserted AFTER INSERT ON messages BEGIN
    UPDATE rooms SET last_version = last_version + 1 WHERE id = NEW.room_id;
    UPDATE messages SET version = (SELECT last_version FROM rooms WHERE id = NEW.room_id) WHERE id = NEW.id;
    INSERT INTO outbox (room_id, version, type, message_id, created_at)
      SELECT NEW.room_id, last_version, 'message.new', NEW.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
      FROM rooms WHERE id = NEW.room_id;
  END;

  CREATE TRIGGER messages_changed
  AFTER UPDATE OF content, edited_at, deleted, reply_count, mentions, pinned_at, pinned_by ON messages
  WHEN OLD.content IS NOT NEW.content OR OLD.edited_at IS NOT NEW.edited_at
    OR OLD.deleted IS NOT NEW.deleted OR OLD.reply_count IS NOT NEW.reply_count
    OR OLD.mentions IS NOT NEW.mentions OR OLD.pinned_at IS NOT NEW.pinned_at
    OR OLD.pinned_by IS NOT NEW.pinned_by
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
