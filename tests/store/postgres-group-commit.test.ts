import { type BatchWriter, GroupCommit, type Outcome } from '../../server/store/postgres/group-commit';

/**
 * The batching of PostgresStore's hot writes, on its own (no database): when batches close, that
 * one is in flight at a time, arrival order, the one-by-one retry, and that no failure leaves it
 * stuck. postgres-batching.test.ts checks the same store against PostgreSQL.
 */

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

class RetryableError extends Error {}

/** A writer whose batches the test answers by hand; ops are numbers, results their doubles. */
class ScriptedWriter implements BatchWriter<number, number> {
  readonly batches: { ops: number[]; answer: Deferred<Outcome<number>[]> }[] = [];
  readonly alone: number[] = [];
  /** Ops that fail when written alone. */
  readonly failAlone = new Set<number>();

  writeBatch(ops: readonly number[]): Promise<Outcome<number>[]> {
    const answer = deferred<Outcome<number>[]>();
    this.batches.push({ ops: [...ops], answer });
    return answer.promise;
  }

  async writeOne(op: number): Promise<number> {
    this.alone.push(op);
    if (this.failAlone.has(op)) throw new Error(`op ${op} failed alone`);
    return op * 2;
  }

  retryAlone(err: unknown): boolean {
    return err instanceof RetryableError;
  }

  /** Answers batch `i` with every op succeeding. */
  commit(i: number): void {
    const batch = this.batches[i];
    if (!batch) throw new Error(`no batch ${i}`);
    batch.answer.resolve(batch.ops.map((op) => ({ ok: true, value: op * 2 })));
  }

