import type { HistoryPage, Message } from '../schemas/objects';
import { RoomFollower } from './room-follower';

export interface RoomFollowersDeps {
  fetchAfter(roomId: string, afterSeq: number): Promise<HistoryPage>;
  /** Hands a message to the consumer (followed rooms: in order, once; others: as they come). */
  deliver(message: Message): void;
  /** A catch-up of a followed room failed and nobody awaited it (one started by a gap). */
  onFailure(roomId: string, error: unknown): void;
}

export interface CatchUpFailure {
  roomId: string;
  error: unknown;
}

/** The followed rooms: routes live `message:new` to each room's follower and catches them all up. */
export class RoomFollowers {
  private readonly rooms = new Map<string, RoomFollower>();

  constructor(private readonly deps: RoomFollowersDeps) {}

  has(roomId: string): boolean {
    return this.rooms.has(roomId);
  }

  lastSeq(roomId: string): number | undefined {
    return this.rooms.get(roomId)?.lastSeq;
  }

  /** A live `message:new`: through its room's follower, or straight on when the room is not followed. */
  receive(message: Message): void {
    const follower = this.rooms.get(message.room_id);
    if (follower) follower.receive(message);
    else this.deps.deliver(message);
  }

  /**
   * Follows a room from `start` (the seq already seen, or a request answering it), then catches up
   * once; a room already followed keeps its position and only catches up. If `start` rejects, the
   * room is not followed after all (messages held meanwhile are passed on) and this rejects too.
   */
  follow(roomId: string, start: number | Promise<number>): Promise<void> {
    const existing = this.rooms.get(roomId);
    if (existing) return existing.catchUp();
    const follower = new RoomFollower(roomId, start, {
      fetchAfter: (afterSeq) => this.deps.fetchAfter(roomId, afterSeq),
      deliver: (message) => this.deps.deliver(message),
      onFailure: (error) => this.deps.onFailure(roomId, error),
    });
    this.rooms.set(roomId, follower);
    return follower.catchUp().catch((error: unknown) => {
      if (follower.lastSeq === undefined) this.release(follower);
      throw error;
    });
  }

  /** Catches a followed room up (see `RoomFollower.catchUp`); resolves at once for a room not followed. */
  catchUp(roomId: string): Promise<void> {
    return this.rooms.get(roomId)?.catchUp() ?? Promise.resolve();
  }

  /** Stops following; messages held for the room are passed on, in seq order. */
  unfollow(roomId: string): void {
    const follower = this.rooms.get(roomId);
    if (follower) this.release(follower);
  }

  /** Catches up every followed room at once (each room's fetches stay serialized); answers the failures. */
  async catchUpAll(): Promise<CatchUpFailure[]> {
    const followers = [...this.rooms.values()];
    const results = await Promise.allSettled(followers.map((f) => f.catchUp()));
    const failures: CatchUpFailure[] = [];
    results.forEach((result, i) => {
      const follower = followers[i];
      if (result.status === 'rejected' && follower) {
        failures.push({ roomId: follower.roomId, error: result.reason });
      }
    });
    return failures;
  }

  /** Stops every follower without delivering anything more. */
  clear(): void {
    for (const follower of this.rooms.values()) follower.stop();
    this.rooms.clear();
  }

  private release(follower: RoomFollower): void {
    if (this.rooms.get(follower.roomId) === follower) this.rooms.delete(follower.roomId);
    for (const message of follower.stop()) this.deps.deliver(message);
  }
}
