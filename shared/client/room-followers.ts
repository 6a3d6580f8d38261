import type { ChangesPage, HistoryPage, Message } from '../schemas/objects';
import { roomOf, type ChangeEvent } from './change-events';
import { RoomFollower, type FollowStart } from './room-follower';

export interface RoomFollowersDeps {
  fetchAfter(roomId: string, afterSeq: number): Promise<HistoryPage>;
  fetchChanges(roomId: string, afterVersion: number): Promise<ChangesPage>;
  /** Hands a message to the consumer (followed rooms: in order, once; others: as they come). */
  deliver(message: Message): void;
  /** Hands a change to a message to the consumer (followed rooms: see `RoomFollower`; others: as they come). */
  deliverChange(change: ChangeEvent): void;
  /** A catch-up of a followed room failed and nobody awaited it (one started by a gap). */
  onFailure(roomId: string, error: unknown): void;
}

export interface CatchUpFailure {
  roomId: string;
  error: unknown;
}

/**
 * The followed rooms: routes live `message:new` and changes to messages to each room's follower
 * and catches them all up.
 */
export class RoomFollowers {
  private readonly rooms = new Map<string, RoomFollower>();

  constructor(private readonly deps: RoomFollowersDeps) {}

  has(roomId: string): boolean {
    return this.rooms.has(roomId);
  }

  lastSeq(roomId: string): number | undefined {
    return this.rooms.get(roomId)?.lastSeq;
  }

  lastVersion(roomId: string): number | undefined {
    return this.rooms.get(roomId)?.lastVersion;
  }

  /** A live `message:new`: through its room's follower, or straight on when the room is not followed. */
  receive(message: Message): void {
    const follower = this.rooms.get(message.room_id);
    if (follower) follower.receive(message);
    else this.deps.deliver(message);
  }

  /** A live `message:updated`, `message:deleted` or `reaction:updated`, routed like `receive`. */
  receiveChange(change: ChangeEvent): void {
    const follower = this.rooms.get(roomOf(change));
    if (follower) follower.receiveChange(change);
    else this.deps.deliverChange(change);
  }

  /**
   * Follows a room from `start` (the seq already seen and maybe the version, or a request answering
   * them), then catches up once; a room already followed keeps its position and only catches up. If
   * `start` rejects, the room is not followed after all (messages and changes held meanwhile are
   * passed on) and this rejects too.
   */
  follow(roomId: string, start: number | FollowStart | Promise<number | FollowStart>): Promise<void> {
    const existing = this.rooms.get(roomId);
    if (existing) return existing.catchUp();
    const follower = new RoomFollower(roomId, start, {
      fetchAfter: (afterSeq) => this.deps.fetchAfter(roomId, afterSeq),
      fetchChanges: (afterVersion) => this.deps.fetchChanges(roomId, afterVersion),
      deliver: (message) => this.deps.deliver(message),
      deliverChange: (change) => this.deps.deliverChange(change),
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

  /** Stops following; messages held for the room are passed on in seq order, then held changes. */
  unfollow(roomId: string): void {
    const follower = this.rooms.get(roomId);
    if (follower) this.release(follower);
  }

  /**
   * Catches up every followed room at once (each room's requests stay serialized: its sync, then
   * its history); answers the failures.
   */
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
    const held = follower.stop();
    for (const message of held.messages) this.deps.deliver(message);
    for (const change of held.changes) this.deps.deliverChange(change);
  }
}
