import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { postgresAddress, type Address } from '../setup/services';
import { settings } from './services';

/**
 * PostgreSQL for tests: the server named by TEST_DATABASE_URL (default: the local `test` database),
 * one fresh schema per store or server, so tests never see each other's rows and can run in
 * parallel. Suites that use it declare `needs('postgres')` (./services.ts), so they are skipped
 * when nothing answered at the start of the run; if it goes away later, creating a schema rejects
 * and the test fails.
 */
export const TEST_DATABASE_URL = settings.databaseUrl;

/** Host and port of the test database, for a TCP proxy in front of it. */
export const testDatabaseAddress = (): Address => postgresAddress(TEST_DATABASE_URL);

export interface TestSchema {
  name: string;
  /** TEST_DATABASE_URL with the schema as search_path: what DATABASE_URL is set to. */
  url: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

/** `url` with `schema` as the connection's search_path (libpq's `options`, which pg honours). */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** Runs one statement on a short-lived connection to the test database (`baseUrl`). */
async function admin(sql: string, baseUrl = TEST_DATABASE_URL): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl, connectionTimeoutMillis: 5000 });
  // A connection error after connect must fail the statement, not crash the test process.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function createTestSchema(baseUrl = TEST_DATABASE_URL): Promise<TestSchema> {
  const name = `t_${randomBytes(8).toString('hex')}`;
  await admin(`CREATE SCHEMA ${name}`, baseUrl);
  let dropped: Promise<void> | undefined;
  return {
    name,
    url: withSearchPath(baseUrl, name),
    drop: () => (dropped ??= admin(`DROP SCHEMA IF EXISTS ${name} CASCADE`, baseUrl)),
  };
}
