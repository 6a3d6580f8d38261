import type { StorageConfig } from '../config/env';
import { SqliteStore } from './sqlite/sqlite-store';
import type { ChatStore } from './types';

/** Picks the store implementation that DATABASE_URL names. */
export async function openStore(config: StorageConfig): Promise<ChatStore> {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteStore(config.path);
    case 'postgres':
      throw new Error('PostgreSQL store: not built yet');
  }
}
