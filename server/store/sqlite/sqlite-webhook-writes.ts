import type Database from 'better-sqlite3';
import type {
  DeliveryAttempt,
  NewDelivery,
  NewWebhook,
  StoredDelivery,
  StoredWebhook,
  WebhookChange,
} from '../webhook-types';
import { DELIVERY_COLUMNS, toWebhook, WEBHOOK_COLUMNS, type WebhookRow } from './sqlite-webhook-rows';

/**
 * The webhook writes of the SQLite store, run by the writer thread like every other write
 * (SqliteWrites delegates to these; see sqlite-writes.ts for the savepoint each runs in). The
 * reads are SqliteWebhooks' (./sqlite-webhooks.ts), on the reading connection.
 */
export class SqliteWebhookWrites {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = prepare(db);
  }

  createHook(hook: NewWebhook): StoredWebhook {
    const row = this.stmt.insertHook.get({
      ...hook,
      events: JSON.stringify(hook.events),
    });
    if (!row) throw new Error(`webhook ${hook.id} was not stored`);
    return toWebhook(row);
  }

  updateHook(id: string, change: WebhookChange, at: string): StoredWebhook | null {
    const row = this.stmt.updateHook.get({
      id,
      at,
      set_url: change.url === undefined ? 0 : 1,
      url: change.url ?? null,
      set_events: change.events === undefined ? 0 : 1,
      events: change.events === undefined ? null : JSON.stringify(change.events),
      set_secret: change.secret === undefined ? 0 : 1,
      secret: change.secret ?? null,
      set_description: change.description === undefined ? 0 : 1,
      description: change.description ?? null,
      set_active: change.active === undefined ? 0 : 1,
      active: change.active ? 1 : 0,
    });
    return row ? toWebhook(row) : null;
  }

  /** Its deliveries go with it (ON DELETE CASCADE). */
  deleteHook(id: string): boolean {
    return this.stmt.deleteHook.run(id).changes > 0;
  }

  /**
   * The write half of fanOut: removes the outbox entries `entryIds` and stores the deliveries made
   * for those it removed. An entry already gone was taken by another fan-out (only the lease holder
   * should fan out, but a node whose lease ran out may still be finishing one): its deliveries are
   * that one's to write, so they are dropped here, and no entry is ever delivered twice. Answers
   * how many entries it removed.
   */
  takeOutbox(entryIds: readonly number[], deliveries: readonly NewDelivery[]): number {
    const asked = new Set(entryIds);
    const stray = deliveries.find((d) => !asked.has(d.outbox_id));
    if (stray) throw new Error(`delivery ${stray.id} names outbox entry ${stray.outbox_id}, not taken`);
    const taken = new Set(this.stmt.deleteEntries.all(JSON.stringify(entryIds)).map((r) => r.id));
    for (const delivery of deliveries) {
      if (taken.has(delivery.outbox_id)) this.stmt.insertDelivery.run(delivery);
    }
    return taken.size;
  }

  recordAttempt(deliveryId: string, attempt: DeliveryAttempt): void {
    const updated = this.stmt.recordAttempt.get({
      id: deliveryId,
      status: attempt.outcome === 'retry' ? 'pending' : attempt.outcome,
      next_attempt_at: attempt.outcome === 'retry' ? attempt.next_attempt_at : null,
      at: attempt.at,
      last_status: attempt.status,
      last_error: attempt.error,
    });
    if (updated && attempt.outcome === 'failed') this.stmt.hookFailing.run(attempt.at, updated.webhook_id);
  }

  redeliver(deliveryId: string, now: string): StoredDelivery | null {
    return this.stmt.redeliver.get(now, deliveryId) ?? null;
  }

  claimDispatch(node: string, now: string, until: string): boolean {
    return this.stmt.claim.run({ node, now, until }).changes > 0;
  }

  releaseDispatch(node: string): void {
    this.stmt.release.run(node);
  }
}

