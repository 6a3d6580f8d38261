import { redactUrl, type Config } from '../../config/env';
import type { Logger } from '../../logger';
import type { SharedState } from '../open-shared-state';
import { closeClient, connectWithin, createRedisClient, type RedisClient } from './client';
import { RedisAccessChanges } from './redis-access-changes';
import { RedisPresence } from './redis-presence';
import { RedisRateLimiter } from './redis-rate-limiter';
import { RedisTypingTracker } from './redis-typing';
import { streamsAdapter } from './streams-adapter';

/**
 * Everything shared through Redis. Three connections: `commands` (presence, typing, rate limits,
 * readiness) fails fast while Redis is unreachable; `publisher` (the Socket.IO adapter's appends,
 * plus the readers it duplicates, and access change notices) holds commands until Redis is back, so
 * broadcasts and notices survive an outage; `subscriber` hears the other nodes' access changes.
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
    // Every broadcast is a command here: no per-command timer. A broadcast waits out an outage
    // (queued), and the adapter's blocking reads must not be cut by a timeout of their own.
    commandTimeoutMs: 0,
    logger,
  });
  const subscriber = createRedisClient({
    url,
    name: 'chat-service-access',
    queueWhileOffline: false,
    logger,
  });
  const presence = new RedisPresence({ client: commands, keyPrefix, ttlMs: config.presenceTtlMs, logger });
  const accessChanges = new RedisAccessChanges({
    publisher,
    subscriber,
    keyPrefix,
    nodeId: presence.nodeId,
    logger,
  });
  const opened: RedisClient[] = [];
  try {
    for (const client of [commands, publisher, subscriber]) {
      await connectWithin(client, url, connectTimeoutMs);
      opened.push(client);
    }
    // Subscribed before this node serves anything: no change another node makes can be missed.
    await accessChanges.start();
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
    accessChanges,
    socketIoOptions: { adapter: adapter.adapter },
    readiness: {
      redis: async () => {
        await commands.ping();
      },
    },
    close: async () => {
      typing.close();
      await Promise.all([accessChanges.close(), presence.close(), typing.drained()]);
      await adapter.close();
      await Promise.all([closeClient(commands), closeClient(publisher), closeClient(subscriber)]);
    },
  };
}