  fail(i: number, err: Error): void {
    const batch = this.batches[i];
    if (!batch) throw new Error(`no batch ${i}`);
    batch.answer.reject(err);
  }
}

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommit', () => {
  let writer: ScriptedWriter;

  beforeEach(() => {
    writer = new ScriptedWriter();
  });

  it('sends what arrives in one event-loop turn as one batch, in arrival order', async () => {
    const commits = new GroupCommit(writer, { windowMs: 0, maxBatch: 100 });
    const results = [3, 1, 2].map((op) => commits.submit(op));
    expect(writer.batches).toHaveLength(0);
    await nextTurn();
    expect(writer.batches.map((b) => b.ops)).toEqual([[3, 1, 2]]);
    writer.commit(0);
    expect(await Promise.all(results)).toEqual([6, 2, 4]);
    expect(commits.stats).toEqual({ batches: 1, writes: 3, fallbacks: 0, settled: 0 });
  });

  it('keeps one batch in flight; what arrives meanwhile goes as the next batch right after', async () => {
    const commits = new GroupCommit(writer, { windowMs: 0, maxBatch: 100 });
    const first = commits.submit(1);
    await nextTurn();
    const later = [commits.submit(2)];
    await nextTurn();
    later.push(commits.submit(3));
    await nextTurn();
    // Both waited for the first batch, though their windows ended.
    expect(writer.batches).toHaveLength(1);

    writer.commit(0);
    expect(await first).toBe(2);
    await nextTurn();
    expect(writer.batches.map((b) => b.ops)).toEqual([[1], [2, 3]]);
    writer.commit(1);
    expect(await Promise.all(later)).toEqual([4, 6]);
  });

  it('splits at maxBatch without waiting for the window, the rest going next', async () => {
    const commits = new GroupCommit(writer, { windowMs: 60_000, maxBatch: 2 });
    const results = [1, 2, 3, 4, 5].map((op) => commits.submit(op));
    expect(writer.batches.map((b) => b.ops)).toEqual([[1, 2]]);
    writer.commit(0);
    await nextTurn();
    expect(writer.batches.map((b) => b.ops)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    writer.commit(1);
    await nextTurn();
    // The last one arrived with the full batches: it does not wait out a window of its own.
    expect(writer.batches.map((b) => b.ops)).toEqual([[1, 2], [3, 4], [5]]);
    writer.commit(2);
    expect(await Promise.all(results)).toEqual([2, 4, 6, 8, 10]);
  });

  describe('with a window', () => {
    beforeEach(() => {
      jest.useFakeTimers();
    });

    afterEach(() => {
      jest.useRealTimers();
    });

    it('waits windowMs after the first write of a batch before sending it', () => {
      const commits = new GroupCommit(writer, { windowMs: 5, maxBatch: 100 });
      void commits.submit(1);
      jest.advanceTimersByTime(3);
      void commits.submit(2);
      jest.advanceTimersByTime(1);
      expect(writer.batches).toHaveLength(0);
      jest.advanceTimersByTime(1);
      expect(writer.batches.map((b) => b.ops)).toEqual([[1, 2]]);
    });
  });

  it('retries a rolled-back batch one write at a time, in order: only the faulty write fails', async () => {
    const commits = new GroupCommit(writer, { windowMs: 0, maxBatch: 100 });
    writer.failAlone.add(2);
    const settled = Promise.allSettled([1, 2, 3].map((op) => commits.submit(op)));
    await nextTurn();
    writer.fail(0, new RetryableError('rolled back'));

    expect((await settled).map((s) => (s.status === 'fulfilled' ? s.value : 'failed'))).toEqual([
      2,
      'failed',
      6,
    ]);
    expect(writer.alone).toEqual([1, 2, 3]);
    expect(commits.stats.fallbacks).toBe(1);
  });

  it('fails every caller of a batch that may have committed, and goes on with the next', async () => {
    const commits = new GroupCommit(writer, { windowMs: 0, maxBatch: 100 });
    const failing = Promise.allSettled([1, 2].map((op) => commits.submit(op)));
    await nextTurn();
    const lost = new Error('connection lost');
    writer.fail(0, lost);
    expect(await failing).toEqual([
      { status: 'rejected', reason: lost },
      { status: 'rejected', reason: lost },
    ]);
    // Not retried: it might be stored already.
    expect(writer.alone).toEqual([]);

    const next = commits.submit(3);
    await nextTurn();
    writer.commit(1);
    expect(await next).toBe(6);
  });

  describe('with a writer that can settle a batch whose answer was lost', () => {
    /** Settles by the script: the outcomes (it committed), 'rolled_back', or an error (cannot tell). */
    class SettlingWriter extends ScriptedWriter {
      readonly asked: number[][] = [];
      verdict: Outcome<number>[] | 'rolled_back' | Error = 'rolled_back';

      async settle(ops: readonly number[]): Promise<Outcome<number>[] | 'rolled_back'> {
        this.asked.push([...ops]);
        if (this.verdict instanceof Error) throw this.verdict;
        return this.verdict;
      }
    }
    let settling: SettlingWriter;

    beforeEach(() => {
      settling = new SettlingWriter();
    });

    it('answers the callers of a batch that turns out to have committed, without writing again', async () => {
      const commits = new GroupCommit(settling, { windowMs: 0, maxBatch: 100 });
      const results = [1, 2].map((op) => commits.submit(op));
      await nextTurn();
      settling.verdict = [
        { ok: true, value: 20 },
        { ok: true, value: 40 },
      ];
      settling.fail(0, new Error('connection lost'));
      expect(await Promise.all(results)).toEqual([20, 40]);
      expect(settling.asked).toEqual([[1, 2]]);
      expect(settling.alone).toEqual([]);
      expect(commits.stats).toMatchObject({ settled: 1, fallbacks: 0 });
    });

    it('writes one at a time the writes of a batch that turns out to have rolled back', async () => {
      const commits = new GroupCommit(settling, { windowMs: 0, maxBatch: 100 });
      const results = [1, 2].map((op) => commits.submit(op));
      await nextTurn();
      settling.fail(0, new Error('connection lost'));
      expect(await Promise.all(results)).toEqual([2, 4]);
      expect(settling.alone).toEqual([1, 2]);
      expect(commits.stats).toMatchObject({ settled: 1, fallbacks: 1 });
    });

    it('fails the callers with the batch’s error when it cannot be told, and goes on', async () => {
      const commits = new GroupCommit(settling, { windowMs: 0, maxBatch: 100 });
      const failing = Promise.allSettled([1, 2].map((op) => commits.submit(op)));
      await nextTurn();
      settling.verdict = new Error('the database did not answer in time');
      const lost = new Error('connection lost');
      settling.fail(0, lost);
      expect(await failing).toEqual([
        { status: 'rejected', reason: lost },
        { status: 'rejected', reason: lost },
      ]);
      expect(settling.alone).toEqual([]);

      const next = commits.submit(3);
      await nextTurn();
      settling.commit(1);
      expect(await next).toBe(6);
    });

    it('does not ask about a batch that certainly rolled back', async () => {
      const commits = new GroupCommit(settling, { windowMs: 0, maxBatch: 100 });
      const results = [1].map((op) => commits.submit(op));
      await nextTurn();
      settling.fail(0, new RetryableError('rolled back'));
      expect(await Promise.all(results)).toEqual([2]);
      expect(settling.asked).toEqual([]);
    });
  });

  it('fails the callers of a batch that answers the wrong number of results, and goes on', async () => {
    const commits = new GroupCommit(writer, { windowMs: 0, maxBatch: 100 });
    const settled = Promise.allSettled([1, 2].map((op) => commits.submit(op)));
    await nextTurn();
    writer.batches[0]?.answer.resolve([{ ok: true, value: 2 }]);
    expect((await settled).map((s) => s.status)).toEqual(['fulfilled', 'rejected']);

    const next = commits.submit(3);
    await nextTurn();
    writer.commit(1);
    expect(await next).toBe(6);
  });

  it('passes each write’s own failure to its caller alone', async () => {
    const commits = new GroupCommit(writer, { windowMs: 0, maxBatch: 100 });
    const settled = Promise.allSettled([1, 2].map((op) => commits.submit(op)));
    await nextTurn();
    const refused = new Error('no such room');
    writer.batches[0]?.answer.resolve([
      { ok: false, error: refused },
      { ok: true, value: 4 },
    ]);
    expect(await settled).toEqual([
      { status: 'rejected', reason: refused },
      { status: 'fulfilled', value: 4 },
    ]);
  });

  it('close() sends what is queued at once, waits for every batch, then refuses new writes', async () => {
    const commits = new GroupCommit(writer, { windowMs: 60_000, maxBatch: 2 });
    const results = [1, 2, 3].map((op) => commits.submit(op));
    let closed = false;
    const closing = commits.close().then(() => {
      closed = true;
    });
    await expect(commits.submit(4)).rejects.toThrow('closed');

    writer.commit(0);
    await nextTurn();
    expect(closed).toBe(false);
    // The queued write did not wait for its 60 s window.
    expect(writer.batches.map((b) => b.ops)).toEqual([[1, 2], [3]]);
    writer.commit(1);
    await closing;
    expect(await Promise.all(results)).toEqual([2, 4, 6]);
  });
});
