import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { addCleanup, isStopping } from '../processes';
import { PostgresStore } from '../../server/store/postgres/postgres-store';
import { messages, type Corpus } from './corpus';
import type { SizeRow } from './seed-sqlite';

/**
 * A fresh database of its own (dropped at the end, also on Ctrl-C, unless `keep`): the seed's
 * million rows never mix with anything else on the server.
 */
export async function createSearchDatabase(
  adminUrl: string,
  keep: boolean,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bench_search_${randomBytes(5).toString('hex')}`;
  const admin = async (sql: string): Promise<void> => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dropNow = (): Promise<void> => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  return { url: url.toString(), drop: keep ? dropNow : addCleanup(dropNow) };
}

/** Rows per INSERT (one transaction each): arrays of this many values per column. */
const CHUNK = 5_000;

/**
 * Fills a fresh PostgreSQL database with the corpus inside the store's own schema. The store
 * applies its migrations; then, for speed (the per-row triggers and the incremental GIN insert
 * run at about 2,000 rows/s on this machine, several minutes for a million):
 * - the GIN index(es) on messages are dropped and re-created afterwards from their own definition
 *   (`pg_get_indexdef`): the same index, built in bulk;
 * - the rows go in with `session_replication_role = replica`, which skips the triggers that keep
 *   change versions and the outbox (nothing search reads): each message takes its seq as its
 *   version and each room its last seq as its last version, as migration 6 did for existing rows.
 *   The tsvector is a generated column: PostgreSQL computes it for every row whatever the role.
 * Then the deletions run with every trigger, through the store's own statement; the outbox they
 * filled is truncated (a dispatcher would have consumed it), and the database is vacuumed and
 * analyzed, as autovacuum would have done after a million inserts.
 */
export async function seedPostgres(url: string, corpus: Corpus, log: (line: string) => void): Promise<void> {
  const store = await PostgresStore.open(url, { onError: () => undefined });
  await store.close();
  log('postgres: schema created');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SET synchronous_commit = off');
    const gin = await client.query<{ name: string; def: string }>(
      `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
       WHERE i.indrelid = 'messages'::regclass AND am.amname = 'gin'`,
    );
    for (const index of gin.rows) await client.query(`DROP INDEX ${index.name}`);
    const created = '2025-11-01T00:00:00.000Z';
    await client.query('INSERT INTO users (user_id, username) SELECT * FROM unnest($1::text[], $2::text[])', [
      corpus.users.map((u) => u.id),
      corpus.users.map((u) => u.name),
    ]);
    await client.query(
      `INSERT INTO rooms (id, name, is_private, created_by, created_at)
       SELECT id, name, priv, by, $5::timestamptz FROM unnest($1::text[], $2::text[], $3::boolean[], $4::text[])
         AS r(id, name, priv, by)`,
      [
        corpus.rooms.map((r) => r.id),
        corpus.rooms.map((r) => r.name),
        corpus.rooms.map((r) => r.isPrivate),
        corpus.rooms.map((r) => r.createdBy),
        created,
      ],
    );
    const members = corpus.rooms.flatMap((r) =>
      r.members.map((m, i) => [r.id, m, i === 0 ? 'owner' : 'member'] as const),
    );
    await client.query(
      `INSERT INTO room_members (room_id, user_id, role, joined_at)
       SELECT room, usr, role, $4::timestamptz FROM unnest($1::text[], $2::text[], $3::text[]) AS m(room, usr, role)`,
      [members.map((m) => m[0]), members.map((m) => m[1]), members.map((m) => m[2]), created],
    );
    await client.query('SET session_replication_role = replica');
    let done = 0;
    let lastLog = Date.now();
    const deleted: string[] = [];
    for (const batch of messages(corpus, CHUNK)) {
      await client.query(
        `INSERT INTO messages (id, room_id, seq, version, user_id, username, content, message_type, created_at)
         SELECT id, room, seq, seq, usr, uname, content, 'text', at
         FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
           AS m(id, room, seq, usr, uname, content, at)`,
        [
          batch.map((m) => m.id),
          batch.map((m) => m.roomId),
          batch.map((m) => m.seq),
          batch.map((m) => m.userId),
          batch.map((m) => m.username),
          batch.map((m) => m.content),
          batch.map((m) => m.createdAt),
        ],
      );
      for (const m of batch) if (m.deleted) deleted.push(m.id);
      done += batch.length;
      if (Date.now() - lastLog > 10_000) {
        log(`postgres: ${done.toLocaleString('en-US')} messages written`);
        lastLog = Date.now();
      }
      if (isStopping()) return;
    }
    await client.query('SET session_replication_role = origin');
    await client.query(
      `UPDATE rooms SET last_seq = r.last, last_version = r.last
       FROM unnest($1::text[], $2::bigint[]) AS r(id, last) WHERE rooms.id = r.id`,
      [corpus.rooms.map((r) => r.id), corpus.rooms.map((r) => r.lastSeq)],
    );
    log(
      `postgres: ${done.toLocaleString('en-US')} messages written; ${deleted.length.toLocaleString('en-US')} deletions`,
    );
    for (let i = 0; i < deleted.length; i += CHUNK) {
      await client.query(
        `UPDATE messages SET content = '', deleted = TRUE, mentions = '{}', pinned_at = NULL, pinned_by = NULL
         WHERE id = ANY($1::text[])`,
        [deleted.slice(i, i + CHUNK)],
      );
    }
    log(`postgres: building the GIN index (${gin.rows.map((r) => r.name).join(', ')})`);
    await client.query(`SET maintenance_work_mem = '512MB'`);
    for (const index of gin.rows) await client.query(index.def);
    log('postgres: vacuum and analyze');
    await client.query('TRUNCATE outbox');
    await client.query('VACUUM (ANALYZE)');
  } finally {
    await client.end();
  }
}

/**
 * The database's size and what of it search takes: the GIN index(es) on messages, and the stored
 * tsvector column inside the table's rows (summed over them).
 */
export async function postgresSizes(
  url: string,
): Promise<{ databaseBytes: number; indexBytes: number; columnBytes: number | null; largest: SizeRow[] }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const db = await client.query<{ bytes: string }>(
      'SELECT pg_database_size(current_database())::text AS bytes',
    );
    const gin = await client.query<{ bytes: string | null }>(
      `SELECT SUM(pg_relation_size(i.indexrelid))::text AS bytes
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam
       WHERE i.indrelid = 'messages'::regclass AND am.amname = 'gin'`,
    );
    const hasColumn = await client.query(
      `SELECT 1 FROM information_schema.columns WHERE table_name = 'messages' AND column_name = 'search'
         AND table_schema = current_schema()`,
    );
    const column =
      hasColumn.rowCount === 1
        ? await client.query<{ bytes: string | null }>(
            'SELECT SUM(pg_column_size(search))::text AS bytes FROM messages',
          )
        : null;
    const largest = await client.query<{ name: string; bytes: string }>(
      `SELECT c.relname AS name, pg_relation_size(c.oid)::text AS bytes FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'i', 't')
       ORDER BY pg_relation_size(c.oid) DESC LIMIT 12`,
    );
    return {
      databaseBytes: Number(db.rows[0]?.bytes ?? 0),
      indexBytes: Number(gin.rows[0]?.bytes ?? 0),
      columnBytes: column ? Number(column.rows[0]?.bytes ?? 0) : null,
      largest: largest.rows.map((r) => ({ name: r.name, bytes: Number(r.bytes) })),
    };
  } finally {
    await client.end();
  }
}
