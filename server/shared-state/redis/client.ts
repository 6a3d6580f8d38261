import { createClient } from 'redis';
import type { Logger } from '../../logger';
import { redactUrl } from '../../config/env';

export type RedisClient = ReturnType<typeof newClient>;

/** Longest pause between reconnection attempts: a Redis that comes back is used within about this long. */
const MAX_RECONNECT_DELAY_MS = 2000;
/** Broadcasts held while Redis is unreachable (sent when it returns); past this, sends fail at once. */
const MAX_QUEUED_COMMANDS = 10_000;
const CLOSE_TIMEOUT_MS = 2000;

export interface RedisClientOptions {
  url: string;
  /** Shown by CLIENT LIST and in logs. */
  name: string;
  /**
   * Whether commands wait for a reconnection (true) or fail at once while Redis is unreachable
   * (false). Broadcasts wait, so that a short outage loses none; presence, typing, rate limits and
   * readiness fail fast, so that a request never hangs on Redis and readiness turns 503 at once.
   */
  queueWhileOffline: boolean;
  /**
   * How long a command may wait for its answer (node-redis's default: 5000 ms); 0: as long as it
   * takes. Each timed command costs a timer and an abort signal that fires after its answer came.
   */
  commandTimeoutMs?: number;
  logger: Logger;
}

/**
 * A node-redis client that reconnects forever (with capped exponential back-off and jitter), never
 * crashes the process on a connection error, and logs an outage once when it starts and once when
 * it ends rather than at every attempt.
 */
export function createRedisClient(opts: RedisClientOptions): RedisClient {
  const client = newClient(opts);
  watchConnection(client, opts.name, opts.logger);
  return client;
}

function newClient(opts: RedisClientOptions) {
  return createClient({
    url: opts.url,
    name: opts.name,
    disableOfflineQueue: !opts.queueWhileOffline,
    commandsQueueMaxLength: MAX_QUEUED_COMMANDS,
    ...(opts.commandTimeoutMs === undefined ? {} : { commandOptions: { timeout: opts.commandTimeoutMs } }),
    socket: {
      connectTimeout: 5000,
      reconnectStrategy: (retries: number) =>
        Math.min(50 * 2 ** Math.min(retries, 10), MAX_RECONNECT_DELAY_MS) + Math.floor(Math.random() * 100),
    },
  });
}

/** Logs the first error of an outage and the recovery; an 'error' listener is what keeps node-redis from throwing. */
export function watchConnection(client: RedisClient, name: string, logger: Logger): void {
  let down = false;
  client.on('error', (err: unknown) => {
    if (down) {
      logger.debug('redis still unreachable', { client: name, err });
    } else {
      down = true;
      logger.error('redis connection lost; reconnecting', { client: name, err });
    }
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info('redis connection restored', { client: name });
  });
}

/** Connects, or gives up after `timeoutMs` with an error that names the (password-less) URL. */
export async function connectWithin(client: RedisClient, url: string, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Redis at ${redactUrl(url)} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });
  const connecting = client.connect();
  // Destroying the client on timeout rejects this promise too; that rejection is expected.
  connecting.catch(() => undefined);
  try {
    await Promise.race([connecting, timeout]);
  } catch (err) {
    client.destroy();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Sends what is pending and closes; a client that cannot reach Redis is dropped instead of waited for. */
export async function closeClient(client: RedisClient): Promise<void> {
  if (!client.isOpen) return;
  if (!client.isReady) return client.destroy();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.close(),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  client.destroy();
}
