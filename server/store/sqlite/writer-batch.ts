import type Database from 'better-sqlite3';
import { type SqliteWrites, WRITE_METHODS, type WriteMethod } from './sqlite-writes';
import { describeError, type WriteRequest, type WriteResult } from './writer-protocol';

const KNOWN = new Set<string>(WRITE_METHODS);

/**
 * Group commit: makes the function that runs every write of a batch in one transaction, so the
 * whole batch costs one fsync. Each write gets its own savepoint (better-sqlite3 nests
 * transactions that way), so one that throws undoes only its own changes and fails only its own
 * caller. When the commit itself fails, nothing of the batch is stored and every caller hears so.
 * The transaction functions are made once: making one per write would cost more than the write.
 */
export function batchCommitter(
  db: Database.Database,
  writes: SqliteWrites,
): (batch: readonly WriteRequest[]) => WriteResult[] {
  const inSavepoint = db.transaction((request: WriteRequest): unknown => {
    if (!KNOWN.has(request.method)) throw new Error(`unknown write ${request.method}`);
    const method = writes[request.method as WriteMethod] as (...args: unknown[]) => unknown;
    return method.apply(writes, request.args);
  });
  const runOne = (request: WriteRequest): WriteResult => {
    try {
      return { id: request.id, ok: true, value: inSavepoint(request) };
    } catch (err) {
      // Some errors (disk full, I/O, out of memory) make SQLite undo the whole transaction, not
      // just this write's savepoint: the writes before this one are gone too, and those after it
      // would each commit on their own while their callers heard of failure. Fail the batch.
      if (!db.inTransaction) throw err;
      return { id: request.id, ok: false, error: describeError(err) };
    }
  };
  const all = db.transaction((batch: readonly WriteRequest[]) => batch.map(runOne));
  return (batch) => {
    try {
      return all.immediate(batch);
    } catch (err) {
      const error = describeError(err);
      return batch.map((request) => ({ id: request.id, ok: false, error }));
    }
  };
}
