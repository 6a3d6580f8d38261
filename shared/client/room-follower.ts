import type { ChangesPage, HistoryPage, Message } from '../schemas/objects';
import type { ChangeEvent } from './change-events';
import { RoomChangeFeed } from './room-change-feed';

export interface RoomFollowerDeps {
  /** One page of `message:history { room_id, after_seq: afterSeq, limit }`, oldest first. */
  fetchAfter(afterSeq: number): Promise<HistoryPage>;
  /** One page of `room:sync { room_id, after_version: afterVersion, limit }`. */
  fetchChanges(afterVersion: number): Promise<ChangesPage>;
  /** Hands a message to the consumer; called once per seq, in ascending seq order. */
  deliver(message: Message): void;
  /** Hands a change to a message (an edit, a deletion, reactions) to the consumer. */
  deliverChange(change: ChangeEvent): void;
  /** A catch-up that nobody awaited (one started by a gap) failed. */
  onFailure(error: unknown): void;
}

/**
 * Where following starts: the last seq the consumer has, and the room's version its copy of those
 * messages is exact up to (omitted when unknown: the first catch-up then asks for the current one).
 */
export interface FollowStart {
  seq: number;
  version?: number;
}

/** Messages held, and changes held meanwhile, handed back by `stop()`. */
export interface HeldOnStop {
  messages: Message[];
  changes: ChangeEvent[];
}

interface Waiter {
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Delivers one room's messages exactly once and in seq order. Live messages that follow the last
 * delivered seq go straight through; older ones are duplicates and are dropped; a message that skips
 * a seq, and every `catchUp()`, starts a run that pages `message:history { after_seq: last }` until
 * `has_more` is false. While a run is going, live messages are held and merged afterwards, so
 * one room never has two fetches interleaving their deliveries.
 *
 * Deduplication is by seq alone: the contract gives each message one seq, never reused, so a strictly
 * rising seq also means no message id is delivered twice.
 *
 * Changes to messages (`message:updated`, `message:deleted`, `reaction:updated`) go through the
 * room's `RoomChangeFeed`. A `catchUp()` run first pages `room:sync` from the room's version and
 * replays what changed among the messages already delivered, then fetches history: so a message
 * is either replayed in a state at least as new as the sync's, or delivered as new in a state read
 * later still. Live changes that arrive while a run goes, or while messages are held, are held too
 * and released in arrival order once the messages they follow are delivered, skipping those no
 * newer than a state the run read; so no change overtakes its message's `message:new`, and none
 * takes a message back to an older state.
 */
export class RoomFollower {
  private last: number | undefined;
  private readonly start: Promise<FollowStart> | undefined;
  private readonly changes: RoomChangeFeed;
  /** Live messages not yet delivered: they arrived during a run or after a gap. */
  private held: Message[] = [];
  private fetchWanted = false;
  private busy = false;
  private stopped = false;
  private waiters: Waiter[] = [];

  /**
   * `start` is the seq already seen (a number, or a `FollowStart` with the version), or a promise
   * of one (a request's answer); until it settles, live messages and changes are held. When the
   * promise rejects, the first run fails.
   */
  constructor(
    readonly roomId: string,
    start: number | FollowStart | Promise<number | FollowStart>,
    private readonly deps: RoomFollowerDeps,
  ) {
    const changeDeps = { fetchChanges: deps.fetchChanges, emit: deps.deliverChange };
    if (start instanceof Promise) {
      this.start = start.then(asFollowStart);
      this.changes = new RoomChangeFeed(undefined, changeDeps);
    } else {
      const known = asFollowStart(start);
      this.last = known.seq;
      this.changes = new RoomChangeFeed(known.version, changeDeps);
    }
  }

  /** The last seq delivered; undefined until the starting point is known. */
  get lastSeq(): number | undefined {
    return this.last;
  }

  /** The room's version the delivered messages and changes are exact up to; undefined until known. */
  get lastVersion(): number | undefined {
    return this.changes.lastVersion;
  }

  /** Live `message:new` of this room. */
  receive(message: Message): void {
    if (this.stopped) return;
    this.held.push(message);
    if (!this.busy) void this.run();
  }

