/**
 * Migration 6: every change to a room's messages takes the room's next `version` (gap-free per
 * room), and every change webhooks announce is appended to the outbox, both by triggers, so they
 * happen in the transaction of the change whichever write made it (chat_write_batch included).
 * The same rules as the SQLite store's (server/store/sqlite/changes-sql.ts), which explains them.
 *
 * Locks: taking a version updates the room's row, so every change to a room's messages holds that
 * row to COMMIT, as inserts already did for seqs. Writes that change a message lock the room's row
 * before the message's (messages.ts), the order inserts take them in, so the two cannot deadlock.
 *
 * Joins and leaves lock the room's row too, before they take an outbox id: every entry of a room
 * is then appended under that row's lock, held to COMMIT, so a room's entries have ids in commit
 * order, which the webhook dispatcher relies on (it takes the outbox oldest id first and removes
 * what it took: an entry of the room committed later with a lower id would be delivered out of
 * order). A join locks it in a BEFORE trigger, ahead of the member's row (the room before its
 * rows, as everywhere); a leave's row is locked before any trigger runs, so removeMember locks the
 * room itself first (postgres-store.ts) and the trigger's lock is already held.
 */
export const CHANGES_SQL = `
  ALTER TABLE rooms ADD COLUMN last_version BIGINT NOT NULL DEFAULT 0;
  ALTER TABLE messages ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
  UPDATE messages SET version = seq;
  UPDATE rooms SET last_version = last_seq;
  CREATE INDEX messages_by_room_version ON messages (room_id, version);

  CREATE TABLE outbox (
    id         BIGSERIAL PRIMARY KEY,
    room_id    TEXT COLLATE "C" NOT NULL,
    version    BIGINT,
    type       TEXT NOT NULL CHECK (type IN ('message.new', 'message.updated', 'message.deleted',
                                             'reaction.updated', 'member.joined', 'member.left')),
    message_id TEXT COLLATE "C",
    user_id    TEXT COLLATE "C",
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
  );

  CREATE FUNCTION chat_next_version(room TEXT) RETURNS BIGINT LANGUAGE sql AS $$
    UPDATE rooms SET last_version = last_version + 1 WHERE id = room RETURNING last_version
  $$;

  -- BEFORE: the row takes its version as it is written, so RETURNING * reports it.
  CREATE FUNCTION chat_message_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    kind TEXT;
  BEGIN
    IF TG_OP = 'INSERT' THEN
      kind := 'message.new';
    ELSIF NEW.content IS NOT DISTINCT FROM OLD.content AND NEW.edited_at IS NOT DISTINCT FROM OLD.edited_at
      AND NEW.deleted = OLD.deleted AND NEW.reply_count = OLD.reply_count THEN
      -- A version taken for a reaction (below), or nothing a reader sees.
      RETURN NEW;
    ELSIF NEW.deleted AND NOT OLD.deleted THEN
      kind := 'message.deleted';
    ELSE
      kind := 'message.updated';
    END IF;
    NEW.version := chat_next_version(NEW.room_id);
    INSERT INTO outbox (room_id, version, type, message_id) VALUES (NEW.room_id, NEW.version, kind, NEW.id);
    RETURN NEW;
  END
  $$;
  CREATE TRIGGER messages_changed BEFORE INSERT OR UPDATE ON messages
    FOR EACH ROW EXECUTE FUNCTION chat_message_changed();

  CREATE FUNCTION chat_reaction_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    r RECORD;
    v BIGINT;
  BEGIN
    IF TG_OP = 'INSERT' THEN r := NEW; ELSE r := OLD; END IF;
    -- Reactions dropped with a deleted message: the deletion was the change.
    IF NOT EXISTS (SELECT 1 FROM messages WHERE id = r.message_id AND NOT deleted) THEN RETURN NULL; END IF;
    v := chat_next_version((SELECT room_id FROM messages WHERE id = r.message_id));
    UPDATE messages SET version = v WHERE id = r.message_id;
    INSERT INTO outbox (room_id, version, type, message_id)
      SELECT room_id, v, 'reaction.updated', id FROM messages WHERE id = r.message_id;
    RETURN NULL;
  END
  $$;
  CREATE TRIGGER reactions_changed AFTER INSERT OR DELETE ON reactions
    FOR EACH ROW EXECUTE FUNCTION chat_reaction_changed();

  CREATE FUNCTION chat_member_lock_room() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      PERFORM 1 FROM rooms WHERE id = NEW.room_id FOR NO KEY UPDATE;
      RETURN NEW;
    END IF;
    PERFORM 1 FROM rooms WHERE id = OLD.room_id FOR NO KEY UPDATE;
    RETURN OLD;
  END
  $$;
  CREATE TRIGGER members_lock_room BEFORE INSERT OR DELETE ON room_members
    FOR EACH ROW EXECUTE FUNCTION chat_member_lock_room();

  -- AFTER: a join that ON CONFLICT DO NOTHING skipped appends nothing.
  CREATE FUNCTION chat_member_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO outbox (room_id, type, user_id) VALUES (NEW.room_id, 'member.joined', NEW.user_id);
    ELSE
      INSERT INTO outbox (room_id, type, user_id) VALUES (OLD.room_id, 'member.left', OLD.user_id);
    END IF;
    RETURN NULL;
  END
  $$;
  CREATE TRIGGER members_changed AFTER INSERT OR DELETE ON room_members
    FOR EACH ROW EXECUTE FUNCTION chat_member_changed();
`;
