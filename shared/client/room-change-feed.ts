import type { ChangesPage, Message } from '../schemas/objects';
import { messageOf, replayOf, versionOf, type ChangeEvent } from './change-events';

/**
 * `after_version` that lists no change and answers only the room's current version: no room
 * reaches it (versions rise by one per change).
 */
export const CURRENT_VERSION_PROBE = Number.MAX_SAFE_INTEGER;

export interface RoomChangeFeedDeps {
  /** One page of `room:sync { room_id, after_version: afterVersion }`. */
  fetchChanges(afterVersion: number): Promise<ChangesPage>;
  /** Hands a change event to the consumer. */
  emit(change: ChangeEvent): void;
}

/**
 * One followed room's edits, deletions and reactions (its `RoomFollower` runs it): the room's
 * version the consumer's view is exact up to, the `room:sync` replay of what changed after it, and
 * the live change events held while the follower is catching up.
 *
 * The version only moves on what proves every earlier change was emitted: a completed (page of a)
 * `room:sync`, which lists each message changed since in its current state, and a live event,
 * since a room's broadcasts reach the socket in version order while it is connected. A history
 * page proves nothing: it can see a change whose broadcast is still on its way, so it counts only
 * for the messages it holds. Nor does an ack: the broadcast it follows may still be held here.
 */
export class RoomChangeFeed {
  private version: number | undefined;
  /** Catch-ups asked for, and the last one a complete `room:sync` answered. */
  private asked = 0;
  private answered = 0;
  /** The highest live version emitted while a sync was due; the sync adopts it once complete. */
  private liveWhileDue = 0;
  private held: ChangeEvent[] = [];
  /**
   * The version of each message state read from the server (a `room:sync` entry, or a
   * `message:history` message delivered as new) since the current sync began, and during the sync
   * before. A live event no newer is stale: its broadcast was still on its way when the read was
   * answered. An entry goes once a newer live event passes (the broadcasts that follow are in
   * order), and when the sync after next begins: by then what was on its way has arrived (a
   * reconnect's sync begins when nothing of the old connection can arrive any more).
   */
  private reading = new Map<string, number>();
  private lastRead = new Map<string, number>();

  /** `version`: where the consumer's view is known exact (0 for a room followed from its start). */
  constructor(
    version: number | undefined,
    private readonly deps: RoomChangeFeedDeps,
  ) {
    this.version = version;
  }

  /** The room's version the emitted view is exact up to; undefined until known. */
  get lastVersion(): number | undefined {
    return this.version;
  }

  /** The version a start answered by a request gave, if any (the room followed from a page it read). */
  startAt(version: number | undefined): void {
    this.version ??= version;
  }

  /** Whether a `room:sync` is still owed (asked for and not completed since). */
  get due(): boolean {
    return this.answered < this.asked;
  }

  get holding(): boolean {
    return this.held.length > 0;
  }

  /** Asks for a `room:sync` (a reconnect, a follow): the follower's next run does it first. */
  want(): void {
    this.asked += 1;
  }

  /** Keeps a live change event until `release()`, in arrival order. */
  hold(change: ChangeEvent): void {
    this.held.push(change);
  }

  /**
   * Emits a live change event now, unless a read was at least as new (then it is no news, but
   * still a live event heard: its version counts).
   */
  pass(change: ChangeEvent): void {
    const id = messageOf(change);
    const version = versionOf(change);
    if (Math.max(this.reading.get(id) ?? -1, this.lastRead.get(id) ?? -1) < version) {
      this.reading.delete(id);
      this.lastRead.delete(id);
      this.deps.emit(change);
    }
    this.heardLive(version);
  }

  /**
   * A live event carrying `version` was handled: a `message:new` delivered or found a duplicate,
   * or a change passed or found stale. What it follows has arrived before it.
   */
  heardLive(version: number): void {
    if (this.due || this.version === undefined) this.liveWhileDue = Math.max(this.liveWhileDue, version);
    else this.version = Math.max(this.version, version);
  }

  /** A message read from history was delivered as new, in this state. */
  readState(message: Message): void {
    this.reading.set(message.id, Math.max(this.reading.get(message.id) ?? 0, message.version));
  }

  /**
   * Pages `room:sync` from the room's version and replays each listed message the consumer has
   * (`seq <= lastSeq`); newer ones are message:history's to deliver, in a state read later still.
   * Without a version yet (a room joined or followed mid-way), asks for the current one instead:
   * changes before the follow are not the client's to replay. Rejects when a page cannot be had,
   * keeping the version of the last page handled.
   */
  async sync(lastSeq: number, stopped: () => boolean): Promise<void> {
    const answering = this.asked;
    this.lastRead = this.reading;
    this.reading = new Map();
    if (this.version === undefined) {
      const page = await this.deps.fetchChanges(CURRENT_VERSION_PROBE);
      if (stopped()) return;
      this.version = page.version;
    } else {
      for (;;) {
        const page = await this.deps.fetchChanges(this.version);
        if (stopped()) return;
        for (const message of page.messages) if (message.seq <= lastSeq) this.replay(message);
        // The server's word even when lower (a database restored from a backup): later changes
        // take versions from there, and a higher one kept here would skip them.
        this.version = page.version;
        if (!page.has_more || page.messages.length === 0) break;
      }
    }
    this.answered = answering;
    if (!this.due) {
      this.version = Math.max(this.version, this.liveWhileDue);
      this.liveWhileDue = 0;
    }
  }

  /** At the end of a run: emits the held live events newer than what was read, in arrival order. */
  release(): void {
    const held = this.held;
    this.held = [];
    for (const change of held) this.pass(change);
  }

  /** Stops for good: answers the held events, in arrival order. */
  stop(): ChangeEvent[] {
    const held = this.held;
    this.held = [];
    this.reading.clear();
    this.lastRead.clear();
    return held;
  }

  private replay(message: Message): void {
    // Listed again on a later page after changing meanwhile, or already delivered by history.
    if ((this.reading.get(message.id) ?? -1) >= message.version) return;
    this.reading.set(message.id, message.version);
    for (const change of replayOf(message)) this.deps.emit(change);
  }
}
