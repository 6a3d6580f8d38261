import type { HistoryPage, Message } from '../schemas/objects';

export interface RoomFollowerDeps {
  /** One page of `message:history { room_id, after_seq: afterSeq, limit }`, oldest first. */
  fetchAfter(afterSeq: number): Promise<HistoryPage>;
  /** Hands a message to the consumer; called once per seq, in ascending seq order. */
  deliver(message: Message): void;
  /** A catch-up that nobody awaited (one started by a gap) failed. */
  onFailure(error: unknown): void;
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
 */
export class RoomFollower {
  private last: number | undefined;
  private readonly start: Promise<number> | undefined;
  /** Live messages not yet delivered: they arrived during a run or after a gap. */
  private held: Message[] = [];
  private fetchWanted = false;
  private busy = false;
  private stopped = false;
  private waiters: Waiter[] = [];

  /**
   * `start` is the seq already seen: a number, or a promise of one (a request's answer); until it
   * settles, live messages are held. When the promise rejects, the first run fails.
   */
  constructor(
    readonly roomId: string,
    start: number | Promise<number>,
    private readonly deps: RoomFollowerDeps,
  ) {
    if (typeof start === 'number') this.last = start;
    else this.start = start;
  }

  /** The last seq delivered; undefined until the starting point is known. */
  get lastSeq(): number | undefined {
    return this.last;
  }

  /** Live `message:new` of this room. */
  receive(message: Message): void {
    if (this.stopped) return;
    this.held.push(message);
    if (!this.busy) void this.run();
  }

  /**
   * Fetches and delivers everything after the last delivered seq; resolves once delivered (joining
   * a run already going, which then fetches once more so nothing sent before this call is missed),
   * rejects when a fetch fails.
   */
  catchUp(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.fetchWanted = true;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.busy) void this.run();
    return done;
  }

  /** Stops for good: nothing more is delivered. Answers the held messages, in seq order. */
  stop(): Message[] {
    this.stopped = true;
    const held = this.held.sort(bySeq);
    this.held = [];
    return held;
  }

  /**
   * Never rejects: a failure goes to the run's waiters, or to `onFailure` when there are none.
   * Held messages are kept on failure; the next trigger (a live message or `catchUp`) retries.
   */
  private async run(): Promise<void> {
    this.busy = true;
    let failure: { error: unknown } | undefined;
    try {
      if (this.last === undefined && this.start) this.last = await this.start;
      let progressed = true;
      while (!this.stopped) {
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
