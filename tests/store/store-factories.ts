import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PostgresStore } from '../../server/store/postgres/postgres-store';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store';
import type { ChatStore } from '../../server/store/types';
import { createTestSchema } from '../helpers/postgres';
import { isUp } from '../helpers/services';

/** One freshly created, empty store and the means to restart and dispose of it. */
export interface StoreHandle {
  store: ChatStore;
  /**
   * Closes the store it was last given and opens a new one on the same storage (a process restart).
   * The returned store is closed by `cleanup` too.
   */
  reopen(): Promise<ChatStore>;
  /**
   * Opens one more store on the same storage while the others stay open, as a second node would.
   * Closed by `cleanup` too.
   */
  openSibling(): Promise<ChatStore>;
  /** Closes every store opened through this handle and removes the storage. */
  cleanup(): Promise<void>;
}

export interface StoreFactory {
  name: string;
  open(): Promise<StoreHandle>;
}

/** A fresh SQLite file path inside its own temporary folder; `remove` deletes the folder. */
export async function tempSqliteFile(): Promise<{ file: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'chat-store-test-'));
  return {
    file: path.join(dir, 'chat.db'),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

const sqliteFactory: StoreFactory = {
  name: 'sqlite',
  async open() {
    const { file, remove } = await tempSqliteFile();
    const first = new SqliteStore(file);
    const opened: ChatStore[] = [first];
    return {
      store: first,
      async reopen() {
        const latest = opened[opened.length - 1];
        if (latest) await latest.close();
        const next = new SqliteStore(file);
        opened.push(next);
        return next;
      },
      async openSibling() {
        const sibling = new SqliteStore(file);
        // First in the list, so that `reopen` still closes the store it last returned.
        opened.unshift(sibling);
        return sibling;
      },
      async cleanup() {
        for (const store of opened) await store.close();
        await remove();
      },
    };
  },
};

/**
 * A PostgreSQL store on `url`. Store tests never cut a connection, and a lost one would fail the
 * query that needed it; what the server does about pool errors is postgres-readiness.test.ts's.
 */
export function openPostgresStore(url: string): Promise<PostgresStore> {
  return PostgresStore.open(url, { onError: () => undefined });
}

/**
 * A fresh schema of the test database (TEST_DATABASE_URL) per `open`, dropped by `cleanup`. When
 * PostgreSQL goes away during the run, `open` rejects and the test fails.
 */
const postgresFactory: StoreFactory = {
  name: 'postgres',
  async open() {
    const schema = await createTestSchema();
    let first: ChatStore;
    try {
      first = await openPostgresStore(schema.url);
    } catch (err) {
      await schema.drop();
      throw err;
    }
    const opened: ChatStore[] = [first];
    return {
      store: first,
      async reopen() {
        const latest = opened[opened.length - 1];
        if (latest) await latest.close();
        const next = await openPostgresStore(schema.url);
        opened.push(next);
        return next;
      },
      async openSibling() {
        const sibling = await openPostgresStore(schema.url);
        // First in the list, so that `reopen` still closes the store it last returned.
        opened.unshift(sibling);
        return sibling;
      },
      async cleanup() {
        for (const store of opened) await store.close();
        await schema.drop();
      },
    };
  },
};

/**
 * Every store implementation whose engine is here; tests/store/*.test.ts run their whole suites
 * against each one. PostgreSQL is left out when it did not answer at the start of the run (the run
 * prints a "skipped: PostgreSQL suites" line for it, and CHAT_TEST_REQUIRE_ALL=1 makes that a
 * failure); SQLite is embedded, so its suites run everywhere.
 */
export const storeFactories: readonly StoreFactory[] = isUp('postgres')
  ? [sqliteFactory, postgresFactory]
  : [sqliteFactory];
