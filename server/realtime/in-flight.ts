import { ChatError } from '../../shared/errors';

/**
 * Counts one connection's requests that are received but not yet answered (queued ones included).
 * Each holds memory and, once answered, output that waits for the client to read it; without a
 * bound, one packet of thousands of requests makes the server do all of them at once.
 */
export class InFlightGate {
  private count = 0;

  constructor(readonly max: number) {}

  /** Takes a place for one request; false (take nothing) when `max` are already unanswered. */
  enter(): boolean {
    if (this.count >= this.max) return false;
    this.count += 1;
    return true;
  }

  /** The request taken by `enter` is answered. */
  leave(): void {
    this.count = Math.max(0, this.count - 1);
  }

  /** The answer to a request beyond the bound, given at once without running it. */
  refusal(): ChatError {
    return new ChatError(
      'RATE_LIMITED',
      `Too many requests in flight on this connection (at most ${this.max}): wait for answers before sending more`,
    );
  }
}