  /**
   * A live change to a message of this room: passed on at once, unless a run is going or messages
   * or changes are held (then held behind them; a run is started to release them, which also
   * retries a `room:sync` still owed after a failure).
   */
  receiveChange(change: ChangeEvent): void {
    if (this.stopped) return;
    if (!this.busy && this.held.length === 0 && !this.changes.holding && !this.changes.due) {
      this.changes.pass(change);
      return;
    }
    this.changes.hold(change);
    if (!this.busy) void this.run();
  }

  /**
   * Replays the changes since the room's version (`room:sync`), then fetches and delivers
   * everything after the last delivered seq; resolves once delivered (joining a run already going,
   * which then syncs and fetches once more so nothing sent before this call is missed), rejects
   * when a request fails.
   */
  catchUp(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.changes.want();
    this.fetchWanted = true;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.busy) void this.run();
    return done;
  }

  /**
   * Stops for good: nothing more is delivered. Answers the held messages, in seq order, and the
   * held changes, in arrival order.
   */
  stop(): HeldOnStop {
    this.stopped = true;
    const messages = this.held.sort(bySeq);
    this.held = [];
    return { messages, changes: this.changes.stop() };
  }

  /**
   * Never rejects: a failure goes to the run's waiters, or to `onFailure` when there are none.
   * Held messages are kept on failure; the next trigger (a live message or `catchUp`) retries.
   */
  private async run(): Promise<void> {
    this.busy = true;
    let failure: { error: unknown } | undefined;
    try {
      if (this.last === undefined && this.start) {
        const start = await this.start;
        this.last = start.seq;
        this.changes.startAt(start.version);
      }
      let progressed = true;
      while (!this.stopped) {
        // Changes first: what history delivers next is read after the sync, so never older.
        if (this.changes.due) {
          await this.changes.sync(this.lastKnown(), () => this.stopped);
          continue;
        }
        if (this.fetchWanted) {
          this.fetchWanted = false;
          progressed = await this.fetchAll();
          continue;
        }
        // A gap that the last fetch could not fill either is left held: its missing message is still
        // on its way (broadcasts may overtake one another), and its arrival or the next trigger
        // finishes the job. A catchUp() called meanwhile (say by a listener) still gets its fetch.
        if (this.deliverHeld() && progressed) this.fetchWanted = true;
        if (!this.fetchWanted) break;
      }
      // Changes wait for the messages they follow; after a failure they wait for the next run,
      // whose reads tell which of them are stale.
      if (!this.stopped && this.held.length === 0) this.changes.release();
    } catch (error) {
      failure = { error };
    }
    this.busy = false;
    this.settle(failure);
  }

  /** Pages history after the last delivered seq; answers whether anything was delivered. */
  private async fetchAll(): Promise<boolean> {
    let delivered = false;
    for (;;) {
      const page = await this.deps.fetchAfter(this.lastKnown());
      if (this.stopped) return delivered;
      for (const message of page.messages) {
        // History is the room's own record, gap-free by contract: anything newer is delivered.
        if (message.seq > this.lastKnown()) {
          this.changes.readState(message);
          this.deliver(message);
          delivered = true;
        }
      }
      if (!page.has_more || page.messages.length === 0) return delivered;
    }
  }

  /** Delivers held messages that continue the sequence; answers true when one is past a gap. */
  private deliverHeld(): boolean {
    this.held.sort(bySeq);
    while (this.held.length > 0 && !this.stopped) {
      const next = this.held[0];
      if (!next) break;
      const last = this.lastKnown();
      if (next.seq > last + 1) return true;
      this.held.shift();
      if (next.seq === last + 1) this.deliver(next);
      this.changes.heardLive(next.version);
    }
    return false;
  }

  private deliver(message: Message): void {
    this.last = message.seq;
    this.deps.deliver(message);
  }

  private lastKnown(): number {
    if (this.last === undefined) throw new Error(`room ${this.roomId}: starting seq unknown`);
    return this.last;
  }

  private settle(failure: { error: unknown } | undefined): void {
    const waiters = this.waiters;
    this.waiters = [];
    if (!failure) {
      for (const w of waiters) w.resolve();
    } else if (waiters.length > 0) {
      for (const w of waiters) w.reject(failure.error);
    } else {
      this.deps.onFailure(failure.error);
    }
  }
}

const bySeq = (a: Message, b: Message): number => a.seq - b.seq;
const asFollowStart = (start: number | FollowStart): FollowStart =>
  typeof start === 'number' ? { seq: start } : start;
