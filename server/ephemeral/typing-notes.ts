/**
 * The typing indicators this node started and has not yet seen end, by room and user, each noted
 * until the tracker's entry has surely expired. A sent message ends its sender's typing; with this
 * note the send skips that step (a Redis round trip with several nodes) when the sender was not
 * typing through this node, which is nearly always. Someone who started typing through another
 * node's socket is not noted here: their indicator then ends by expiring, not with the message.
 */
export class TypingNotes {
  /** roomId → userId → until when the entry may still exist (ms). */
  private readonly rooms = new Map<string, Map<string, number>>();
  private nextPruneAt = 0;

  constructor(
    /** TypingTracker.lifetimeMs: how long after it was set an entry may still exist. */
    private readonly lifetimeMs: number,
    private readonly now: () => number,
  ) {}

  /** Notes that the user (re)started typing in the room through this node. */
  started(roomId: string, userId: string): void {
    const now = this.now();
    this.pruneEvery(now);
    let users = this.rooms.get(roomId);
    if (!users) {
      users = new Map();
      this.rooms.set(roomId, users);
    }
    users.set(userId, now + this.lifetimeMs);
  }

  /** Whether an indicator this node started may still be on (false means: surely not from here). */
  mayBeTyping(roomId: string, userId: string): boolean {
    const until = this.rooms.get(roomId)?.get(userId);
    return until !== undefined && until > this.now();
  }

  ended(roomId: string, userId: string): void {
    const users = this.rooms.get(roomId);
    if (!users?.delete(userId)) return;
    if (users.size === 0) this.rooms.delete(roomId);
  }

  endedEverywhere(userId: string): void {
    for (const roomId of [...this.rooms.keys()]) this.ended(roomId, userId);
  }

  /** (room, user) pairs noted (tests). */
  get size(): number {
    let n = 0;
    for (const users of this.rooms.values()) n += users.size;
    return n;
  }

  /** Drops what has surely expired, once a lifetime: nothing accumulates for users who stopped. */
  private pruneEvery(now: number): void {
    if (now < this.nextPruneAt) return;
    this.nextPruneAt = now + this.lifetimeMs;
    for (const [roomId, users] of this.rooms) {
      for (const [userId, until] of users) if (until <= now) users.delete(userId);
      if (users.size === 0) this.rooms.delete(roomId);
    }
  }
}
