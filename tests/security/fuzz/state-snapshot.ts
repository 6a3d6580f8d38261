import Database from 'better-sqlite3';
import type { TestServer } from '../../helpers/server';

/** Every row of every table of the database, in storage order. */
export type Contents = Record<string, unknown[]>;

/**
 * Tables the server works through on its own timers, whatever clients do: the webhook dispatcher
 * takes entries off `outbox` (into `webhook_deliveries`) and renews its lease in
 * `webhook_dispatch`. Of those, a refused call is held to appending nothing to the outbox: every
 * change to a room appends there in the change's transaction, so a new entry is a change made.
 */
const DRAINED_TABLES: ReadonlySet<string> = new Set(['outbox']);
const TIMER_TABLES: ReadonlySet<string> = new Set(['webhook_dispatch', 'webhook_deliveries']);

/** How `after` differs from `before`, table by table (empty when a refused call left it as it was). */
export function differences(before: Contents, after: Contents): string[] {
  return Object.keys({ ...before, ...after }).flatMap((table) => {
    if (TIMER_TABLES.has(table)) return [];
    const was = before[table] ?? [];
    const is = after[table] ?? [];
    const diff = rowDiff(was, is);
    const changed = DRAINED_TABLES.has(table)
      ? diff.added.length > 0
      : JSON.stringify(was) !== JSON.stringify(is);
    return changed
      ? [`  ${table}: gone ${diff.gone.join(' ') || 'none'}; added ${diff.added.join(' ') || 'none'}`]
      : [];
  });
}

/**
 * Reads a test server's SQLite file through a read-only connection of its own, next to the
 * server's: what a refused call must leave exactly as it was.
 *
 * `PRAGMA data_version` changes whenever another connection commits, so the full contents are
 * read only when something was committed since they were last read: checking a case costs two
 * pragmas unless the case (or the one before it) wrote.
 */
export class StateSnapshots {
  private readonly db: Database.Database;
  private seen: { version: number; contents: Contents } | undefined;

  constructor(server: TestServer) {
    const { databaseUrl } = server.storage;
    if (!databaseUrl.startsWith('sqlite:')) throw new Error('the fuzz suites read a SQLite file');
    this.db = new Database(databaseUrl.slice('sqlite:'.length), { readonly: true, fileMustExist: true });
  }

  /**
   * Every table's rows (schema tables included: nothing a client sends may change them either).
   * A virtual table (the FTS5 search index) is read through its shadow tables, which hold all it
   * stores; those without a rowid (FTS5's `_idx`, `_config`) are put in a stable order here.
   */
  contents(): Contents {
    const tables = this.db
      .prepare<[], { name: string; sql: string | null }>(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all()
      .filter((t) => !/^\s*CREATE\s+VIRTUAL\s+TABLE/i.test(t.sql ?? ''));
    const read = this.db.transaction((): Contents => {
      const out: Contents = {};
      for (const { name, sql } of tables) {
        const quoted = `"${name.replace(/"/g, '""')}"`;
        if (/WITHOUT\s+ROWID/i.test(sql ?? '')) {
          const rows: unknown[] = this.db.prepare(`SELECT * FROM ${quoted}`).all();
          out[name] = rows
            .map((row) => [JSON.stringify(row, bufferAsHex), row] as const)
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([, row]) => row);
        } else {
          out[name] = this.db.prepare(`SELECT * FROM ${quoted} ORDER BY rowid`).all();
        }
      }
      return out;
    });
    return read();
  }

  /** A number that changes whenever another connection commits to the file. */
  version(): number {
    const value: unknown = this.db.pragma('data_version', { simple: true });
    if (typeof value !== 'number') throw new Error('PRAGMA data_version answered no number');
    return value;
  }

  /** Marks the state before a case: its contents, read again only if something committed since. */
  before(): void {
    const version = this.version();
    if (this.seen?.version !== version) this.seen = { version, contents: this.contents() };
  }

  /**
   * After a refused case: throws, naming what differs, when its contents are not those marked by
   * `before` (read only when something was committed in between).
   */
  expectUnchanged(what: string): void {
    const seen = this.seen;
    if (!seen) throw new Error('expectUnchanged without before');
    const version = this.version();
    if (version === seen.version) return;
    const now = this.contents();
    this.seen = { version, contents: now };
    expectNoDifferences(seen.contents, now, what);
  }

  /** Throws unless the contents are still those of `before` (a whole property of refused cases). */
  expectUnchangedSince(before: Contents, what: string): void {
    expectNoDifferences(before, this.contents(), what);
  }

  close(): void {
    this.db.close();
  }
}

function expectNoDifferences(before: Contents, after: Contents, what: string): void {
  const found = differences(before, after);
  if (found.length > 0) throw new Error(`${what} was refused but changed stored state:\n${found.join('\n')}`);
}

/** JSON of a row with its BLOBs (FTS5 keeps its index in them) as hex, so they order and compare. */
function bufferAsHex(this: unknown, _key: string, value: unknown): unknown {
  if (
    typeof value === 'object' &&
    value !== null &&
    'type' in value &&
    value.type === 'Buffer' &&
    'data' in value
  ) {
    return Buffer.from(value.data as number[]).toString('hex');
  }
  return value;
}

/** The rows only in `before` and only in `after`, the first few of each. */
function rowDiff(before: unknown[], after: unknown[]): { gone: string[]; added: string[] } {
  const a = new Set(before.map((row) => JSON.stringify(row)));
  const b = new Set(after.map((row) => JSON.stringify(row)));
  return {
    gone: [...a].filter((row) => !b.has(row)).slice(0, 3),
    added: [...b].filter((row) => !a.has(row)).slice(0, 3),
  };
}
