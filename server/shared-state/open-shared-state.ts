import type { ServerOptions } from 'socket.io';
import type { Config } from '../config/env';
import type { PresenceTracker } from '../domain/presence';
import type { RateLimiter } from '../domain/rate-limits';
import type { TypingTracker } from '../domain/typing';
import { LocalPresence } from '../ephemeral/local-presence';
import { LocalRateLimiter } from '../ephemeral/local-rate-limiter';
import { LocalTypingTracker } from '../ephemeral/local-typing';
import type { Logger } from '../logger';
import type { AccessChanges } from '../store/cache/access-changes';
import { singleNodeAccessChanges } from '../store/cache/single-node-access-changes';
import { openRedisSharedState } from './redis/open-redis-shared-state';

/**
 * State that lives outside the database: who is online, who is typing, rate-limit budgets, how
 * Socket.IO broadcasts reach other nodes, and how membership changes reach the other nodes' access
 * caches. In-process on one node; shared through Redis with REDIS_URL.
 */
export interface SharedState {
  presence: PresenceTracker;
  typing: TypingTracker;
  rateLimiter: RateLimiter;
  /** How this node hears of the membership changes other nodes make (its access cache depends on it). */
  accessChanges: AccessChanges;
  /** Merged into the Socket.IO server options (the adapter, when broadcasts must cross nodes). */
  socketIoOptions: Partial<ServerOptions>;
  /** Readiness checks by name; each rejects while its dependency is unreachable. */
  readiness: Record<string, () => Promise<void>>;
  close(): Promise<void>;
}

export interface SharedStateOptions {
  /** Prefix of every Redis key and stream, so that services (or test runs) can share one Redis. */
  keyPrefix?: string;
  /** How long start-up waits for Redis before failing (default 10 s). */
  connectTimeoutMs?: number;
}

export const DEFAULT_KEY_PREFIX = 'chat:';

export async function openSharedState(
  config: Config,
  logger: Logger,
  options: SharedStateOptions = {},
): Promise<SharedState> {
  const { redisUrl } = config;
  if (redisUrl !== undefined) {
    return openRedisSharedState({ ...config, redisUrl }, logger, {
      keyPrefix: options.keyPrefix ?? DEFAULT_KEY_PREFIX,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    });
  }
  const typing = new LocalTypingTracker(config.typingTimeoutMs);
  return {
    presence: new LocalPresence(),
    typing,
    rateLimiter: new LocalRateLimiter(config.rateBudgets),
    accessChanges: singleNodeAccessChanges(),
    socketIoOptions: {},
    readiness: {},
    close: async () => {
      typing.close();
    },
  };
}
