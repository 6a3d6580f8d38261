import type { Config } from '../../config/env';
import type { Logger } from '../../logger';
import type { SharedState } from '../open-shared-state';
import { closeClient, connectWithin, createRedisClient, redactUrl, type RedisClient } from './client';
import { RedisPresence } from './redis-presence';
import { RedisRateLimiter } from './redis-rate-limiter';
import { RedisTypingTracker } from './redis-typing';
import { streamsAdapter } from './streams-adapter';

/**
 * Everything shared through Redis. Two connections: `commands` (presence, typing, rate limits,
 * readiness) fails fast while Redis is unreachable; `publisher` (the Socket.IO adapter's appends,
 * plus the readers it duplicates) holds commands until Redis is back, so broadcasts survive an outage.
 */
export async function openRedisSharedState(
  config: Config & { redisUrl: string },
  logger: Logger,
  /** `connectTimeoutMs`: how long start-up waits for Redis before failing (an orchestrator restarts it). */
  { keyPrefix, connectTimeoutMs }: { keyPrefix: string; connectTimeoutMs: number },
): Promise<SharedState> {
  const url = config.redisUrl;
  const commands = createRedisClient({ url, name: 'chat-service', queueWhileOffline: false, logger });
  const publisher = createRedisClient({
    url,
    name: 'chat-service-socket.io',
    queueWhileOffline: true,
    logger,
  });
  const presence = new RedisPresence({ client: commands, keyPrefix, ttlMs: config.presenceTtlMs, logger });
  const opened: RedisClient[] = [];
  try {
    for (const client of [commands, publisher]) {
      await connectWithin(client, url, connectTimeoutMs);
      opened.push(client);
    }
    // Registers this node; its timers start only once that succeeded, so nothing is left running.
    await presence.start();
  } catch (err) {
    await Promise.all(opened.map((client) => closeClient(client)));
    throw err;
  }
  const typing = new RedisTypingTracker({
    client: commands,
    keyPrefix,
    timeoutMs: config.typingTimeoutMs,
    logger,
  });
  const adapter = streamsAdapter(publisher, keyPrefix, logger);
  logger.info('shared state in Redis', {
    redis: redactUrl(url),
    node: presence.nodeId,
    presence_ttl_ms: config.presenceTtlMs,
  });
  return {
    presence,
    typing,
    rateLimiter: new RedisRateLimiter(commands, config.rateBudgets, keyPrefix),
    socketIoOptions: { adapter: adapter.adapter },
    readiness: {
      redis: async () => {
        await commands.ping();
      },
    },
    close: async () => {
      typing.close();
      await Promise.all([presence.close(), typing.drained()]);
      await adapter.close();
      await Promise.all([closeClient(commands), closeClient(publisher)]);
    },
  };
}