function prepare(db: Database.Database) {
  return {
    insertHook: db.prepare<Omit<NewWebhook, 'events'> & { events: string }, WebhookRow>(
      `INSERT INTO webhooks
         (id, url, events, room_id, secret, description, created_by, created_at, updated_at)
       VALUES (@id, @url, @events, @room_id, @secret, @description, @created_by, @created_at, @created_at)
       RETURNING ${WEBHOOK_COLUMNS}`,
    ),
    // One statement for every shape of change: each field is set only when its flag is.
    updateHook: db.prepare<
      {
        id: string;
        at: string;
        set_url: 0 | 1;
        url: string | null;
        set_events: 0 | 1;
        events: string | null;
        set_secret: 0 | 1;
        secret: string | null;
        set_description: 0 | 1;
        description: string | null;
        set_active: 0 | 1;
        active: 0 | 1;
      },
      WebhookRow
    >(
      `UPDATE webhooks SET
         url = CASE WHEN @set_url = 1 THEN @url ELSE url END,
         events = CASE WHEN @set_events = 1 THEN @events ELSE events END,
         secret = CASE WHEN @set_secret = 1 THEN @secret ELSE secret END,
         description = CASE WHEN @set_description = 1 THEN @description ELSE description END,
         active = CASE WHEN @set_active = 1 THEN @active ELSE active END,
         failing_since = CASE WHEN @set_active = 1 AND @active = 1 THEN NULL ELSE failing_since END,
         updated_at = @at
       WHERE id = @id
       RETURNING ${WEBHOOK_COLUMNS}`,
    ),
    deleteHook: db.prepare<[string]>('DELETE FROM webhooks WHERE id = ?'),
    deleteEntries: db.prepare<[string], { id: number }>(
      'DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?)) RETURNING id',
    ),
    // A hook deleted since fanOut read it gets nothing (and no foreign key error fails the rest).
    insertDelivery: db.prepare<NewDelivery>(
      `INSERT INTO webhook_deliveries
         (id, webhook_id, outbox_id, room_id, type, payload, created_at, next_attempt_at)
       SELECT @id, @webhook_id, @outbox_id, @room_id, @type, @payload, @created_at, @created_at
       WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = @webhook_id)
       ON CONFLICT (webhook_id, outbox_id) DO NOTHING`,
    ),
    recordAttempt: db.prepare<
      {
        id: string;
        status: 'pending' | 'delivered' | 'failed';
        next_attempt_at: string | null;
        at: string;
        last_status: number | null;
        last_error: string | null;
      },
      { webhook_id: string }
    >(
      `UPDATE webhook_deliveries SET
         status = @status,
         attempts = attempts + 1,
         next_attempt_at = COALESCE(@next_attempt_at, next_attempt_at),
         last_attempt_at = @at,
         last_status = @last_status,
         last_error = @last_error,
         delivered_at = CASE WHEN @status = 'delivered' THEN @at ELSE delivered_at END
       WHERE id = @id AND status = 'pending'
       RETURNING webhook_id`,
    ),
    hookFailing: db.prepare<[string, string]>(
      'UPDATE webhooks SET active = 0, failing_since = ? WHERE id = ?',
    ),
    redeliver: db.prepare<[string, string], StoredDelivery>(
      `UPDATE webhook_deliveries
       SET status = 'pending', attempts = 0, next_attempt_at = ?, delivered_at = NULL
       WHERE id = ?
       RETURNING ${DELIVERY_COLUMNS}`,
    ),
    // Taken when free, run out, or already this node's (a renewal).
    claim: db.prepare<{ node: string; now: string; until: string }>(
      `UPDATE webhook_dispatch SET leader = @node, lease_until = @until
       WHERE leader = @node OR leader IS NULL OR lease_until < @now`,
    ),
    release: db.prepare<[string]>(
      'UPDATE webhook_dispatch SET leader = NULL, lease_until = NULL WHERE leader = ?',
    ),
  };
}
