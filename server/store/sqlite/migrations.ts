import type Database from 'better-sqlite3';
import { CHANGES_SQL } from './changes-sql';
import { CONVERSATIONS_SQL } from './conversations-sql';
import { WEBHOOKS_SQL } from './webhooks-sql';

/** Versioned, append-only: a released migration is never edited, a new one is added. */
export const sqliteMigrations: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'rooms, members, users, messages',
    sql: `
      CREATE TABLE users (
        user_id   TEXT PRIMARY KEY,
        username  TEXT NOT NULL,
        last_seen TEXT
      );
      CREATE TABLE rooms (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        description TEXT,
        is_private  INTEGER NOT NULL CHECK (is_private IN (0, 1)),
        created_by  TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        last_seq    INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE room_members (
        room_id       TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        user_id       TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('owner', 'member')),
        joined_at     TEXT NOT NULL,
        last_read_seq INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (room_id, user_id)
      );
      CREATE INDEX room_members_by_user ON room_members (user_id);
      CREATE TABLE messages (
        id           TEXT PRIMARY KEY,
        room_id      TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        seq          INTEGER NOT NULL,
        user_id      TEXT NOT NULL,
        username     TEXT NOT NULL,
        content      TEXT NOT NULL,
        message_type TEXT NOT NULL CHECK (message_type IN ('text', 'image', 'file')),
        parent_id    TEXT REFERENCES messages(id),
        reply_count  INTEGER NOT NULL DEFAULT 0,
        client_id    TEXT,
        created_at   TEXT NOT NULL,
        edited_at    TEXT,
        deleted      INTEGER NOT NULL DEFAULT 0
      );
      CREATE UNIQUE INDEX messages_by_room_seq ON messages (room_id, seq);
      CREATE INDEX messages_by_thread ON messages (parent_id, seq) WHERE parent_id IS NOT NULL;
      CREATE UNIQUE INDEX messages_by_client_id ON messages (room_id, user_id, client_id)
        WHERE client_id IS NOT NULL;
    `,
  },
  {
    version: 2,
    name: 'reactions',
    sql: `
      CREATE TABLE reactions (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        message_id TEXT NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        user_id    TEXT NOT NULL,
        emoji      TEXT NOT NULL,
        -- The emoji's place on its message: set when the emoji is first used there, kept while
        -- anyone still uses it, so chips do not jump when their first user takes theirs back.
        emoji_rank INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        UNIQUE (message_id, emoji, user_id)
      );
    `,
  },
  {
    version: 3,
    name: 'pending invites; rooms paged by creation',
    sql: `
      -- An invite is pending until its invitee joins (the row moves to room_members) or declines
      -- (the row goes): a pending invitee is not a member.
      CREATE TABLE room_invites (
        room_id    TEXT NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        user_id    TEXT NOT NULL,
        invited_by TEXT NOT NULL,
        invited_at TEXT NOT NULL,
        PRIMARY KEY (room_id, user_id)
      );
      CREATE INDEX room_invites_by_user ON room_invites (user_id, invited_at, room_id);
      CREATE INDEX rooms_by_creation ON rooms (created_at, id);
    `,
  },
  {
    version: 4,
    name: 'members paged by joining',
    sql: `CREATE INDEX room_members_by_join ON room_members (room_id, joined_at, user_id);`,
  },
  {
    version: 5,
    name: 'change versions per room; the outbox of room events',
    sql: CHANGES_SQL,
  },
  {
    version: 6,
    name: 'outgoing webhooks: hooks, deliveries, the dispatcher lease',
    sql: WEBHOOKS_SQL,
  },
  {
    version: 7,
    name: 'direct messages, mentions, moderation, pins, full-text search',
    sql: CONVERSATIONS_SQL,
  },
];

/** Applies, in order and each in its own transaction, the migrations this file has not seen yet. */
export function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const isApplied = db.prepare<[number], { version: number }>(
    'SELECT version FROM schema_migrations WHERE version = ?',
  );
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of sqliteMigrations) {
    // Checked inside the write transaction: two processes opening one file apply it once.
    db.transaction(() => {
      if (isApplied.get(m.version)) return;
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    }).immediate();
  }
}
