import type { OutboxEntry, OutboxType } from './types';

/**
 * What outgoing webhooks keep, on both stores: the hooks, their deliveries (the delivery log, and
 * the queue the dispatcher works from), and the dispatcher's lease. The outbox itself is written by
 * triggers in the transaction of each change (sqlite/changes-sql.ts); the dispatcher turns its
 * entries into deliveries and removes them (`fanOut`), so an entry committed late, after others with
 * higher ids, is never skipped.
 *
 * Times are ISO 8601 UTC strings with milliseconds (`toISOString()`), as everywhere in the store:
 * SQLite compares them as text.
 */
export interface WebhookStore {
  createHook(hook: NewWebhook): Promise<StoredWebhook>;
  getHook(id: string): Promise<StoredWebhook | null>;
  /**
   * Hooks of one room (room_id) or the service-wide ones (room_id null), oldest first (created_at,
   * then id); `page.after` is the id of the last hook of the previous page. A page after a hook
   * deleted since is empty (ids are random: where it stood is gone with it).
   */
  listHooks(filter: { roomId: string | null; createdBy?: string }, page: KeyPage): Promise<StoredWebhook[]>;
  /** Null when it does not exist. `active: true` also clears `failing_since`. */
  updateHook(id: string, change: WebhookChange, at: string): Promise<StoredWebhook | null>;
  deleteHook(id: string): Promise<boolean>;

  /**
   * Takes up to `limit` outbox entries (oldest first), writes one pending delivery per entry and
   * matching hook (made by `deliveriesFor`, which reads what it needs and builds each payload),
   * and removes those entries, all in one transaction. Answers how many entries it took.
   *
   * `hooks` are those that may match: the service-wide ones and those of the entries' rooms,
   * active or not (an inactive hook's deliveries wait in its queue); `deliveriesFor` picks by room
   * and event type. With no such hook it is not called: the entries are removed, nothing is
   * written. Each delivery is due at once (next_attempt_at = created_at). A delivery whose
   * outbox_id is not one of `entries` is a bug: nothing is written and fanOut rejects. One whose
   * hook was deleted meanwhile is dropped; a second delivery for the same (hook, entry) too.
   * Meant for the lease holder only, but two at once still never take one entry twice.
   */
  fanOut(
    limit: number,
    deliveriesFor: (
      entries: readonly OutboxEntry[],
      hooks: readonly StoredWebhook[],
    ) => Promise<NewDelivery[]>,
  ): Promise<number>;

  /**
   * The deliveries due now: for each (hook, room) whose hook is active, its oldest pending delivery,
   * when its next_attempt_at has come. Later ones of the same (hook, room) wait behind it: order
   * per room per hook. The earliest due first (then by outbox_id), at most `limit`.
   */
  dueDeliveries(now: string, limit: number): Promise<StoredDelivery[]>;
  /**
   * Records an attempt's outcome (see DeliveryAttempt). Only on a pending delivery: for one that is
   * no longer pending (delivered, failed) or gone (its hook deleted) nothing changes.
   */
  recordAttempt(deliveryId: string, attempt: DeliveryAttempt): Promise<void>;
  /**
   * The hook's delivery log, newest event first (outbox_id descending: a redelivered one keeps its
   * place); `page.after` is the id of the last delivery of the previous page.
   */
  listDeliveries(hookId: string, page: KeyPage): Promise<StoredDelivery[]>;
  getDelivery(id: string): Promise<StoredDelivery | null>;
  /**
   * Puts a delivery back in its queue (status pending, attempts 0, next_attempt_at `now`,
   * delivered_at null; the last attempt's fields kept) in its place: it keeps its outbox_id, so it
   * goes before its hook's later deliveries of the room. The hook's `active` is not changed: on an
   * inactive hook it waits until the hook is set active. Null when it does not exist.
   */
  redeliver(deliveryId: string, now: string): Promise<StoredDelivery | null>;

  /**
   * Takes or renews the dispatcher lease: true when `node` holds it until `until` (it held it, or
   * the last holder's lease ran out before `now`). One node delivers at a time.
   */
  claimDispatch(node: string, now: string, until: string): Promise<boolean>;
  /** Gives the lease up (a clean stop), so another node takes over at once. */
  releaseDispatch(node: string): Promise<void>;
}

export interface NewWebhook {
  id: string;
  url: string;
  events: OutboxType[];
  /** Null: every room (needs the admin claim). */
  room_id: string | null;
  /** `whsec_` + base64: the Standard Webhooks signing secret. */
  secret: string;
  description: string | null;
  created_by: string;
  created_at: string;
}

export interface StoredWebhook extends NewWebhook {
  updated_at: string;
  /** False once a delivery used up its attempts; nothing is attempted until it is set true again. */
  active: boolean;
  /** When the last delivery that used up its attempts did; null while healthy. */
  failing_since: string | null;
}

export interface WebhookChange {
  url?: string;
  events?: OutboxType[];
  secret?: string;
  description?: string | null;
  active?: boolean;
}

export interface NewDelivery {
  /** Also the `webhook-id` header: the same on every attempt, so receivers can drop repeats. */
  id: string;
  webhook_id: string;
  /** The outbox entry's id: the order of deliveries per (hook, room). */
  outbox_id: number;
  room_id: string;
  type: OutboxType;
  /** The JSON body, exactly as sent on every attempt. */
  payload: string;
  created_at: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface StoredDelivery extends NewDelivery {
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string;
  last_attempt_at: string | null;
  /** The receiver's HTTP status on the last attempt; null when none came (refused, timed out). */
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
}

/**
 * One attempt: `delivered`; `retry` at `next_attempt_at`; or `failed`, which also sets the hook
 * inactive and `failing_since` (its later deliveries wait until it is active again).
 */
export type DeliveryAttempt = {
  at: string;
  status: number | null;
  error: string | null;
} & ({ outcome: 'delivered' } | { outcome: 'retry'; next_attempt_at: string } | { outcome: 'failed' });

/** A keyset page over ids in the listing's order. */
export interface KeyPage {
  limit: number;
  /** The last id of the previous page; null for the first. */
  after: string | null;
}
