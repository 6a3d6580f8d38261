/** What one write of a batch came to: its value, or the error only its own caller hears. */
export type Outcome<Result> = { ok: true; value: Result } | { ok: false; error: Error };

export interface BatchWriter<Op, Result> {
  /**
   * Writes the batch as one transaction and answers one outcome per write, in order. Resolves only
   * once the transaction is committed; rejects when nothing of it was (or may have been) stored.
   */
  writeBatch(ops: readonly Op[]): Promise<Outcome<Result>[]>;
  /** Writes one alone: the path a rolled-back batch retries its writes on. */
  writeOne(op: Op): Promise<Result>;
  /**
   * Whether a batch that rejected with `err` is worth retrying one write at a time: true when the
   * batch certainly rolled back and one write may be at fault; false when the database or the link
   * failed (each write would fail again, or the batch may have committed unseen).
   */
  retryAlone(err: unknown): boolean;
  /**
   * After a batch failed without proof that it rolled back (`retryAlone` said no): finds out
   * whether it committed. Answers its outcomes when it did, 'rolled_back' when it certainly did not
   * (its writes are then retried one at a time), and rejects when it cannot tell.
   */
  settle?(ops: readonly Op[], startedAt: number): Promise<Outcome<Result>[] | 'rolled_back'>;
}

export interface GroupCommitOptions {
  /** See StoreOptions.writeWindowMs. */
  windowMs: number;
  /** The most writes one batch carries; the rest go in the next one, right after. */
  maxBatch: number;
}

export interface GroupCommitStats {
  /** Batches sent, each one statement unless it fell back. */
  batches: number;
  /** Writes those batches carried. */
  writes: number;
  /** Batches that rolled back and were retried one write at a time. */
  fallbacks: number;
  /** Batches whose failure left it unknown whether they committed, until `settle` found out. */
  settled: number;
}

interface Waiting<Op, Result> {
  op: Op;
  resolve(value: Result): void;
  reject(err: unknown): void;
}

/**
 * Group commit: collects writes and hands them to the writer in batches, one batch at a time.
 * A batch closes when its window ends (the same event-loop turn for windowMs 0, otherwise windowMs
 * after its first write) or when it is full; while one is being committed the next one collects,
 * and goes as soon as the first is done (its window ended meanwhile). So under load each commit
 * carries everything that arrived during the previous one, and writes keep their arrival order
 * across batches as within them. Every caller hears back once its batch committed, or failed.
 */
export class GroupCommit<Op, Result> {
  private queue: Waiting<Op, Result>[] = [];
  /** The window of the queue's first write has ended: the queue goes when nothing is in flight. */
  private due = false;
  private window: { cancel(): void } | undefined;
  private inFlight: Promise<void> | undefined;
  private closed = false;
  private readonly counts: GroupCommitStats = { batches: 0, writes: 0, fallbacks: 0, settled: 0 };

  constructor(
    private readonly writer: BatchWriter<Op, Result>,
    private readonly options: GroupCommitOptions,
  ) {}

  get stats(): Readonly<GroupCommitStats> {
    return { ...this.counts };
  }

  submit(op: Op): Promise<Result> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return new Promise<Result>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      if (this.queue.length >= this.options.maxBatch) this.markDue();
      else if (this.queue.length === 1) this.openWindow();
    });
  }

  /** Writes what is queued without waiting for its window, then waits for the last batch; later submits reject. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.queue.length > 0) this.markDue();
    while (this.inFlight) await this.inFlight;
  }

  private openWindow(): void {
    const ms = this.options.windowMs;
    if (ms > 0) {
      const timer = setTimeout(() => this.markDue(), ms);
      this.window = { cancel: () => clearTimeout(timer) };
    } else {
      const immediate = setImmediate(() => this.markDue());
      this.window = { cancel: () => clearImmediate(immediate) };
    }
  }

  private markDue(): void {
    this.window?.cancel();
    this.window = undefined;
    this.due = true;
    this.pump();
  }

  private pump(): void {
    if (this.inFlight || !this.due || this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.options.maxBatch);
    // What stays behind has waited at least as long as this batch: it stays due.
    this.due = this.queue.length > 0;
    this.inFlight = this.write(batch)
      // Only a writer that breaks its own contract gets here; settled callers are not affected.
      .catch((err: unknown) => {
        for (const w of batch) w.reject(err);
      })
      .finally(() => {
        this.inFlight = undefined;
        this.pump();
      });
  }

  /** Every outcome, failures included, goes to its own caller. */
  private async write(batch: Waiting<Op, Result>[]): Promise<void> {
    this.counts.batches += 1;
    this.counts.writes += batch.length;
    let outcomes: Outcome<Result>[];
    const startedAt = Date.now();
    try {
      outcomes = await this.writer.writeBatch(batch.map((w) => w.op));
    } catch (err) {
      const settled = this.writer.retryAlone(err) ? 'rolled_back' : await this.settle(batch, startedAt);
      if (settled === undefined) {
        for (const w of batch) w.reject(err);
        return;
      }
      if (settled !== 'rolled_back') {
        this.deliver(batch, settled);
        return;
      }
      this.counts.fallbacks += 1;
      // In order, one after the other: arrival order is seq order on this path too.
      for (const w of batch) {
        try {
          w.resolve(await this.writer.writeOne(w.op));
        } catch (oneErr) {
          w.reject(oneErr);
        }
      }
      return;
    }
    this.deliver(batch, outcomes);
  }

  /** What became of a batch whose failure hid the answer; undefined when that cannot be told. */
  private async settle(
    batch: Waiting<Op, Result>[],
    startedAt: number,
  ): Promise<Outcome<Result>[] | 'rolled_back' | undefined> {
    if (!this.writer.settle) return undefined;
    try {
      const settled = await this.writer.settle(
        batch.map((w) => w.op),
        startedAt,
      );
      this.counts.settled += 1;
      return settled;
    } catch {
      return undefined;
    }
  }

  private deliver(batch: Waiting<Op, Result>[], outcomes: Outcome<Result>[]): void {
    batch.forEach((w, i) => {
      const outcome = outcomes[i];
      if (!outcome) w.reject(new Error(`the batch answered ${outcomes.length} of ${batch.length} writes`));
      else if (outcome.ok) w.resolve(outcome.value);
      else w.reject(outcome.error);
    });
  }
}
