import { createDatabase, deleteRedisKeys, newKeyPrefix, openExternalCounters } from '../external';
import type { LadderOptions } from '../ladder';
import { addCleanup } from '../processes';
import type { ServerKind } from '../servers';
import { alternate, assertAlive, startChat, withServer, type BenchContext, type ByServer } from './context';
import { smallRoomsRound, type SmallRoomsRound } from './small-rooms';

const LADDER: LadderOptions = { start: 100, factor: 1.5, max: 50_000, refinements: 2 };
export const NODES = 2;

/**
 * (f): the small-rooms load on two chat-service nodes sharing one PostgreSQL database (fresh per
 * round) and one Redis (a fresh key prefix per round), clients split between the nodes, against
 * the bare reference on a single node. CPU is summed over both nodes; Redis and PostgreSQL
 * counters are read around every step.
 */
export async function runPostgresRedis(ctx: BenchContext): Promise<ByServer<SmallRoomsRound>> {
  const { postgresUrl, redisUrl } = ctx.config;
  const firstSustained = new Map<ServerKind, number>();
  const counters = await openExternalCounters(postgresUrl, redisUrl);
  try {
    return await alternate(ctx, 'small rooms on PostgreSQL + Redis (f)', async (kind) => {
      if (kind === 'bare') {
        return withServer(ctx, kind, ({ origins, pids }) =>
          smallRoomsRound(ctx, { origins, serverPids: pids }, LADDER, kind, firstSustained),
        );
      }
      const database = await createDatabase(postgresUrl);
      const redis = { url: redisUrl, keyPrefix: newKeyPrefix() };
      const deleteKeys = addCleanup(() => deleteRedisKeys(redisUrl, redis.keyPrefix));
      const nodes: Awaited<ReturnType<typeof startChat>>[] = [];
      try {
        // One after the other: the first applies the migrations.
        for (let i = 0; i < NODES; i++)
          nodes.push(await startChat(ctx, { databaseUrl: database.url, redis }));
        const round = await smallRoomsRound(
          ctx,
          {
            origins: nodes.map((n) => n.server.origin),
            serverPids: nodes.map((n) => n.server.pid),
            external: counters.sample,
          },
          LADDER,
          kind,
          firstSustained,
        );
        assertAlive(nodes.map((n) => n.server));
        return round;
      } finally {
        for (const node of nodes) await node.dispose();
        await ctx.workload.pool.all({ type: 'closeAll' }).catch(() => undefined);
        await database.drop();
        await deleteKeys();
      }
    });
  } finally {
    await counters.close();
  }
}
