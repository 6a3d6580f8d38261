import type Database from 'better-sqlite3';
import type { OutboxEntry } from '../types';
import type {
  DeliveryAttempt,
  KeyPage,
  NewDelivery,
  NewWebhook,
  StoredDelivery,
  StoredWebhook,
  WebhookChange,
  WebhookStore,
} from '../webhook-types';
import { DELIVERY_COLUMNS, toWebhook, WEBHOOK_COLUMNS, type WebhookRow } from './sqlite-webhook-rows';
import type { Writer } from './writer-thread';

/**
 * Outgoing webhooks on SQLite: reads on the store's reading connection, writes through its writer
 * (the writer thread: ./sqlite-webhook-writes.ts), so no call blocks the event loop on the write
 * lock or a commit's fsync.
 */
export class SqliteWebhooks implements WebhookStore {
  private readonly stmt;

  constructor(
    db: Database.Database,
    private readonly writer: Writer,
  ) {
    this.stmt = prepare(db);
  }

  createHook(hook: NewWebhook): Promise<StoredWebhook> {
    return this.writer.run('createHook', hook);
  }

  async getHook(id: string): Promise<StoredWebhook | null> {
    const row = this.stmt.getHook.get(id);
    return row ? toWebhook(row) : null;
  }

  async listHooks(
    filter: { roomId: string | null; createdBy?: string },
    page: KeyPage,
  ): Promise<StoredWebhook[]> {
    return this.stmt.listHooks
      .all({
        room_id: filter.roomId,
        created_by: filter.createdBy ?? null,
        after: page.after,
        limit: page.limit,
      })
      .map(toWebhook);
  }

  updateHook(id: string, change: WebhookChange, at: string): Promise<StoredWebhook | null> {
    return this.writer.run('updateHook', id, change, at);
  }

  deleteHook(id: string): Promise<boolean> {
    return this.writer.run('deleteHook', id);
  }

  /**
   * Reads the entries and the hooks here, waits for `deliveriesFor`, then one write stores the
   * deliveries and removes the entries. Reading before the write transaction is safe because one
   * node fans out at a time (the dispatcher's lease), and SQLite commits in id order, so nothing
   * can appear below an entry read here; should two fan out at once anyway (a lease that ran out
   * mid-way), the write removes only the entries still there and stores only their deliveries
   * (sqlite-webhook-writes.ts), so none is delivered twice.
   */
  async fanOut(
    limit: number,
    deliveriesFor: (
      entries: readonly OutboxEntry[],
      hooks: readonly StoredWebhook[],
    ) => Promise<NewDelivery[]>,
  ): Promise<number> {
    const entries = this.stmt.oldestEntries.all(limit);
    if (entries.length === 0) return 0;
    const rooms = [...new Set(entries.map((e) => e.room_id))];
    const hooks = this.stmt.hooksFor.all(JSON.stringify(rooms)).map(toWebhook);
    const deliveries = hooks.length === 0 ? [] : await deliveriesFor(entries, hooks);
    return this.writer.run(
      'takeOutbox',
      entries.map((e) => e.id),
      deliveries,
    );
  }

  async dueDeliveries(now: string, limit: number): Promise<StoredDelivery[]> {
    return this.stmt.due.all(now, limit);
  }

  recordAttempt(deliveryId: string, attempt: DeliveryAttempt): Promise<void> {
    return this.writer.run('recordAttempt', deliveryId, attempt);
  }

  async listDeliveries(hookId: string, page: KeyPage): Promise<StoredDelivery[]> {
    return this.stmt.listDeliveries.all({ hook: hookId, after: page.after, limit: page.limit });
  }

  async getDelivery(id: string): Promise<StoredDelivery | null> {
    return this.stmt.getDelivery.get(id) ?? null;
  }

  redeliver(deliveryId: string, now: string): Promise<StoredDelivery | null> {
    return this.writer.run('redeliver', deliveryId, now);
  }

  claimDispatch(node: string, now: string, until: string): Promise<boolean> {
    return this.writer.run('claimDispatch', node, now, until);
  }

  releaseDispatch(node: string): Promise<void> {
    return this.writer.run('releaseDispatch', node);
  }
}

function prepare(db: Database.Database) {
  return {
    getHook: db.prepare<[string], WebhookRow>(`SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = ?`),
    // `IS`: the service-wide hooks are those whose room_id is null.
    listHooks: db.prepare<
      { room_id: string | null; created_by: string | null; after: string | null; limit: number },
      WebhookRow
    >(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks
       WHERE room_id IS @room_id
         AND (@created_by IS NULL OR created_by = @created_by)
         AND (@after IS NULL OR (created_at, id) > (SELECT created_at, id FROM webhooks WHERE id = @after))
       ORDER BY created_at, id LIMIT @limit`,
    ),
    oldestEntries: db.prepare<[number], OutboxEntry>(
      `SELECT id, room_id, version, type, message_id, user_id, action_id, created_at FROM outbox
       ORDER BY id LIMIT ?`,
    ),
    hooksFor: db.prepare<[string], WebhookRow>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks
       WHERE room_id IS NULL OR room_id IN (SELECT value FROM json_each(?))
       ORDER BY created_at, id`,
    ),
    // The head of each (hook, room) queue of an active hook, when due: later ones wait behind it.
    due: db.prepare<[string, number], StoredDelivery>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
       WHERE (webhook_id, outbox_id) IN (
           SELECT webhook_id, MIN(outbox_id) FROM webhook_deliveries
           WHERE status = 'pending' AND webhook_id IN (SELECT id FROM webhooks WHERE active = 1)
           GROUP BY webhook_id, room_id)
         AND next_attempt_at <= ?
       ORDER BY next_attempt_at, outbox_id, id LIMIT ?`,
    ),
    listDeliveries: db.prepare<{ hook: string; after: string | null; limit: number }, StoredDelivery>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
       WHERE webhook_id = @hook
         AND (@after IS NULL OR outbox_id <
              (SELECT outbox_id FROM webhook_deliveries WHERE id = @after AND webhook_id = @hook))
       ORDER BY outbox_id DESC LIMIT @limit`,
    ),
    getDelivery: db.prepare<[string], StoredDelivery>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = ?`,
    ),
  };
}
