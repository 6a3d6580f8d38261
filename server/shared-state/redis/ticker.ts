import type { Logger } from '../../logger';

/**
 * Runs a periodic task that must never overlap itself (a slow Redis makes a tick outlast its
 * period) and must not flood the log while Redis is down: a failure is logged when a streak of
 * failures starts, and again when the task succeeds after one.
 */
export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly what: string,
    private readonly everyMs: number,
    private readonly task: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.everyMs);
    this.timer.unref();
  }

  /** Runs the task now unless a run is in flight; resolves when that run ends. Never rejects. */
  tick(): Promise<void> {
    this.running ??= this.task()
      .then(
        () => {
          if (this.failing) this.logger.info(`${this.what} recovered`);
          this.failing = false;
        },
        (err: unknown) => {
          if (!this.failing)
            this.logger.warn(`${this.what} failed; retrying every ${this.everyMs} ms`, { err });
          this.failing = true;
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Stops the timer and waits for a run in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
