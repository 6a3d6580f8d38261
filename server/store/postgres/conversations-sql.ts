/**
 * Migration 8: direct messages, mentions, search, moderation and pins (issue 14). Released
 * migration text: never edited; a later change is a new migration.
 *
 * - Roles: 'moderator' joins 'owner' and 'member'.
 * - A direct message is a private room with a `dm_key`: the pair's ids, sorted, joined by "\n"
 *   (a character no user id holds). Unique, so concurrent opens of one pair, from any node, all
 *   land on one room (INSERT ... ON CONFLICT (dm_key) DO NOTHING, then read).
 * - A message's mentions are a TEXT[] on its row (what readers get) and one `mentions` row per
 *   mentioned member (what the mention list and the unread counts read, by index). The rows are
 *   kept by triggers from the array, so every write path (chat_write_batch, the one-by-one
 *   insert, edits, deletions) keeps them in its own transaction. A deletion empties the array, so
 *   a deleted message has no mention rows: the counts need not look at the message.
 * - Pins are two columns of the message (when, by whom). Pinning, unpinning and a change of
 *   mentions are changes readers see: they take the room's next version and are announced as
 *   'message.updated' (chat_message_changed, replaced below).
 * - Moderation: bans and mutes per (room, user), kept whatever the membership (a mute survives a
 *   leave and a rejoin; a non-member can be banned); every action that changed something is a
 *   `moderation_actions` row, and an outbox entry 'member.moderated' naming it (`action_id`).
 * - Search: a stored tsvector of the content ('english': stemming and stop words), empty for a
 *   deleted message so a tombstone never matches, kept by PostgreSQL in the write's own statement
 *   (a generated column), with a GIN index. `fastupdate` off: the pending list that fastupdate
 *   keeps is scanned linearly by every search, and merged into the index by whichever insert
 *   finds it full (a batch of sends stalls meanwhile); without it each insert updates the index
 *   at once, about a quarter more of chat_write_batch's time per message (measured), paid
 *   evenly. Existing rows are computed as the column is added (a table rewrite).
 * - Recent matches: `messages_by_creation` lets a search whose words are common rank only the
 *   newest of its matches (search.ts) by walking back through time, without reading every match.
 *   `rooms_public` lists the public rooms a search may read without scanning `rooms`, whose rows
 *   are rewritten by every message (last_seq, last_version).
 */
