import path from 'node:path';
import type { BenchConfig } from '../config';
import { makeTempDir, removeTempDir } from '../processes';
import { startBareServer, startChatServer, type ServerKind, type ServerProcess } from '../servers';
import type { Workload } from '../workload';

/** What every scenario gets from the orchestrator. */
export interface BenchContext {
  config: BenchConfig;
  workload: Workload;
  /** The compiled bare reference server. */
  bareScript: string;
  log(line: string): void;
}

export interface ServerSet {
  servers: ServerProcess[];
  pids: number[];
  origins: string[];
}

/** A fresh chat-service on a fresh SQLite file in a temporary folder, or the given storage. */
export async function startChat(
  ctx: BenchContext,
  storage?: { databaseUrl: string; redis?: { url: string; keyPrefix: string } },
): Promise<{ server: ServerProcess; dispose(): Promise<void> }> {
  const dir = storage ? undefined : makeTempDir('bench-sqlite-');
  const server = await startChatServer({
    chatDir: ctx.config.chatDir,
    secret: ctx.workload.secret,
    databaseUrl: storage?.databaseUrl ?? `sqlite:${path.join(dir ?? '', 'chat.db')}`,
    redis: storage?.redis,
    extraEnv: ctx.config.chatEnv,
  });
  return {
    server,
    dispose: async () => {
      await server.stop();
      if (dir) removeTempDir(dir);
    },
  };
}

/**
 * Runs `body` against a fresh server of `kind` (bare, or chat-service on its own SQLite file),
 * then stops it and closes every generator client, whatever happened.
 */
export async function withServer<R>(
  ctx: BenchContext,
  kind: ServerKind,
  body: (set: ServerSet) => Promise<R>,
): Promise<R> {
  const started =
    kind === 'bare'
      ? await startBareServer(ctx.bareScript).then((server) => ({ server, dispose: () => server.stop() }))
      : await startChat(ctx);
  try {
    const result = await body({
      servers: [started.server],
      pids: [started.server.pid],
      origins: [started.server.origin],
    });
    assertAlive([started.server]);
    return result;
  } finally {
    await started.dispose();
    await ctx.workload.pool.all({ type: 'closeAll' }).catch(() => undefined);
  }
}

/** A round whose server died is an error, not a figure. */
export function assertAlive(servers: readonly ServerProcess[]): void {
  for (const server of servers) {
    const crash = server.crashed();
    if (crash) throw new Error(`${server.kind} server ${server.pid} died during the round: ${crash}`);
  }
}

export type ByServer<R> = Record<ServerKind, R[]>;

/**
 * A/B/A/B: bare, chat, bare, chat, … for `rounds` rounds each, every round on a fresh server
 * process, so slow drift of the machine (other load, thermal state) hits both alike.
 */
export async function alternate<R>(
  ctx: BenchContext,
  label: string,
  round: (kind: ServerKind, index: number) => Promise<R>,
  kinds: readonly ServerKind[] = ['bare', 'chat'],
  rounds = ctx.config.rounds,
): Promise<ByServer<R>> {
  const results: ByServer<R> = { bare: [], chat: [] };
  for (let i = 0; i < rounds; i++) {
    for (const kind of kinds) {
      const started = Date.now();
      const result = await round(kind, i);
      results[kind].push(result);
      ctx.log(`${label} ${kind} round ${i + 1}/${rounds} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    }
  }
  return results;
}
