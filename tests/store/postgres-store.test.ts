import pg from 'pg';
import { postgresMigrations } from '../../server/store/postgres/migrations';
import { PostgresStore } from '../../server/store/postgres/postgres-store';
import {
  createTestSchema,
  TEST_DATABASE_URL,
  testDatabaseAddress,
  type TestSchema,
} from '../helpers/postgres';
import { needs } from '../helpers/services';
import { startTcpProxy } from '../helpers/tcp-proxy';
import { openPostgresStore } from './store-factories';
import { owner, room } from './store-fixtures';

/**
 * What only the PostgreSQL store has to get right: nodes that start together on one schema, a
 * server that cannot be reached, and connections the server drops. Its ChatStore behaviour is
 * store.test.ts's and store-activity.test.ts's, which run against it too.
 */
// Needs no PostgreSQL: nothing listens on port 1.
describe('PostgresStore without a server', () => {
  it('refuses to open, promptly, when PostgreSQL cannot be reached', async () => {
    const unreachable = new URL(TEST_DATABASE_URL);
    unreachable.port = '1';
    await expect(openPostgresStore(unreachable.toString())).rejects.toHaveProperty('message');
  });
});

needs('postgres').describe('PostgresStore', () => {
  let schema: TestSchema;
  const opened: PostgresStore[] = [];

  beforeEach(async () => {
    schema = await createTestSchema();
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await schema.drop();
  });

  async function query<R extends pg.QueryResultRow>(sql: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: schema.url });
    await client.connect();
    try {
      return (await client.query<R>(sql, values)).rows;
    } finally {
      await client.end();
    }
  }

  it('migrates once when several nodes start on a fresh schema at the same moment', async () => {
    const stores = await Promise.all([1, 2, 3, 4].map(() => openPostgresStore(schema.url)));
    opened.push(...stores);
    const [first, second] = stores;
    await first?.createRoom(room('r1'), [owner('alice')]);
    expect(await second?.getRoom('r1', 'alice')).toMatchObject({ id: 'r1', is_member: true });

    const expected = postgresMigrations.map((m) => ({ version: m.version, name: m.name }));
    const recorded = () => query('SELECT version, name FROM schema_migrations ORDER BY version');
    expect(await recorded()).toEqual(expected);
    // A restart finds every version applied and keeps the data.
    opened.push(await openPostgresStore(schema.url));
    expect(await recorded()).toEqual(expected);
    expect(await opened.at(-1)?.getRoom('r1', 'alice')).toMatchObject({ id: 'r1' });
  });

  it('gives up opening when PostgreSQL accepts the connection but never answers', async () => {
    const proxy = await startTcpProxy(testDatabaseAddress());
    try {
      proxy.stall();
      const silent = new URL(schema.url);
      silent.hostname = proxy.host;
      silent.port = String(proxy.port);
      const started = Date.now();
      await expect(openPostgresStore(silent.toString())).rejects.toHaveProperty('message');
      // The connect timeout (5 s), not a hang.
      expect(Date.now() - started).toBeLessThan(8000);
    } finally {
      proxy.restore();
      await proxy.close();
    }
  });

  it('survives the server closing its connections: reports it, reconnects, loses nothing', async () => {
    const name = `${schema.name}_app`;
    const url = new URL(schema.url);
    url.searchParams.set('application_name', name);
    const errors: Error[] = [];
    let onErrorSeen = (): void => undefined;
    const store = await PostgresStore.open(url.toString(), {
      onError: (err) => {
        errors.push(err);
        onErrorSeen();
      },
    });
    opened.push(store);
    await store.createRoom(room('r1'), [owner('alice')]);
    // Several idle connections in the pool.
    await Promise.all([1, 2, 3].map(() => store.getRoom('r1', 'alice')));

    const terminated = await query<{ ok: boolean }>(
      'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1',
      [name],
    );
    expect(terminated.length).toBeGreaterThan(0);
    // A PostgreSQL restart looks the same to the pool: every idle connection reports an error.
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${errors.length} of ${terminated.length} errors`)),
        3000,
      );
      onErrorSeen = () => {
        if (errors.length < terminated.length) return;
        clearTimeout(timer);
        resolve();
      };
      onErrorSeen();
    });

    await expect(store.ping()).resolves.toBeUndefined();
    expect(await store.getRoom('r1', 'alice')).toMatchObject({ id: 'r1' });
    const { message } = await store.insertMessage({
      id: 'm1',
      room_id: 'r1',
      user_id: 'alice',
      username: 'Alice',
      content: 'after the restart',
      message_type: 'text',
      parent_id: null,
      client_id: null,
      timestamp: new Date().toISOString(),
      mentions: [],
    });
    expect(message.seq).toBe(1);
  });
});
