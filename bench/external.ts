import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createClient } from 'redis';
import { addCleanup } from './processes';
import { cpuMsOfProcessesNamed } from './proc';

/**
 * The services scenario (f) runs on: a fresh PostgreSQL database and a unique Redis key prefix
 * per round, both removed afterwards (also on Ctrl-C), and counters read around each step.
 */
export interface PostgresDatabase {
  url: string;
  drop(): Promise<void>;
}

export async function createDatabase(adminUrl: string): Promise<PostgresDatabase> {
  const name = `bench_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = addCleanup(async () => {
    await withAdmin(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  });
  return { url: url.toString(), drop };
}

async function withAdmin<R>(adminUrl: string, body: (client: pg.Client) => Promise<R>): Promise<R> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

export function newKeyPrefix(): string {
  return `bench-${randomBytes(6).toString('hex')}:`;
}

/** Deletes every key under `prefix` (SCAN, never KEYS). */
export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const client = createClient({ url: redisUrl });
  await client.connect();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) {
      if (keys.length > 0) await client.del(keys);
    }
  } finally {
    await client.close();
  }
}

function infoField(info: string, field: string): number {
  const match = new RegExp(`^${field}:([0-9.]+)`, 'm').exec(info);
  return match ? Number(match[1]) : 0;
}

/** Counters to difference around a step: Redis commands, bytes and CPU; PostgreSQL CPU, WAL and writes. */
export interface ExternalCounters {
  sample(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export async function openExternalCounters(adminUrl: string, redisUrl: string): Promise<ExternalCounters> {
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  const postgres = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  await postgres.connect();
  return {
    sample: async () => {
      const [stats, cpu] = [await redis.info('stats'), await redis.info('cpu')];
      // The next transaction id (assigned to writing transactions only) and the WAL position,
      // both current at once, unlike pg_stat_database which backends flush lazily.
      const { rows } = await postgres.query<{ next_xid: string; wal_bytes: string }>(
        `SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS next_xid,
                pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS wal_bytes`,
      );
      const row = rows[0];
      return {
        redisCommands: infoField(stats, 'total_commands_processed'),
        redisInputBytes: infoField(stats, 'total_net_input_bytes'),
        redisOutputBytes: infoField(stats, 'total_net_output_bytes'),
        redisCpuUs: (infoField(cpu, 'used_cpu_user') + infoField(cpu, 'used_cpu_sys')) * 1e6,
        postgresCpuUs: cpuMsOfProcessesNamed('postgres') * 1000,
        postgresWriteTransactions: Number(row?.next_xid ?? 0),
        postgresWalBytes: Number(row?.wal_bytes ?? 0),
      };
    },
    close: async () => {
      await redis.close();
      await postgres.end();
    },
  };
}
