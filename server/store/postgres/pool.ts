import pg from 'pg';

/** The one query method the store needs; a Pool and a checked-out client both have it. */
export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

const defaultTimestamptz = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ) as (v: string) => Date;

/** A TIMESTAMPTZ in PostgreSQL's text form as the store returns it: ISO 8601 UTC with milliseconds. */
export const parseTimestamptz = (value: string): string => defaultTimestamptz(value).toISOString();

/**
 * Per-pool type parsers (never the process-wide `pg.types`): seqs and counts are BIGINT, which pg
 * returns as strings, and they stay far below 2^53, so they become numbers; TIMESTAMPTZ becomes the
 * ISO 8601 UTC string with milliseconds that the SQLite store returns (what `toISOString` wrote).
 */
const textParsers = new Map<number, (value: string) => unknown>([
  [pg.types.builtins.INT8, Number],
  [pg.types.builtins.TIMESTAMPTZ, parseTimestamptz],
]);

const getTypeParser: typeof pg.types.getTypeParser = (oid, format) =>
  (format === undefined || format === 'text' ? textParsers.get(oid) : undefined) ??
  pg.types.getTypeParser(oid, format);

export interface PoolOptions {
  /** Told about connection errors the pool recovers from by itself (a restarted server, a cut link). */
  onError(err: Error): void;
}

/**
 * Opening a connection gives up after 5 s. Set on the client, not the pool: the pool would apply
 * it to waiting for a free connection too, and fail a burst of sends that merely queue for one.
 */
class TimedClient extends pg.Client {
  constructor(config?: pg.ClientConfig) {
    super({ ...config, connectionTimeoutMillis: 5000 });
  }
}

/** How long the pool waits for any one statement: `?query_timeout=<ms>` in the URL, or 10 s. */
export function requestTimeoutMs(url: string): number {
  const given = Number(new URL(url).searchParams.get('query_timeout'));
  return Number.isInteger(given) && given > 0 ? given : DEFAULT_REQUEST_TIMEOUT_MS;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export function createPool(url: string, options: PoolOptions): pg.Pool {
  const timeoutMs = requestTimeoutMs(url);
  const pool = new pg.Pool({
    connectionString: url,
    application_name: 'chat-service',
    types: { getTypeParser },
    Client: TimedClient,
    // A database that stops answering (a network partition drops packets without a reset) must
    // fail requests, not hang them: connecting gives up after 5 s (TimedClient), a statement after
    // 10 s (nothing this service runs comes near it; `?query_timeout=<ms>` in the URL overrides
    // it), so a request waiting for a free connection waits no longer than those ahead of it.
    // Idle connections are probed so that a dead peer is noticed before the next query.
    query_timeout: timeoutMs,
    // The server gives up on a statement before the client does, so that by the time the client
    // stops waiting the statement has ended on the server, committed or rolled back: a batch whose
    // answer was lost is then settled by looking (write-batch.ts) instead of failing unseen.
    statement_timeout: Math.max(1, Math.floor(timeoutMs * 0.9)),
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  // An idle client whose connection dies (PostgreSQL restarted, network cut) is emitted here; the
  // pool has already dropped it and opens a new connection on the next query. Without a listener
  // the 'error' event would crash the process.
  pool.on('error', (err) => options.onError(err));
  return pool;
}

/** One connection outside the pool, with the pool's settings; the caller ends it. */
export async function connectAlone(url: string): Promise<pg.Client> {
  const client = new TimedClient({
    connectionString: url,
    application_name: 'chat-service',
    types: { getTypeParser },
    query_timeout: requestTimeoutMs(url),
  });
  // An error after connect fails the query in flight; unheard, it would crash the process.
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

const ROLLBACK: pg.QueryConfig & { query_timeout: number } = { text: 'ROLLBACK', query_timeout: 1000 };

/**
 * Runs `work` in a transaction on one client: COMMIT when it resolves, ROLLBACK when it rejects.
 * A client whose connection failed (or whose ROLLBACK did) is destroyed, not returned to the pool;
 * PostgreSQL rolls back a transaction whose connection closes.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (tx: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out client has no pool listener: its connection errors must be caught here.
  const onError = (err: Error): void => {
    broken ??= err;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // Bounded: on a connection that stopped answering the ROLLBACK would wait as long again.
    await client.query(ROLLBACK).catch((rollbackErr: unknown) => {
      broken ??= rollbackErr instanceof Error ? rollbackErr : new Error(String(rollbackErr));
    });
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
