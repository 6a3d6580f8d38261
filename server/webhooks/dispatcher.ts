import type { Logger } from '../logger';
import type { OutboxEntry } from '../store/types';
import type { NewDelivery, StoredDelivery, StoredWebhook, WebhookStore } from '../store/webhook-types';
import { attemptOutcome, type RetryPolicy } from './backoff';
import type { SendRequest, SendResult } from './sender';

/** Outbox entries taken per fan-out transaction, and fan-outs per round at most. */
const FAN_OUT_BATCH = 200;
const FAN_OUT_ROUNDS = 10;
/** Deliveries in flight at once on the node holding the lease (each to a different hook and room). */
const MAX_IN_FLIGHT = 32;
/** After a local change, the next round starts within this long (changes close together share it). */
const NUDGE_DELAY_MS = 10;
/**
 * A lease is used only while this much of it is left (a quarter of a short one): a send must never
 * start as it runs out.
 */
const LEASE_MARGIN_MS = 1_000;

export interface DispatcherDeps {
  store: WebhookStore;
  /** Builds the deliveries of a batch of outbox entries (payloads.ts). */
  deliveriesFor: (entries: readonly OutboxEntry[], hooks: readonly StoredWebhook[]) => Promise<NewDelivery[]>;
  send: (request: SendRequest, signal: AbortSignal) => Promise<SendResult>;
  policy: RetryPolicy;
  pollMs: number;
  leaseMs: number;
  /** This process's name in the lease: unique per start. */
  node: string;
  logger: Logger;
  now?: () => Date;
  random?: () => number;
  /** How long close() waits for sends in flight before cutting them. */
  closeGraceMs?: number;
}

/**
 * The delivery loop, run by every node; only the node holding the lease (WebhookStore.claimDispatch)
 * works, so each delivery is sent by one node at a time. Each round: take or renew the lease, turn
 * new outbox entries into deliveries (fanOut), and start the due ones. The store answers at most
 * one due delivery per (hook, room), its oldest; a pair already in flight is skipped, so a room's
 * events reach a hook one at a time and in order, while different pairs go out concurrently.
 * Rounds run every `pollMs`, and soon after `nudge()` (a change made on this node, an attempt
 * recorded).
 */
export class WebhookDispatcher {
  private readonly now: () => Date;
  private readonly random: () => number;
  /** Deliveries being sent, by (hook, room). */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Counts finished sends; `finishedAt` says when (in that count) each pair last finished one. */
  private finished = 0;
  private readonly finishedAt = new Map<string, number>();
  private readonly abort = new AbortController();
  /** Until when this node may send (ms since the epoch); 0 when it holds no lease. */
  private leaseUntil = 0;
  /** When the lease was last claimed or renewed. */
  private claimedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  /** When the pending timer fires (ms since the epoch). */
  private timerDueAt = Infinity;
  private round: Promise<void> | undefined;
  private nudged = false;
  private stopped = false;
  /** When a failed round was last logged: an unreachable database must not log twice a second. */
  private loggedFailureAt = 0;

  constructor(private readonly deps: DispatcherDeps) {
    this.now = deps.now ?? (() => new Date());
    this.random = deps.random ?? Math.random;
  }

  start(): void {
    this.schedule(0);
  }

  /** Something changed here: look for work soon rather than at the next poll. */
  nudge(): void {
    if (this.stopped) return;
    if (this.round) {
      // A round is running: run another right after it, it may have read before the change.
      this.nudged = true;
      return;
    }
    this.schedule(NUDGE_DELAY_MS);
  }

  /** Whether this node holds a lease with time left to start a send. */
  holdsLease(): boolean {
    const margin = Math.min(LEASE_MARGIN_MS, this.deps.leaseMs / 4);
    return this.now().getTime() < this.leaseUntil - margin;
  }

