import type { z } from 'zod';
import type { RedisClient } from './client';

/**
 * A Lua script run atomically by Redis, its reply checked with a zod schema. Sent with EVAL every
 * time (Redis caches the compiled script by its hash): unlike EVALSHA with a NOSCRIPT fallback,
 * the commands of one client then reach Redis in the order they were issued, which the presence
 * bookkeeping relies on.
 */
export class LuaScript<T> {
  constructor(
    private readonly source: string,
    private readonly reply: z.ZodType<T>,
  ) {}

  async run(client: RedisClient, keys: string[], args: (string | number)[]): Promise<T> {
    const result: unknown = await client.eval(this.source, { keys, arguments: args.map(String) });
    return this.reply.parse(result);
  }
}
