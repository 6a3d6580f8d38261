import Database from 'better-sqlite3';

/**
 * Fills one room of a chat-service SQLite file with `count` messages, seq 1…count, as the store
 * itself would have written them (server/store/sqlite/migrations.ts), and moves the room's
 * last_seq to match. The server must be stopped and must have created the schema and the room.
 * One prepared statement, 100,000 rows a transaction, no fsync: about a second per 500k rows.
 */
export function seedHistory(file: string, roomId: string, author: string, count: number): void {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    const insert = db.prepare(
      `INSERT INTO messages (id, room_id, seq, user_id, username, content, message_type, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'text', ?)`,
    );
    // One message a second, ending now; ids sort in seq order, so the primary key grows at its end.
    const firstAt = Date.now() - count * 1000;
    const batch = db.transaction((from: number, to: number) => {
      for (let seq = from; seq <= to; seq++) {
        const id = `h${seq.toString(36).padStart(8, '0')}`;
        const at = new Date(firstAt + seq * 1000).toISOString();
        insert.run(id, roomId, seq, author, author, `history message number ${seq} of the seeded room`, at);
      }
    });
    for (let from = 1; from <= count; from += 100_000) batch(from, Math.min(count, from + 99_999));
    const moved = db.prepare('UPDATE rooms SET last_seq = ? WHERE id = ?').run(count, roomId);
    if (moved.changes !== 1) throw new Error(`room ${roomId} not found in ${file}`);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}