export const CONVERSATIONS_SQL = `
  ALTER TABLE room_members DROP CONSTRAINT room_members_role_check;
  ALTER TABLE room_members ADD CONSTRAINT room_members_role_check
    CHECK (role IN ('owner', 'moderator', 'member'));

  ALTER TABLE rooms ADD COLUMN dm_key TEXT COLLATE "C" UNIQUE;

  ALTER TABLE messages ADD COLUMN mentions TEXT[] NOT NULL DEFAULT '{}';
  ALTER TABLE messages ADD COLUMN pinned_at TIMESTAMPTZ;
  ALTER TABLE messages ADD COLUMN pinned_by TEXT COLLATE "C";
  CREATE INDEX messages_pinned ON messages (room_id, pinned_at, seq) WHERE pinned_at IS NOT NULL;

  ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (
    CASE WHEN deleted THEN ''::tsvector ELSE to_tsvector('english', content) END) STORED;
  CREATE INDEX messages_search ON messages USING GIN (search) WITH (fastupdate = off);
  CREATE INDEX messages_by_creation ON messages (created_at, id);
  CREATE INDEX rooms_public ON rooms (id) WHERE NOT is_private;

  CREATE TABLE mentions (
    message_id TEXT COLLATE "C" NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    room_id    TEXT COLLATE "C" NOT NULL,
    user_id    TEXT COLLATE "C" NOT NULL,
    seq        BIGINT NOT NULL,
    -- The message's: the mention list's page key, (created_at, message_id), newest first.
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (message_id, user_id)
  );
  CREATE INDEX mentions_by_user ON mentions (user_id, created_at, message_id);
  CREATE INDEX mentions_unread ON mentions (user_id, room_id, seq);

  -- AFTER, and only when the array holds something (inserts) or changed (updates): the common
  -- message without mentions pays for a WHEN test, nothing more.
  CREATE FUNCTION chat_mentions_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF TG_OP = 'UPDATE' THEN
      DELETE FROM mentions WHERE message_id = OLD.id;
    END IF;
    INSERT INTO mentions (message_id, room_id, user_id, seq, created_at)
      SELECT NEW.id, NEW.room_id, u, NEW.seq, NEW.created_at FROM unnest(NEW.mentions) AS u
      ON CONFLICT DO NOTHING;
    RETURN NULL;
  END
  $$;
  CREATE TRIGGER messages_mentions_inserted AFTER INSERT ON messages
    FOR EACH ROW WHEN (cardinality(NEW.mentions) > 0) EXECUTE FUNCTION chat_mentions_changed();
  CREATE TRIGGER messages_mentions_updated AFTER UPDATE OF mentions ON messages
    FOR EACH ROW WHEN (NEW.mentions IS DISTINCT FROM OLD.mentions) EXECUTE FUNCTION chat_mentions_changed();

  -- Migration 6's, with pins and mentions among the changes readers see.
  CREATE OR REPLACE FUNCTION chat_message_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    kind TEXT;
  BEGIN
    IF TG_OP = 'INSERT' THEN
      kind := 'message.new';
    ELSIF NEW.content IS NOT DISTINCT FROM OLD.content AND NEW.edited_at IS NOT DISTINCT FROM OLD.edited_at
      AND NEW.deleted = OLD.deleted AND NEW.reply_count = OLD.reply_count
      AND NEW.mentions IS NOT DISTINCT FROM OLD.mentions
      AND NEW.pinned_at IS NOT DISTINCT FROM OLD.pinned_at AND NEW.pinned_by IS NOT DISTINCT FROM OLD.pinned_by THEN
      -- A version taken for a reaction, or nothing a reader sees.
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

  CREATE TABLE room_bans (
    room_id    TEXT COLLATE "C" NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id    TEXT COLLATE "C" NOT NULL,
    banned_by  TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (room_id, user_id)
  );
  CREATE TABLE room_mutes (
    room_id     TEXT COLLATE "C" NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    user_id     TEXT COLLATE "C" NOT NULL,
    muted_until TIMESTAMPTZ NOT NULL,
    muted_by    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (room_id, user_id)
  );
  CREATE TABLE moderation_actions (
    id          BIGSERIAL PRIMARY KEY,
    room_id     TEXT COLLATE "C" NOT NULL,
    action      TEXT NOT NULL CHECK (action IN ('promote', 'demote', 'remove', 'ban', 'unban', 'mute', 'unmute')),
    user_id     TEXT COLLATE "C" NOT NULL,
    by          TEXT COLLATE "C" NOT NULL,
    muted_until TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
  );

  ALTER TABLE outbox ADD COLUMN action_id BIGINT;
  ALTER TABLE outbox DROP CONSTRAINT outbox_type_check;
  ALTER TABLE outbox ADD CONSTRAINT outbox_type_check
    CHECK (type IN ('message.new', 'message.updated', 'message.deleted', 'reaction.updated',
                    'member.joined', 'member.left', 'member.moderated'));
  ALTER TABLE webhooks DROP CONSTRAINT webhooks_events_check;
  ALTER TABLE webhooks ADD CONSTRAINT webhooks_events_check
    CHECK (events <@ ARRAY['message.new', 'message.updated', 'message.deleted', 'reaction.updated',
                           'member.joined', 'member.left', 'member.moderated']);
  ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_type_check;
  ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_type_check
    CHECK (type IN ('message.new', 'message.updated', 'message.deleted', 'reaction.updated',
                    'member.joined', 'member.left', 'member.moderated'));
`;
