import { randomUUID } from 'node:crypto';
import type { PresenceTracker } from '../../server/domain/presence';
import type { RateLimiter } from '../../server/domain/rate-limits';
import type { TypingTracker } from '../../server/domain/typing';
import { LocalPresence } from '../../server/ephemeral/local-presence';
import { LocalRateLimiter, type RateBudgets } from '../../server/ephemeral/local-rate-limiter';
import { LocalTypingTracker } from '../../server/ephemeral/local-typing';
import { createLogger } from '../../server/logger';
import {
  closeClient,
  connectWithin,
  createRedisClient,
  type RedisClient,
} from '../../server/shared-state/redis/client';
import { RedisPresence } from '../../server/shared-state/redis/redis-presence';
import { RedisRateLimiter } from '../../server/shared-state/redis/redis-rate-limiter';
import { RedisTypingTracker } from '../../server/shared-state/redis/redis-typing';
import { needs, settings, type Service } from '../helpers/services';

/**
 * The Redis the tests use (TEST_REDIS_URL). Its tests declare `needs('redis')`, so they are skipped
 * when it did not answer at the start of the run; if it goes away later, they fail.
 */
export const TEST_REDIS_URL = settings.redisUrl;

export const silentLogger = createLogger({ env: 'test', logLevel: 'silent' });

/**
 * One shared-state implementation under test. A "node" is one instance as one server process
 * would hold it: with Redis every node of a harness shares one key prefix (one cluster), while a
 * fresh harness gets a fresh prefix, so test files running in parallel never meet.
 */
export interface Harness {
  presence(opts?: { ttlMs?: number; redisUrl?: string }): Promise<PresenceTracker>;
  typing(timeoutMs: number, now: () => number): Promise<TypingTracker>;
  rateLimiter(budgets: RateBudgets, opts?: { redisUrl?: string }): Promise<RateLimiter>;
  close(): Promise<void>;
}

/** The Redis harness, typed for the tests that only Redis has (several nodes, outages). */
export interface RedisHarness extends Harness {
  presence(opts?: { ttlMs?: number; redisUrl?: string }): Promise<RedisPresence>;
  typing(timeoutMs: number, now: () => number): Promise<RedisTypingTracker>;
  /** Another connection to the harness's Redis, for what a test must see or change directly. */
  client(): Promise<RedisClient>;
  readonly prefix: string;
}

export interface Implementation {
  name: string;
  /** What it needs beyond npm: its suites are skipped when one of them is missing. */
  needs: readonly Service[];
  open(): Harness;
}

export const local: Implementation = {
  name: 'in-process',
  needs: [],
  open() {
    const typers: TypingTracker[] = [];
    return {
      presence: async () => new LocalPresence(),
      typing: async (timeoutMs, now) => {
        const tracker = new LocalTypingTracker(timeoutMs, now);
        typers.push(tracker);
        return tracker;
      },
      rateLimiter: async (budgets) => new LocalRateLimiter(budgets),
      close: async () => {
        for (const t of typers) t.close();
      },
    };
  },
};

export function openRedisHarness(): RedisHarness {
  const prefix = `test:${randomUUID()}:`;
  const clients: RedisClient[] = [];
  const closers: (() => Promise<void>)[] = [];
  const connect = async (url = TEST_REDIS_URL): Promise<RedisClient> => {
    const client = createRedisClient({
      url,
      name: 'chat-service-test',
      queueWhileOffline: false,
      logger: silentLogger,
    });
    await connectWithin(client, url, 5000);
    clients.push(client);
    return client;
  };
  return {
    prefix,
    client: () => connect(),
    presence: async (opts = {}) => {
      const presence = new RedisPresence({
        client: await connect(opts.redisUrl),
        keyPrefix: prefix,
        ttlMs: opts.ttlMs ?? 30_000,
        logger: silentLogger,
      });
      closers.push(() => presence.close());
      await presence.start();
      return presence;
    },
    typing: async (timeoutMs, now) => {
      const tracker = new RedisTypingTracker({
        client: await connect(),
        keyPrefix: prefix,
        timeoutMs,
        now,
        logger: silentLogger,
      });
      closers.push(() => tracker.drained());
      return tracker;
    },
    rateLimiter: async (budgets, opts = {}) =>
      new RedisRateLimiter(await connect(opts.redisUrl), budgets, prefix),
    close: async () => {
      for (const close of closers) await close();
      const cleaner = await connect();
      const keys: string[] = [];
      for await (const batch of cleaner.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
        keys.push(...batch);
      if (keys.length > 0) await cleaner.del(keys);
      await Promise.all(clients.map((c) => closeClient(c)));
    },
  };
}

export const implementations: readonly Implementation[] = [
  local,
  { name: 'Redis', needs: ['redis'], open: openRedisHarness },
];

/**
 * One suite over every implementation, as `describe.each(implementations)('<title> ($name)', …)`
 * would, with each implementation's block skipped when what it needs is missing: the in-process
 * one runs everywhere.
 */
export function describeEachImplementation(title: string, suite: (impl: Implementation) => void): void {
  for (const impl of implementations) {
    needs(...impl.needs).describe(`${title} (${impl.name})`, () => suite(impl));
  }
}

/** Resolves with what `subscribe`'s callback is called with next; rejects after `timeoutMs`. */
export function nextCall<A extends unknown[]>(
  subscribe: (callback: (...args: A) => void) => void,
  what: string,
  timeoutMs = 3000,
): Promise<A> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    subscribe((...args) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(args);
    });
  });
}
