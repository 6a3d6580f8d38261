import { randomBytes } from 'node:crypto';
import { link, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * An online backup of the SQLite store: a consistent copy taken while the server runs and writes,
 * checked before it gets its name.
 *
 * The copy is one snapshot: a read transaction is held on a separate connection for the whole copy,
 * so SQLite's backup API reads one WAL snapshot page by page (as of the moment the backup began)
 * while the server's writer goes on committing. Without that transaction every commit by the
 * writer would restart the copy from page 1, and under a steady stream of sends it never ends.
 */

/** Why a backup was not made, as a value the CLI maps to its exit code. */
export const BackupFailure = {
  /** The database file does not exist. */
  sourceMissing: 'source_missing',
  /** The file is not a SQLite database, or not one of this service (no schema_migrations). */
  notChatDatabase: 'not_chat_database',
  /** The target exists and `force` was not given. */
  targetExists: 'target_exists',
  /** The target is the database itself (or its -wal, -shm or -journal file): refused even with `force`. */
  targetIsSource: 'target_is_source',
  /** The target's folder does not exist (it is not created: a mistyped path should not be). */
  targetFolderMissing: 'target_folder_missing',
  /** Reading the database or writing the copy failed. */
  copyFailed: 'copy_failed',
  /** The copy was written but failed its checks. */
  verifyFailed: 'verify_failed',
  /** The caller's signal aborted the backup. */
  aborted: 'aborted',
} as const;
export type BackupFailure = (typeof BackupFailure)[keyof typeof BackupFailure];

export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(
    readonly reason: BackupFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface BackupProgress {
  totalPages: number;
  copiedPages: number;
}

export interface BackupRequest {
  /** The live database file (what DATABASE_URL=sqlite:<path> names). */
  source: string;
  /** Where the copy goes; its folder must exist. */
  target: string;
  /** Replace an existing target. */
  force?: boolean;
  /** How long to wait on a lock held by the server (the store's connections wait 5 s too). */
  busyTimeoutMs?: number;
  /** Pages copied per step; the event loop turns between steps. */
  pagesPerStep?: number;
  /** Called after each step of the copy. */
  onProgress?: (progress: BackupProgress) => void;
  /** Aborting it stops the backup between steps; nothing is left under the target's name. */
  signal?: AbortSignal;
}

export interface BackupSummary {
  source: string;
  target: string;
  pages: number;
  pageSize: number;
  /** The size of the written file. */
  bytes: number;
  /** The highest migration applied, in the database and in its copy alike. */
  schemaVersion: number;
  /** From the call to the copy under its name, checks included. */
  durationMs: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;
const DEFAULT_PAGES_PER_STEP = 1000;

/**
 * Copies `source` to `target` with SQLite's backup API while other connections write to it.
 * Everything committed before the call is in the copy. The copy is written to a temporary file next
 * to the target, checked (integrity_check, schema version, page count), synced, and only then
 * renamed to the target: a failure or an abort never leaves a partial file under the target's name.
 * Throws a BackupError.
 */
export async function backupSqlite(request: BackupRequest): Promise<BackupSummary> {
  const started = performance.now();
  const source = path.resolve(request.source);
  const target = path.resolve(request.target);
  await checkPaths(source, target, request.force === true);

  const temp = `${target}.${process.pid}-${randomBytes(4).toString('hex')}.partial`;
  try {
    return await copyCheckAndPlace(source, target, temp, request, started);
  } catch (err) {
    if (err instanceof BackupError) throw err;
    // An fsync, a stat: a failure of the file system along the way.
    throw new BackupError(BackupFailure.copyFailed, `the backup failed: ${messageOf(err)}`, { cause: err });
  } finally {
    // After a success only the temporary name is gone; after a failure, the partial copy.
    await removeCopy(temp);
  }
}

/** The steps of a backup, in order; the caller removes the temporary file whatever happens. */
async function copyCheckAndPlace(
  source: string,
  target: string,
  temp: string,
  request: BackupRequest,
  started: number,
): Promise<BackupSummary> {
  const snapshot = await copySnapshot(source, temp, request);
  const pageSize = verifyCopy(temp, snapshot);
  throwIfAborted(request.signal);
  await fsyncPath(temp, 'r+');
  await place(temp, target, request.force === true);
  await fsyncPath(path.dirname(target), 'r');
  const { size } = await stat(target);
  return {
    source,
    target,
    pages: snapshot.pages,
    pageSize,
    bytes: size,
    schemaVersion: snapshot.schemaVersion,
    durationMs: performance.now() - started,
  };
}

/** Refuses early, before any page is read: a missing source, a bad target, an existing target. */
async function checkPaths(source: string, target: string, force: boolean): Promise<void> {
  const sourceStat = await stat(source).catch(() => undefined);
  if (!sourceStat?.isFile()) {
    throw new BackupError(BackupFailure.sourceMissing, `the database file ${source} does not exist`);
  }
  if (['', '-wal', '-shm', '-journal'].some((suffix) => target === `${source}${suffix}`)) {
    throw new BackupError(BackupFailure.targetIsSource, `${target} is the database or one of its files`);
  }
  const folder = path.dirname(target);
  const folderStat = await stat(folder).catch(() => undefined);
  if (!folderStat?.isDirectory()) {
    throw new BackupError(BackupFailure.targetFolderMissing, `the folder ${folder} does not exist`);
  }
  const targetStat = await stat(target).catch(() => undefined);
  if (!targetStat) return;
  // Another path to the same file (a link, a bind mount): replacing it would replace the database.
  if (targetStat.dev === sourceStat.dev && targetStat.ino === sourceStat.ino) {
    throw new BackupError(BackupFailure.targetIsSource, `${target} is the database itself`);
  }
  if (!force) {
    throw new BackupError(BackupFailure.targetExists, `${target} exists (give --force to replace it)`);
  }
}

interface Snapshot {
  pages: number;
  schemaVersion: number;
}

/** Copies one snapshot of `source` into `temp`, on a read-only connection of its own. */
async function copySnapshot(source: string, temp: string, request: BackupRequest): Promise<Snapshot> {
  let db: Database.Database;
  try {
    db = new Database(source, {
      readonly: true,
      fileMustExist: true,
      timeout: request.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
    });
  } catch (err) {
    throw new BackupError(BackupFailure.copyFailed, `cannot open ${source}: ${messageOf(err)}`, {
      cause: err,
    });
  }
  try {
    // BEGIN is deferred: the first read takes the snapshot, and every step of the copy reads it.
    db.exec('BEGIN');
    const schemaVersion = readSchemaVersion(db, source);
    const pagesPerStep = request.pagesPerStep ?? DEFAULT_PAGES_PER_STEP;
    let result: Database.BackupMetadata;
    try {
      result = await db.backup(temp, {
        progress: ({ totalPages, remainingPages }) => {
          // Thrown here, it ends the copy: better-sqlite3 closes the backup and rejects.
          throwIfAborted(request.signal);
          request.onProgress?.({ totalPages, copiedPages: totalPages - remainingPages });
          return pagesPerStep;
        },
      });
    } catch (err) {
      if (err instanceof BackupError) throw err;
      throw new BackupError(BackupFailure.copyFailed, `copying ${source} failed: ${messageOf(err)}`, {
        cause: err,
      });
    }
    request.onProgress?.({ totalPages: result.totalPages, copiedPages: result.totalPages });
    return { pages: result.totalPages, schemaVersion };
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
  }
}

/** The highest applied migration; refuses a file that is not a SQLite database of this service. */
function readSchemaVersion(db: Database.Database, source: string): number {
  const notOurs = (why: string, cause?: unknown): BackupError =>
    new BackupError(BackupFailure.notChatDatabase, `${source} ${why}`, { cause });
  let row: { version: number | null } | undefined;
  try {
    const hasTable = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
      .get();
    if (!hasTable) throw notOurs('is not a chat-service database (it has no schema_migrations table)');
    row = db
      .prepare<[], { version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations')
      .get();
  } catch (err) {
    if (err instanceof BackupError) throw err;
    if (err instanceof Database.SqliteError && err.code === 'SQLITE_NOTADB') {
      throw notOurs('is not a SQLite database', err);
    }
    throw new BackupError(BackupFailure.copyFailed, `cannot read ${source}: ${messageOf(err)}`, {
      cause: err,
    });
  }
  if (row?.version === undefined || row.version === null) throw notOurs('has no migration applied');
  return row.version;
}

/**
 * Checks the copy and leaves it in rollback-journal mode, so that the backup is one self-contained
 * file (the server switches it back to WAL when it opens it). Returns its page size.
 */
function verifyCopy(temp: string, snapshot: Snapshot): number {
  const failed = (why: string, cause?: unknown): BackupError =>
    new BackupError(BackupFailure.verifyFailed, `the copy failed its check: ${why}`, { cause });
  let db: Database.Database;
  try {
    db = new Database(temp, { fileMustExist: true });
  } catch (err) {
    throw failed(`cannot open it (${messageOf(err)})`, err);
  }
  try {
    db.pragma('journal_mode = DELETE');
    const report = db
      .prepare<[], { integrity_check: string }>('PRAGMA integrity_check')
      .all()
      .map((row) => row.integrity_check);
    if (report.length !== 1 || report[0] !== 'ok') throw failed(`integrity_check: ${report.join('; ')}`);
    const version = db
      .prepare<[], { version: number | null }>('SELECT MAX(version) AS version FROM schema_migrations')
      .get()?.version;
    if (version !== snapshot.schemaVersion) {
      throw failed(`schema version ${version ?? 'none'}, the database's is ${snapshot.schemaVersion}`);
    }
    const layout = db
      .prepare<[], { pages: number; page_size: number }>(
        'SELECT page_count AS pages, page_size FROM pragma_page_count(), pragma_page_size()',
      )
      .get();
    if (layout?.pages !== snapshot.pages) {
      throw failed(`${layout?.pages ?? 'no'} pages, ${snapshot.pages} were copied`);
    }
    return layout.page_size;
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw failed(messageOf(err), err);
  } finally {
    db.close();
  }
}

/**
 * Gives the checked copy the target's name. Without `force` a hard link claims the name only if it
 * is still free (a rename would silently replace a file created since the first check); where the
 * file system has no hard links, the name is checked again and the copy renamed.
 */
async function place(temp: string, target: string, force: boolean): Promise<void> {
  try {
    if (force) {
      await rename(temp, target);
      return;
    }
    try {
      await link(temp, target);
      return;
    } catch (err) {
      if (errnoCode(err) === 'EEXIST') {
        throw new BackupError(BackupFailure.targetExists, `${target} exists (give --force to replace it)`);
      }
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(errnoCode(err) ?? '')) throw err;
    }
    if (await stat(target).catch(() => undefined)) {
      throw new BackupError(BackupFailure.targetExists, `${target} exists (give --force to replace it)`);
    }
    await rename(temp, target);
  } catch (err) {
    if (err instanceof BackupError) throw err;
    throw new BackupError(BackupFailure.copyFailed, `cannot name the copy ${target}: ${messageOf(err)}`, {
      cause: err,
    });
  }
}

/** fsync, so that the copy and then its name survive a power loss once success is reported. */
async function fsyncPath(file: string, flags: 'r' | 'r+'): Promise<void> {
  const handle = await open(file, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function removeCopy(temp: string): Promise<void> {
  await Promise.all(
    ['', '-journal', '-wal', '-shm'].map((suffix) => rm(`${temp}${suffix}`, { force: true })),
  );
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new BackupError(BackupFailure.aborted, 'the backup was interrupted');
}

function errnoCode(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
