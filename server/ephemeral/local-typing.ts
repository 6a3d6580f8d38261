import type { TypingUser } from '../../shared/schemas/objects';
import type { TypingTracker } from '../domain/typing';

interface Entry {
  user: TypingUser;
  expiresAt: number;
}

/**
 * In-process typing state. Expiry is one sweep over all rooms on a single interval that runs
 * only while someone is typing — never a timer per (room, user) that could be left behind.
 */
export class LocalTypingTracker implements TypingTracker {
  private readonly rooms = new Map<string, Map<string, Entry>>();
  private readonly listeners: ((roomId: string, users: TypingUser[]) => void)[] = [];
  private sweeper: NodeJS.Timeout | undefined;
  private readonly sweepEveryMs: number;
  readonly lifetimeMs: number;

  constructor(
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
  ) {
    // Expiry is late by at most one sweep: a quarter of the timeout, and never more than a second.
    this.sweepEveryMs = Math.max(10, Math.min(1000, Math.floor(timeoutMs / 4)));
    this.lifetimeMs = timeoutMs + this.sweepEveryMs;
  }

  async set(roomId: string, user: TypingUser, isTyping: boolean): Promise<TypingUser[] | null> {
    const room = this.rooms.get(roomId);
    if (!isTyping) {
      if (!room?.delete(user.user_id)) return null;
      if (room.size === 0) this.rooms.delete(roomId);
      this.stopSweepingWhenIdle();
      return room.size === 0 ? [] : usersOf(room);
    }
    const entries = room ?? new Map<string, Entry>();
    if (!room) this.rooms.set(roomId, entries);
    const before = entries.get(user.user_id);
    entries.set(user.user_id, { user, expiresAt: this.now() + this.timeoutMs });
    this.startSweeping();
    // A renewal only moves the expiry: the list others see is unchanged.
    return before && before.user.username === user.username ? null : usersOf(entries);
  }

  async clearUser(userId: string): Promise<Map<string, TypingUser[]>> {
    const changed = new Map<string, TypingUser[]>();
    for (const [roomId, entries] of this.rooms) {
      if (!entries.delete(userId)) continue;
      if (entries.size === 0) this.rooms.delete(roomId);
      changed.set(roomId, usersOf(entries));
    }
    this.stopSweepingWhenIdle();
    return changed;
  }

  async list(roomId: string): Promise<TypingUser[]> {
    const room = this.rooms.get(roomId);
    return room ? usersOf(room) : [];
  }

  onExpired(listener: (roomId: string, users: TypingUser[]) => void): void {
    this.listeners.push(listener);
  }

  close(): void {
    this.rooms.clear();
    this.stopSweepingWhenIdle();
  }

  private sweep(): void {
    const now = this.now();
    for (const [roomId, entries] of this.rooms) {
      let expired = false;
      for (const [userId, entry] of entries) {
        if (entry.expiresAt <= now) expired = entries.delete(userId) || expired;
      }
      if (!expired) continue;
      if (entries.size === 0) this.rooms.delete(roomId);
      const users = usersOf(entries);
      for (const listener of this.listeners) listener(roomId, users);
    }
    this.stopSweepingWhenIdle();
  }

  private startSweeping(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(), this.sweepEveryMs);
    this.sweeper.unref();
  }

  private stopSweepingWhenIdle(): void {
    if (this.rooms.size > 0 || !this.sweeper) return;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}

function usersOf(entries: Map<string, Entry>): TypingUser[] {
  return [...entries.values()].map((e) => e.user);
}
