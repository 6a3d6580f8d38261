import Database from 'better-sqlite3';
import { sqliteMigrations } from '../../server/store/sqlite/migrations';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store';
import { isStopping } from '../processes';
import { messages, type Corpus, type SeedMessage } from './corpus';

/** Rows written per transaction: large enough that commits cost nothing next to the rows. */
const BATCH = 50_000;

/** The first migration that creates an FTS5 table: the seed goes in just before it. */
function searchMigration(): number {
  const m = sqliteMigrations.find((x) => /USING\s+fts5/i.test(x.sql));
  if (!m) throw new Error('no SQLite migration creates an FTS5 table: nothing to measure');
  return m.version;
}

/** Applies the store's migrations older than `before`, recorded as migrate() records them. */
function migrateBefore(db: Database.Database, before: number): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of sqliteMigrations.filter((x) => x.version < before)) {
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    })();
  }
}

/**
 * Fills a fresh SQLite file with the corpus through the store's own schema and code, as a
 * database that already held a million messages when it upgraded to full-text search:
 * 1. the store's migrations before the one that creates the FTS5 index are applied, and the rows
 *    go in with prepared statements, 50,000 a transaction. The messages' own triggers (change
 *    versions, outbox) are set aside meanwhile, for speed: each message takes its seq as its
 *    version and each room its last seq as its last version, as migration 5 did for existing rows;
 * 2. the store opens the file and applies the rest of its migrations: the search migration indexes
 *    every message (its own backfill) and installs the triggers that keep the index;
 * 3. the deletions then run through the store's own statement, so the triggers remove them from
 *    the index. The outbox entries they made are dropped (a dispatcher would have consumed them).
 * No fsync while seeding. Yields between batches, so Ctrl-C is heard.
 */
export async function seedSqlite(file: string, corpus: Corpus, log: (line: string) => void): Promise<void> {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -524288');
    migrateBefore(db, searchMigration());
    const triggers = db
      .prepare<[], { name: string; sql: string }>(
        `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'messages'`,
      )
      .all();
    for (const t of triggers) db.exec(`DROP TRIGGER ${t.name}`);
    const created = '2025-11-01T00:00:00.000Z';
    db.transaction(() => {
      const user = db.prepare('INSERT INTO users (user_id, username) VALUES (?, ?)');
      for (const u of corpus.users) user.run(u.id, u.name);
      const room = db.prepare(
        `INSERT INTO rooms (id, name, description, is_private, created_by, created_at) VALUES (?, ?, NULL, ?, ?, ?)`,
      );
      const member = db.prepare(
        `INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)`,
      );
      for (const r of corpus.rooms) {
        room.run(r.id, r.name, r.isPrivate ? 1 : 0, r.createdBy, created);
        r.members.forEach((m, i) => member.run(r.id, m, i === 0 ? 'owner' : 'member', created));
      }
    })();
    const insert = db.prepare(
      `INSERT INTO messages (id, room_id, seq, version, user_id, username, content, message_type, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'text', ?)`,
    );
    const write = db.transaction((batch: SeedMessage[]) => {
      for (const m of batch)
        insert.run(m.id, m.roomId, m.seq, m.seq, m.userId, m.username, m.content, m.createdAt);
    });
    const deleted: string[] = [];
    let done = 0;
    let lastLog = Date.now();
    for (const batch of messages(corpus, BATCH)) {
      write(batch);
      for (const m of batch) if (m.deleted) deleted.push(m.id);
      done += batch.length;
      if (Date.now() - lastLog > 10_000) {
        log(`sqlite: ${done.toLocaleString('en-US')} messages written`);
        lastLog = Date.now();
      }
      await new Promise((resolve) => setImmediate(resolve));
      if (isStopping()) return;
    }
    db.transaction(() => {
      for (const t of triggers) db.exec(t.sql);
      const last = db.prepare('UPDATE rooms SET last_seq = ?, last_version = ? WHERE id = ?');
      for (const r of corpus.rooms) last.run(r.lastSeq, r.lastSeq, r.id);
      db.exec('DELETE FROM outbox');
    })();
    db.close();
    log(`sqlite: ${done.toLocaleString('en-US')} messages written; the store applies the search migration`);
    const store = await SqliteStore.open(file);
    await store.close();
    const after = new Database(file);
    try {
      after.pragma('synchronous = OFF');
      const remove = after.prepare(`UPDATE messages SET content = '', deleted = 1 WHERE id = ?`);
      after.transaction(() => {
        for (const id of deleted) remove.run(id);
        after.exec('DELETE FROM outbox');
      })();
      after.pragma('wal_checkpoint(TRUNCATE)');
      log(`sqlite: ${deleted.length.toLocaleString('en-US')} deletions`);
    } finally {
      after.close();
    }
  } finally {
    if (db.open) db.close();
  }
}

export interface SizeRow {
  name: string;
  bytes: number;
}

/**
 * The file's size and what of it the search index takes: the FTS5 table's shadow tables and the
 * tables and indexes the search migration added (their names hold "search" or "fts").
 */
export function sqliteSizes(file: string): { databaseBytes: number; indexBytes: number; largest: SizeRow[] } {
  const db = new Database(file, { readonly: true });
  try {
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    const pages = db.pragma('page_count', { simple: true }) as number;
    const rows = db
      .prepare<[], SizeRow>(`SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC`)
      .all();
    const fts = db
      .prepare<[], { name: string }>(
        `SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%fts5%'`,
      )
      .all()
      .map((r) => r.name);
    const isSearch = (name: string): boolean =>
      fts.some((f) => name === f || name.startsWith(`${f}_`)) || /search|fts/i.test(name);
    return {
      databaseBytes: pageSize * pages,
      indexBytes: rows.filter((r) => isSearch(r.name)).reduce((s, r) => s + r.bytes, 0),
      largest: rows.slice(0, 12),
    };
  } finally {
    db.close();
  }
}
