import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SqliteStore } from '../../server/store/sqlite/sqlite-store';
import type { ChatStore } from '../../server/store/types';

/** One freshly created, empty store and the means to restart and dispose of it. */
export interface StoreHandle {
  store: ChatStore;
  /**
   * Closes the store it was last given and opens a new one on the same storage (a process restart).
   * The returned store is closed by `cleanup` too.
   */
  reopen(): Promise<ChatStore>;
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
      async cleanup() {
        for (const store of opened) await store.close();
        await remove();
      },
    };
  },
};

/**
 * Every store implementation; tests/store/store.test.ts runs its whole suite against each one.
 * A PostgreSQL entry (a fresh schema or database per `open`, dropped by `cleanup`) goes here.
 */
export const storeFactories: readonly StoreFactory[] = [sqliteFactory];
