import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgresMigrations } from '../../server/store/postgres/migrations';
import type { PostgresStore } from '../../server/store/postgres/postgres-store';
import { parseSearchPath } from '../../server/store/postgres/search-path';
import { TEST_DATABASE_URL } from '../helpers/postgres';
import { needs } from '../helpers/services';
import { openPostgresStore } from './store-factories';
import { owner, room } from './store-fixtures';

/** Resolves once `check` answers true, polling every 50 ms; rejects after `timeoutMs`. */
async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`not true within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Several deployments in one database, each in its own schema, as the docs show it:
 * DATABASE_URL=postgres://…?options=-c%20search_path%3Dchat_a. The schema need not exist yet.
 */
describe('parseSearchPath', () => {
  it.each<[string, string[]]>([
    ['"$user", public', ['$user', 'public']],
    ['chat_a', ['chat_a']],
    ['Chat_A, public', ['chat_a', 'public']],
    ['"Chat A",public', ['Chat A', 'public']],
    ['"say ""hi""", x', ['say "hi"', 'x']],
    ['', []],
  ])('reads %j as PostgreSQL does', (value, expected) => {
    expect(parseSearchPath(value)).toEqual(expected);
  });
});

needs('postgres').describe('PostgresStore on a search_path whose schema does not exist yet', () => {
  const schemas: string[] = [];
  const opened: PostgresStore[] = [];

  /** A schema name nobody has used, remembered so that it is dropped afterwards. */
  function freshName(prefix = 'new_'): string {
    const name = `${prefix}${randomBytes(6).toString('hex')}`;
    schemas.push(name);
    return name;
  }

  /** TEST_DATABASE_URL with `searchPath` as the connection's search_path. */
  function urlWith(searchPath: string): string {
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${searchPath}`);
    return url.toString();
  }

  async function open(url: string): Promise<PostgresStore> {
    const store = await openPostgresStore(url);
    opened.push(store);
    return store;
  }

  async function query<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      return (await client.query<R>(sql, values)).rows;
    } finally {
      await client.end();
    }
  }

  const tablesIn = async (schema: string): Promise<string[]> =>
    (
      await query<{ tablename: string }>(
        'SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename',
        [schema],
      )
    ).map((r) => r.tablename);

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    for (const schema of schemas.splice(0)) {
      await query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    }
  });

  it('creates the schema, migrates into it and serves', async () => {
    const schema = freshName();
    const store = await open(urlWith(schema));
    await store.createRoom(room('r1'), [owner('alice')]);
    expect(await store.getRoom('r1', 'alice')).toMatchObject({ id: 'r1', is_member: true });
    expect(await tablesIn(schema)).toEqual(
      expect.arrayContaining(['messages', 'rooms', 'room_members', 'schema_migrations']),
    );
  });

  it('creates the first schema of the path, not in a later one that exists', async () => {
    const [schema, existing] = [freshName(), freshName('old_')];
    await query(`CREATE SCHEMA ${existing}`);
    await open(urlWith(`${schema},${existing}`));
    expect(await tablesIn(schema)).toContain('schema_migrations');
    // The later schema exists, but the path named the new one first: nothing lands in the later one.
    expect(await tablesIn(existing)).toEqual([]);
  });

  it('keeps the case of a quoted name', async () => {
    const schema = freshName('Chat_');
    await open(urlWith(`"${schema}"`));
    expect(await tablesIn(schema)).toContain('rooms');
    expect(await tablesIn(schema.toLowerCase())).toEqual([]);
  });

  it('migrates without the request timeouts: a migration may wait or run longer than a request', async () => {
    const schema = freshName();
    // Requests on this URL are cut off after 200 ms, by the client and by the server.
    const url = new URL(urlWith(schema));
    url.searchParams.set('options', `-c search_path=${schema} -c statement_timeout=200`);
    url.searchParams.set('query_timeout', '200');
    // Another node holds the migrations' lock of this schema, as while it migrates.
    const holder = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await holder.connect();
    try {
      const key = [`chat-service migrations`, schema];
      await holder.query(`SELECT pg_advisory_lock(hashtext($1), hashtext($2))`, key);
      const opening = open(url.toString());
      // Held until the opening node has waited well past both timeouts.
      await waitFor(async () => {
        const waiting = await query<{ ms: number }>(
          `SELECT extract(epoch FROM now() - query_start) * 1000 AS ms FROM pg_stat_activity
           WHERE application_name = 'chat-service migrations' AND $1 = ANY(pg_blocking_pids(pid))`,
          [(await holder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid],
        );
        return (waiting[0]?.ms ?? 0) > 600;
      });
      await holder.query(`SELECT pg_advisory_unlock(hashtext($1), hashtext($2))`, key);
      const store = await opening;
      await store.createRoom(room('r1'), [owner('alice')]);
      expect(await tablesIn(schema)).toContain('messages');
    } finally {
      await holder.end();
    }
  });

  it('creates it once when several nodes start on it at the same moment', async () => {
    const schema = freshName();
    const url = urlWith(schema);
    const stores = await Promise.all([1, 2, 3, 4].map(() => open(url)));
    await stores[0]?.createRoom(room('r1'), [owner('alice')]);
    expect(await stores[3]?.getRoom('r1', 'alice')).toMatchObject({ id: 'r1' });
    const recorded = await query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${pg.escapeIdentifier(schema)}.schema_migrations`,
    );
    expect(recorded).toEqual([{ n: postgresMigrations.length }]);
  });
});