  /**
   * Stops: no new round or send; sends in flight get `closeGraceMs` to finish (and their outcome
   * recorded), then are cut and left pending (sent again later: at least once); the lease is given
   * up so another node takes over at once. Safe to call twice.
   */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    await this.round;
    const sends = Promise.all(this.inFlight.values());
    let grace: NodeJS.Timeout | undefined;
    const cut = new Promise<void>((resolve) => {
      grace = setTimeout(() => {
        this.abort.abort();
        resolve();
      }, this.deps.closeGraceMs ?? 3_000);
    });
    await Promise.race([sends, cut]);
    clearTimeout(grace);
    // Cut sends settle at once; their attempts are not recorded.
    await sends;
    if (this.leaseUntil > 0) {
      this.leaseUntil = 0;
      await this.deps.store.releaseDispatch(this.deps.node).catch((err: unknown) => {
        this.deps.logger.warn('webhooks: releasing the dispatch lease failed', { err });
      });
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const dueAt = Date.now() + delayMs;
    // A burst of nudges must not keep pushing the round back.
    if (this.timer !== undefined && this.timerDueAt <= dueAt) return;
    clearTimeout(this.timer);
    this.timerDueAt = dueAt;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerDueAt = Infinity;
      this.round = this.runRound().finally(() => {
        this.round = undefined;
        const again = this.nudged;
        this.nudged = false;
        this.schedule(again ? 0 : this.deps.pollMs);
      });
    }, delayMs);
  }

  private async runRound(): Promise<void> {
    try {
      if (!(await this.claimLease())) return;
      await this.fanOut();
      if (this.stopped || !this.holdsLease()) return;
      await this.startDueDeliveries();
    } catch (err) {
      // The database may be unreachable for a while: try again next round, logging once a minute.
      if (Date.now() - this.loggedFailureAt >= 60_000) {
        this.loggedFailureAt = Date.now();
        this.deps.logger.warn('webhooks: dispatch round failed', { err });
      }
    }
  }

  /** Takes or renews the lease when a third of it has passed; answers whether it is held. */
  private async claimLease(): Promise<boolean> {
    const started = this.now().getTime();
    if (this.holdsLease() && started - this.claimedAt < this.deps.leaseMs / 3) return true;
    const until = started + this.deps.leaseMs;
    const held = await this.deps.store.claimDispatch(
      this.deps.node,
      new Date(started).toISOString(),
      new Date(until).toISOString(),
    );
    // Counted from before the claim was sent: the lease can only have begun later than that.
    if (held) {
      if (this.leaseUntil === 0)
        this.deps.logger.info('webhooks: this node delivers', { node: this.deps.node });
      this.leaseUntil = until;
      this.claimedAt = started;
    } else {
      this.leaseUntil = 0;
    }
    return held;
  }

  private async fanOut(): Promise<void> {
    for (let round = 0; round < FAN_OUT_ROUNDS && this.holdsLease(); round += 1) {
      const taken = await this.deps.store.fanOut(FAN_OUT_BATCH, this.deps.deliveriesFor);
      if (taken < FAN_OUT_BATCH) return;
    }
  }

  private async startDueDeliveries(): Promise<void> {
    const room = MAX_IN_FLIGHT - this.inFlight.size;
    if (room <= 0) return;
    const asOf = this.finished;
    // Asks for more than it can start: some of the pairs answered may be in flight already.
    const due = await this.deps.store.dueDeliveries(this.now().toISOString(), MAX_IN_FLIGHT * 2);
    for (const delivery of due) {
      if (this.inFlight.size >= MAX_IN_FLIGHT || this.stopped || !this.holdsLease()) break;
      const pair = `${delivery.webhook_id}\u0000${delivery.room_id}`;
      if (this.inFlight.has(pair)) continue;
      // A pair whose send finished while the query ran may be answered as it was before that
      // send was recorded: its head would go out twice. The next round reads it afresh.
      if ((this.finishedAt.get(pair) ?? 0) > asOf) continue;
      const sending = this.deliver(delivery).finally(() => {
        this.finishedAt.set(pair, ++this.finished);
        this.inFlight.delete(pair);
        this.nudge();
      });
      this.inFlight.set(pair, sending);
    }
    // Rounds do not overlap: no answer older than this one is still to be read.
    for (const [pair, at] of this.finishedAt) if (at <= asOf) this.finishedAt.delete(pair);
  }

  /** One attempt of one delivery, and its outcome recorded. Never rejects. */
  private async deliver(delivery: StoredDelivery): Promise<void> {
    const { store, logger } = this.deps;
    try {
      // Read now: the hook may have been changed (new URL or secret), paused or deleted meanwhile.
      const hook = await store.getHook(delivery.webhook_id);
      if (!hook?.active || !this.holdsLease()) return;
      const at = this.now();
      const result = await this.deps.send(
        { url: hook.url, secret: hook.secret, id: delivery.id, body: delivery.payload, at },
        this.abort.signal,
      );
      if (result.aborted) return;
      const attempt = attemptOutcome(result, delivery.attempts, this.now(), this.deps.policy, this.random);
      await store.recordAttempt(delivery.id, attempt);
      if (attempt.outcome !== 'delivered') {
        logger.warn('webhooks: delivery attempt failed', {
          webhook_id: hook.id,
          delivery_id: delivery.id,
          attempt: delivery.attempts + 1,
          status: result.status,
          error: result.error,
          outcome: attempt.outcome,
        });
      }
      if (attempt.outcome === 'failed') {
        logger.warn('webhooks: hook marked failing after its last attempt', { webhook_id: hook.id });
      }
    } catch (err) {
      logger.warn('webhooks: delivery failed to run', { delivery_id: delivery.id, err });
    }
  }
}
