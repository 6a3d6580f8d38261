import type { StorageConfig } from '../config/env';
import type { Logger } from '../logger';
import { PostgresStore } from './postgres/postgres-store';
import { SqliteStore } from './sqlite/sqlite-store';
import { DEFAULT_STORE_OPTIONS, type StoreOptions } from './store-options';
import type { ChatStore } from './types';

/**
 * Picks the store implementation that DATABASE_URL names. `logger` hears about PostgreSQL
 * connections lost while idle (a database restart); the pool replaces them by itself. `options`
 * come from the configured limits; what is left out takes its default.
 */
export async function openStore(
  config: StorageConfig,
  logger?: Logger,
  options: Partial<StoreOptions> = {},
): Promise<ChatStore> {
  const storeOptions: StoreOptions = { ...DEFAULT_STORE_OPTIONS, ...options };
  switch (config.kind) {
    case 'sqlite':
      return SqliteStore.open(config.path, storeOptions);
    case 'postgres':
      return PostgresStore.open(
        config.url,
        { onError: (err) => logger?.warn('PostgreSQL connection lost; the pool will reconnect', { err }) },
        storeOptions,
      );
  }
}
