import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { DEFAULT_LIMITS } from '../../shared/limits';
import { DEFAULT_GUARDS } from '../../server/config/env';
import { DEFAULT_RATE_BUDGETS } from '../../server/domain/rate-limits';
import { createDatabase, deleteRedisKeys } from '../external';
import { addCleanup, makeTempDir, removeTempDir } from '../processes';
import { startChatServer, type ServerProcess } from '../servers';
import type { SoakConfig, StoreKind } from './config';

/**
 * The service as deployed, budgets included: bench/servers.ts raises every budget for the bench,
 * the soak puts the per-user and per-connection ones back to their defaults (a soak client is a
 * user at human rates, so none should refuse it). Only the per-address budgets stay raised, since
 * all 2,000 clients connect from 127.0.0.1.
 */
const SERVICE_DEFAULTS: Record<string, string> = {
  RATE_LIMIT_MESSAGES_PER_SECOND: String(DEFAULT_LIMITS.messagesPerSecond),
  RATE_LIMIT_TYPING_PER_SECOND: String(DEFAULT_LIMITS.typingPerSecond),
  RATE_LIMIT_REACTIONS_PER_SECOND: String(DEFAULT_RATE_BUDGETS.reactionsPerSecond),
  RATE_LIMIT_READS_PER_SECOND: String(DEFAULT_RATE_BUDGETS.readsPerSecond),
  RATE_LIMIT_MEMBERSHIP_PER_SECOND: String(DEFAULT_RATE_BUDGETS.membershipPerSecond),
  RATE_LIMIT_ROOMS_PER_MINUTE: String(DEFAULT_RATE_BUDGETS.roomsPerMinute),
  RATE_LIMIT_INVITES_PER_MINUTE: String(DEFAULT_RATE_BUDGETS.invitesPerMinute),
  RATE_LIMIT_ADMIN_LOGINS_PER_MINUTE: String(DEFAULT_RATE_BUDGETS.adminLoginsPerMinute),
  MAX_EVENTS_IN_FLIGHT: String(DEFAULT_GUARDS.eventsInFlight),
  MAX_CONNECTIONS_PER_USER: String(DEFAULT_GUARDS.connectionsPerUser),
  MAX_BUFFERED_BYTES: String(DEFAULT_GUARDS.bufferedBytes),
};

export const NODES: Record<StoreKind, number> = { sqlite: 1, 'postgres-redis': 2 };

export interface Deployment {
  servers: ServerProcess[];
  /** Releases everything: stops the nodes, drops the database, deletes the Redis keys. */
  dispose(): Promise<void>;
}

/**
 * One node on a fresh SQLite file, or two nodes sharing a fresh PostgreSQL database and one Redis
 * under a fresh key prefix; everything is removed afterwards (also on Ctrl-C).
 */
export async function deploy(config: SoakConfig, store: StoreKind, secret: string): Promise<Deployment> {
  const base = { chatDir: config.chatDir, secret, extraEnv: { ...SERVICE_DEFAULTS, ...config.chatEnv } };
  if (store === 'sqlite') {
    const dir = makeTempDir('soak-sqlite-');
    const server = await startChatServer({ ...base, databaseUrl: `sqlite:${path.join(dir, 'chat.db')}` });
    return {
      servers: [server],
      dispose: async () => {
        await server.stop(true);
        removeTempDir(dir);
      },
    };
  }
  const database = await createDatabase(config.postgresUrl);
  const redis = { url: config.redisUrl, keyPrefix: `soak-${randomBytes(6).toString('hex')}:` };
  const deleteKeys = addCleanup(() => deleteRedisKeys(config.redisUrl, redis.keyPrefix));
  const servers: ServerProcess[] = [];
  const dispose = async (): Promise<void> => {
    for (const server of servers) await server.stop(true);
    await database.drop();
    await deleteKeys();
  };
  try {
    // One after the other: the first applies the migrations.
    for (let i = 0; i < NODES[store]; i++) {
      servers.push(await startChatServer({ ...base, databaseUrl: database.url, redis }));
    }
  } catch (err) {
    await dispose();
    throw err;
  }
  return { servers, dispose };
}
