import path from 'node:path';
import type Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import type { SqliteWrites, WriteMethod } from './sqlite-writes';
import {
  decodeFromWriter,
  encodeMessage,
  type FromWriter,
  reviveError,
  type ToWriter,
  type WriteRequest,
  type WriteResult,
  type WriterData,
} from './writer-protocol';

type Answer<K extends WriteMethod> = ReturnType<SqliteWrites[K]>;

/** How the store reaches its writes: through the writer thread, or in this thread (`:memory:`). */
export interface Writer {
  run<K extends WriteMethod>(method: K, ...args: Parameters<SqliteWrites[K]>): Promise<Answer<K>>;
  /** Set once the writer can no longer write (its thread died); readiness reports it. */
  readonly failure: Error | null;
  /** Batches committed and the writes they held. */
  readonly stats: { batches: number; writes: number };
  /** Resolves once the writer can take writes; rejects when it cannot start. */
  ready(): Promise<void>;
  /** Finishes what was asked, then stops. */
  close(): Promise<void>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * The store's side of the writer thread (./writer-worker.ts). Each write is a message; the answer
 * comes once the batch holding it has committed, so an acknowledgement still means durably stored.
 * The thread keeps the process alive only while writes are pending, as a socket with requests
 * in flight would.
 */
export class WriterThread implements Writer {
  private worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private broken: Error | null = null;
  private closed: Promise<void> | null = null;
  private committed = { batches: 0, writes: 0 };
  /**
   * Writes not yet posted. They go together, in one message: at the end of the turn when the
   * thread is idle, or else as soon as it answers the batch it is committing (it could not start
   * on them sooner), so a busy store costs one message and one wake-up per batch, not per write.
   */
  private outbox: WriteRequest[] = [];
  /** Writes posted and not yet answered. */
  private posted = 0;
  private readonly started: Promise<void>;
  private markStarted: (outcome: Error | null) => void = () => undefined;
  private everReady = false;
  private exited = false;
  /** When the thread was last restarted, to give up on one that keeps dying. */
  private restarts: number[] = [];

  constructor(private readonly data: WriterData) {
    this.started = new Promise<void>((resolve, reject) => {
      this.markStarted = (outcome) => (outcome ? reject(outcome) : resolve());
    });
    // Nobody may ask (tests open stores without waiting): an unheard rejection must not crash.
    this.started.catch(() => undefined);
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const worker = startWorker(this.data);
    worker.unref();
    worker.on('message', (text: string) => {
      const message: FromWriter = decodeFromWriter(text);
      if (message.kind === 'results') this.settle(message.results);
      else if (message.kind === 'ready') {
        this.everReady = true;
        this.markStarted(null);
      }
    });
    worker.on('error', (err) => this.lost(worker, err));
    worker.on('exit', (code) =>
      this.lost(worker, new Error(`the SQLite writer thread stopped (exit code ${code})`)),
    );
    return worker;
  }

  /**
   * The thread ended: normally when closing; otherwise its writes in flight fail (they may or may
   * not have committed, as after any crash) and a new thread takes over, unless it cannot start at
   * all or died three times within a minute: then the store stays failed and readiness says so.
   */
  private lost(worker: Worker, err: Error): void {
    if (worker !== this.worker || this.exited) return;
    const cause = this.closed && this.pending.size === 0 ? null : err;
    for (const waiting of this.pending.values()) waiting.reject(err);
    this.pending.clear();
    // Not yet posted, but already answered as failed: the next thread must not store them.
    this.outbox = [];
    this.posted = 0;
    const now = Date.now();
    this.restarts = this.restarts.filter((at) => now - at < 60_000);
    if (this.closed || !this.everReady || this.restarts.length >= 3) {
      this.exited = true;
      if (cause) this.broken ??= cause;
      this.markStarted(err);
      void worker.terminate();
      return;
    }
    this.restarts.push(now);
    void worker.terminate();
    this.worker = this.spawn();
  }

  get failure(): Error | null {
    return this.broken;
  }

  /** Batches committed and the writes they held (their ratio is the group commit's gain). */
  get stats(): { batches: number; writes: number } {
    return { ...this.committed };
  }

  ready(): Promise<void> {
    return this.started;
  }

  run<K extends WriteMethod>(method: K, ...args: Parameters<SqliteWrites[K]>): Promise<Answer<K>> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    const id = this.nextId++;
    return new Promise<Answer<K>>((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.outbox.length === 0 && this.posted === 0) setImmediate(() => this.postOutbox());
      this.outbox.push({ id, method, args });
    });
  }

  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      if (this.exited) {
        resolve();
        return;
      }
      this.worker.ref();
      this.worker.once('exit', () => resolve());
      this.postOutbox();
      this.post({ kind: 'close' });
    });
    return this.closed;
  }

  private postOutbox(): void {
    if (this.outbox.length === 0) return;
    const requests = this.outbox;
    this.outbox = [];
    this.posted += requests.length;
    this.post({ kind: 'writes', requests });
  }

  private post(message: ToWriter): void {
    this.worker.postMessage(encodeMessage(message));
  }

  private settle(results: readonly WriteResult[]): void {
    this.committed.batches += 1;
    this.committed.writes += results.length;
    this.posted = Math.max(0, this.posted - results.length);
    if (this.posted === 0) this.postOutbox();
    for (const result of results) {
      const waiting = this.pending.get(result.id);
      if (!waiting) continue;
      this.pending.delete(result.id);
      if (result.ok) waiting.resolve(result.value);
      else waiting.reject(reviveError(result.error));
    }
    if (this.pending.size === 0) this.worker.unref();
  }
}

/**
 * Compiled, the worker is a .js file beside this one. Run from TypeScript sources (tests, `npm run
 * dev`), the thread registers tsx first: a worker does not inherit its parent's loaders.
 */
function startWorker(data: WriterData): Worker {
  const compiled = !__filename.endsWith('.ts');
  const entry = path.join(__dirname, compiled ? 'writer-worker.js' : 'writer-worker.ts');
  if (compiled) return new Worker(entry, { workerData: data });
  const loader = require.resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(loader)}); require(${JSON.stringify(entry)});`, {
    eval: true,
    workerData: data,
  });
}

/**
 * Writes in this thread, each its own immediate transaction: only for an in-memory database,
 * which another thread cannot open.
 */
export class InlineWriter implements Writer {
  readonly failure = null;
  readonly stats = { batches: 0, writes: 0 };

  constructor(
    private readonly db: Database.Database,
    private readonly writes: SqliteWrites,
  ) {}

  run<K extends WriteMethod>(method: K, ...args: Parameters<SqliteWrites[K]>): Promise<Answer<K>> {
    this.stats.batches += 1;
    this.stats.writes += 1;
    try {
      const call = this.writes[method] as (...a: unknown[]) => Answer<K>;
      return Promise.resolve(this.db.transaction(() => call.apply(this.writes, args)).immediate());
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }

  async ready(): Promise<void> {}

  async close(): Promise<void> {}
}
