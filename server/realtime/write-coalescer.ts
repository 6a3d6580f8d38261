/** Something whose writes wait for the end of a window, then leave together. */
export interface Releasable {
  release(): void;
}

/**
 * The windows in which writes to many connections are held so that each connection's leave in one
 * system call (a `writev` of everything it was given) rather than one per frame, as Centrifugo
 * batches its writes.
 *
 * A window opens with the first connection held and closes at the end of the current event-loop
 * turn (`holdMs` 0: `setImmediate`, so nothing waits for the next turn's I/O) or after `holdMs`.
 * Connections are released in the order they were first held, so what was written to one before
 * another still leaves first. One timer serves every connection of a window: none lives per
 * connection, so one that closes while held costs nothing more than its entry until the window ends.
 */
export class WriteCoalescer {
  /** Held in this window, in the order they were first held. */
  private readonly held = new Set<Releasable>();
  private windowOpen = false;

  constructor(
    private readonly holdMs: number,
    /** Told about anything a `release` throws; the others are released all the same. */
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** `target` is released when the window ends (once however often it is held meanwhile). */
  hold(target: Releasable): void {
    if (this.held.has(target)) return;
    this.held.add(target);
    if (this.windowOpen) return;
    this.windowOpen = true;
    if (this.holdMs > 0) setTimeout(this.releaseAll, this.holdMs);
    else setImmediate(this.releaseAll);
  }

  /** Releases `target` now if it is held, rather than at the end of the window. */
  releaseNow(target: Releasable): void {
    if (this.held.delete(target)) this.release(target);
  }

  /** Connections held in the current window. */
  get size(): number {
    return this.held.size;
  }

  private readonly releaseAll = (): void => {
    // One held again while the loop runs is appended to the set, and so released by it too.
    for (const target of this.held) {
      this.held.delete(target);
      this.release(target);
    }
    this.windowOpen = false;
  };

  private release(target: Releasable): void {
    try {
      target.release();
    } catch (err) {
      this.onError(err);
    }
  }
}
