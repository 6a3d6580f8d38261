import pg from 'pg';
import type { Queryable } from './pool';
import { createSearchPathSchema } from './search-path';
import { CHANGES_SQL } from './changes-sql';
import { WEBHOOKS_SQL } from './webhooks-sql';
import { MESSAGE_JSON_SQL } from './message-json-sql';
import { WRITE_BATCH_SQL } from './write-batch-sql';
import { CONVERSATIONS_SQL } from './conversations-sql';
import { WRITE_BATCH_MENTIONS_SQL } from './write-batch-mentions-sql';

/**
 * Versioned, append-only: a released migration is never edited, a new one is added. The same
 * schema as the SQLite store's, in PostgreSQL's types: ids compare byte-wise (COLLATE "C", as in
 * SQLite) so that ties ordered by id come out the same; seqs are BIGINT; times are TIMESTAMPTZ.
 */
export const postgresMigrations: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'rooms, members, users, messages',
    sql: `
      CREATE TABLE users (
        user_id   TEXT COLLATE "C" PRIMARY KEY,
        username  TEXT NOT NULL,
        last_seen TIMESTAMPTZ
      );
      CREATE TABLE rooms (
        id          TEXT COLLATE "C" PRIMARY KEY,
        name        TEXT NOT NULL,
        description TEXT,
        is_private  BOOLEAN NOT NULL,
        created_by  TEXT COLLATE "C" NOT NULL,
        created_at  TIMESTAMPTZ NOT NULL,
        -- The room's last message seq: each insert takes the next one under this row's lock.
        last_seq    BIGINT NOT NULL DEFAULT 0
      );
      CREATE TABLE room_members (
        room_id       TEXT COLLATE "C" NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        user_id       TEXT COLLATE "C" NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('owner', 'member')),
        joined_at     TIMESTAMPTZ NOT NULL,
        last_read_seq BIGINT NOT NULL DEFAULT 0,
        PRIMARY KEY (room_id, user_id)
      );
      CREATE INDEX room_members_by_user ON room_members (user_id);
      CREATE TABLE messages (
        id           TEXT COLLATE "C" PRIMARY KEY,
        room_id      TEXT COLLATE "C" NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        seq          BIGINT NOT NULL,
        user_id      TEXT COLLATE "C" NOT NULL,
        username     TEXT NOT NULL,
        content      TEXT NOT NULL,
        message_type TEXT NOT NULL CHECK (message_type IN ('text', 'image', 'file')),
        parent_id    TEXT COLLATE "C" REFERENCES messages(id),
        reply_count  INTEGER NOT NULL DEFAULT 0,
        client_id    TEXT COLLATE "C",
        created_at   TIMESTAMPTZ NOT NULL,
        edited_at    TIMESTAMPTZ,
        deleted      BOOLEAN NOT NULL DEFAULT FALSE
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
        id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        message_id TEXT COLLATE "C" NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        user_id    TEXT COLLATE "C" NOT NULL,
        emoji      TEXT NOT NULL,
        -- The emoji's place on its message: set when the emoji is first used there, kept while
        -- anyone still uses it, so chips do not jump when their first user takes theirs back.
        emoji_rank INTEGER NOT NULL,
        created_at TIMESTAMPTZ NOT NULL,
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
        room_id    TEXT COLLATE "C" NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
        user_id    TEXT COLLATE "C" NOT NULL,
        invited_by TEXT COLLATE "C" NOT NULL,
        invited_at TIMESTAMPTZ NOT NULL,
        PRIMARY KEY (room_id, user_id)
      );
      CREATE INDEX room_invites_by_user ON room_invites (user_id, invited_at, room_id);
      CREATE INDEX rooms_by_creation ON rooms (created_at, id);
    `,
  },
  {
    version: 4,
    name: 'group commit: a batch of writes in one call',
    sql: WRITE_BATCH_SQL,
  },
  {
    version: 5,
    name: 'members paged by joining',
    sql: `CREATE INDEX room_members_by_join ON room_members (room_id, joined_at, user_id);`,
  },
  {
    version: 6,
    name: 'change versions per room; the outbox of room events',
    sql: CHANGES_SQL + MESSAGE_JSON_SQL,
  },
  {
    version: 7,
    name: 'outgoing webhooks: hooks, deliveries, the dispatcher lease',
    sql: WEBHOOKS_SQL,
  },
  {
    version: 8,
    name: 'direct messages, mentions, search, moderation, pins',
    sql: CONVERSATIONS_SQL + WRITE_BATCH_MENTIONS_SQL,
  },
];

/**
 * The connection string for the migrations' own connection: without `query_timeout` and
 * `statement_timeout` parameters, which bound requests, not schema changes.
 */
export function migrationUrl(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.delete('query_timeout');
  parsed.searchParams.delete('statement_timeout');
  return parsed.toString();
}

/**
 * Applies the migrations this schema has not seen yet, all in one transaction (PostgreSQL's DDL is
 * transactional: a failed migration leaves nothing behind). A transaction-scoped advisory lock,
 * keyed by the schema, makes nodes that start together take turns: the first applies, the others
 * then find every version recorded. Other schemas in the same database migrate independently. A
 * schema the search_path names but that does not exist yet is created first, under the same lock.
 *
 * On a connection of its own, not the pool's: the pool's 10 s bound on
 * every statement (pool.ts) is right for requests and wrong for a migration that rewrites a large
 * table or waits for a lock held by a long request; a migration cut off at 10 s would roll back and
 * fail every start-up from then on. The server-side timeouts are lifted for the transaction too, in
 * case the role or database sets them.
 */
export async function migrate(url: string): Promise<void> {
  const client = new pg.Client({
    connectionString: migrationUrl(url),
    application_name: 'chat-service migrations',
    connectionTimeoutMillis: 5000,
  });
  // A connection that dies while the migrations run: the query in flight rejects; without a
  // listener the 'error' event would crash the process instead.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query('BEGIN');
    try {
      await applyPending(client);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function applyPending(tx: Queryable): Promise<void> {
  await tx.query(`SET LOCAL statement_timeout = 0`);
  await tx.query(`SET LOCAL lock_timeout = 0`);
  // The same key as the lock below once the schema exists (re-entrant within a transaction).
  await createSearchPathSchema(tx, async (schema) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('chat-service migrations'), hashtext($1))`, [
      schema,
    ]);
  });
  await tx.query(
    `SELECT pg_advisory_xact_lock(hashtext('chat-service migrations'), hashtext(current_schema()))`,
  );
  await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
  )`);
  const applied = await tx.query<{ version: number }>('SELECT version FROM schema_migrations');
  const done = new Set(applied.rows.map((r) => r.version));
  for (const m of postgresMigrations) {
    if (done.has(m.version)) continue;
    await tx.query(m.sql);
    await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
  }
}
