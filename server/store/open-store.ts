import type { StorageConfig } from '../config/env';
import type { Logger } from '../logger';
import { PostgresStore } from './postgres/postgres-store';
import { SqliteStore } from './sqlite/sqlite-store';
import type { ChatStore } from './types';

/**
 * Picks the store implementation that DATABASE_URL names. `logger` hears about PostgreSQL
 * connections lost while idle (a database restart); the pool replaces them by itself.
 */
export async function openStore(config: StorageConfig, logger?: Logger): Promise<ChatStore> {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteStore(config.path);
    case 'postgres':
      return PostgresStore.open(config.url, {
        onError: (err) => logger?.warn('PostgreSQL connection lost; the pool will reconnect', { err }),
      });
  }
}
