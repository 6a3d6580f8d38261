import type { TypingUser } from '../../../shared/schemas/objects';
import type { TypingTracker } from '../../domain/typing';
import type { Logger } from '../../logger';
import type { RedisClient } from './client';
import { Ticker } from './ticker';
import { CLEAR_USER, LIST, START, STOP, SWEEP, typingKeys } from './typing-scripts';

/** Expired entries removed per sweep script, so that one call never holds Redis for long. */
const SWEEP_BATCH = 1000;

export interface RedisTypingOptions {
  client: RedisClient;
  keyPrefix: string;
  timeoutMs: number;
  logger: Logger;
  /** The clock deadlines are set and compared with (nodes are expected to keep NTP time). */
  now?: () => number;
}

/**
 * Typing state shared by every node, with the same behaviour as the in-process tracker: each
 * change returns the room's full list, renewals return nothing, lists keep the order in which
 * people started. Every node sweeps for expired entries as often as the in-process tracker does;
 * the sweep is one atomic script, so each expiry is reported (and broadcast) by one node only.
 */
export class RedisTypingTracker implements TypingTracker {
  private readonly client: RedisClient;
  private readonly prefix: string;
  private readonly keys: string[];
  private readonly timeoutMs: number;
  private readonly now: () => number;
  private readonly listeners: ((roomId: string, users: TypingUser[]) => void)[] = [];
  private readonly sweeper: Ticker;
  readonly lifetimeMs: number;

  constructor(opts: RedisTypingOptions) {
    this.client = opts.client;
    this.prefix = opts.keyPrefix;
    this.keys = typingKeys(opts.keyPrefix);
    this.timeoutMs = opts.timeoutMs;
    this.now = opts.now ?? Date.now;
    const sweepEveryMs = Math.max(10, Math.min(1000, Math.floor(opts.timeoutMs / 4)));
    // Deadlines are set by the clock of the node that set them: clocks kept within a second.
    this.lifetimeMs = opts.timeoutMs + sweepEveryMs + 1000;
    this.sweeper = new Ticker('typing expiry sweep', sweepEveryMs, () => this.sweep(), opts.logger);
    this.sweeper.start();
  }

  async set(roomId: string, user: TypingUser, isTyping: boolean): Promise<TypingUser[] | null> {
    const list = isTyping
      ? await START.run(this.client, this.keys, [
          this.prefix,
          roomId,
          user.user_id,
          user.username,
          this.now() + this.timeoutMs,
        ])
      : await STOP.run(this.client, this.keys, [this.prefix, roomId, user.user_id]);
    return list && toUsers(list);
  }

  async clearUser(userId: string): Promise<Map<string, TypingUser[]>> {
    const changed = await CLEAR_USER.run(this.client, this.keys, [this.prefix, userId]);
    return new Map(changed.map(([roomId, list]) => [roomId, toUsers(list)]));
  }

  async list(roomId: string): Promise<TypingUser[]> {
    return toUsers(await LIST.run(this.client, this.keys, [this.prefix, roomId]));
  }

  onExpired(listener: (roomId: string, users: TypingUser[]) => void): void {
    this.listeners.push(listener);
  }

  /** Runs one expiry sweep now, or waits for the one in flight (tests use it instead of the timer). */
  sweepNow(): Promise<void> {
    return this.sweeper.tick();
  }

  /** Stops sweeping; the shared state stays for the other nodes. */
  close(): void {
    void this.sweeper.stop();
  }

  /** Resolves once a sweep in flight has ended (after close, before the client quits). */
  async drained(): Promise<void> {
    await this.sweeper.stop();
  }

  private async sweep(): Promise<void> {
    const changed = await SWEEP.run(this.client, this.keys, [this.prefix, this.now(), SWEEP_BATCH]);
    for (const [roomId, list] of changed) {
      const users = toUsers(list);
      for (const listener of this.listeners) listener(roomId, users);
    }
  }
}

function toUsers(flat: readonly string[]): TypingUser[] {
  const users: TypingUser[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2)
    users.push({ user_id: flat[i] ?? '', username: flat[i + 1] ?? '' });
  return users;
}
