import type pg from 'pg';
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
import { inTransaction, type Queryable } from './pool';
import { OUTBOX_COLUMNS } from './rows';

const WEBHOOK_COLUMNS = `id, url, events, room_id, secret, description, created_by, created_at,
  updated_at, active, failing_since`;

const DELIVERY_COLUMNS = `id, webhook_id, outbox_id, room_id, type, payload, created_at, status,
  attempts, next_attempt_at, last_attempt_at, last_status, last_error, delivered_at`;

/**
 * Outgoing webhooks on PostgreSQL. Rows come back as the stores' types through the pool's parsers
 * (pool.ts: BIGINT as number, TIMESTAMPTZ as an ISO string); `events` is a TEXT[] whose values the
 * table's CHECK keeps to outbox types.
 *
 * Locks: a hook's row is locked before its deliveries' rows (deleteHook does, by the cascade;
 * recordAttempt locks the hook first when it may mark it failing), so the two cannot deadlock.
 */
export class PostgresWebhooks implements WebhookStore {
  constructor(private readonly pool: pg.Pool) {}

  async createHook(hook: NewWebhook): Promise<StoredWebhook> {
    const { rows } = await this.pool.query<StoredWebhook>(
      `INSERT INTO webhooks
         (id, url, events, room_id, secret, description, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
       RETURNING ${WEBHOOK_COLUMNS}`,
      [
        hook.id,
        hook.url,
        hook.events,
        hook.room_id,
        hook.secret,
        hook.description,
        hook.created_by,
        hook.created_at,
      ],
    );
    const row = rows[0];
    if (!row) throw new Error(`webhook ${hook.id} was not stored`);
    return row;
  }

  async getHook(id: string): Promise<StoredWebhook | null> {
    const { rows } = await this.pool.query<StoredWebhook>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async listHooks(
    filter: { roomId: string | null; createdBy?: string },
    page: KeyPage,
  ): Promise<StoredWebhook[]> {
    const { rows } = await this.pool.query<StoredWebhook>(
      `SELECT ${WEBHOOK_COLUMNS} FROM webhooks
       WHERE (CASE WHEN $1::text IS NULL THEN room_id IS NULL ELSE room_id = $1 END)
         AND ($2::text IS NULL OR created_by = $2)
         AND ($3::text IS NULL OR (created_at, id) > (SELECT created_at, id FROM webhooks WHERE id = $3))
       ORDER BY created_at, id LIMIT $4`,
      [filter.roomId, filter.createdBy ?? null, page.after, page.limit],
    );
    return rows;
  }

  async updateHook(id: string, change: WebhookChange, at: string): Promise<StoredWebhook | null> {
    // One statement for every shape of change: each field is set only when its flag is.
    const { rows } = await this.pool.query<StoredWebhook>(
      `UPDATE webhooks SET
         url = CASE WHEN $3 THEN $4 ELSE url END,
         events = CASE WHEN $5 THEN $6::text[] ELSE events END,
         secret = CASE WHEN $7 THEN $8 ELSE secret END,
         description = CASE WHEN $9 THEN $10 ELSE description END,
         active = CASE WHEN $11 THEN $12 ELSE active END,
         failing_since = CASE WHEN $11 AND $12 THEN NULL ELSE failing_since END,
         updated_at = $2
       WHERE id = $1
       RETURNING ${WEBHOOK_COLUMNS}`,
      [
        id,
        at,
        change.url !== undefined,
        change.url ?? null,
        change.events !== undefined,
        change.events ?? null,
        change.secret !== undefined,
        change.secret ?? null,
        change.description !== undefined,
        change.description ?? null,
        change.active !== undefined,
        change.active ?? false,
      ],
    );
    return rows[0] ?? null;
  }

  /** Its deliveries go with it (ON DELETE CASCADE). */
  async deleteHook(id: string): Promise<boolean> {
    const deleted = await this.pool.query('DELETE FROM webhooks WHERE id = $1', [id]);
    return deleted.rowCount === 1;
  }

  /**
   * One transaction: the oldest entries are locked FOR UPDATE, so a second fan-out at the same time
   * (two nodes, a lease that ran out mid-way) waits for this one to commit, then skips the entries
   * it removed and takes the next ones (the lock is taken below the LIMIT): never the same ones,
   * and its deliveries commit after these. Ids of one room are in commit order (its changes and
   * joins lock the room's row: changes-sql.ts), so no entry of a room can still commit below one
   * read here.
   */
  async fanOut(
    limit: number,
    deliveriesFor: (
      entries: readonly OutboxEntry[],
      hooks: readonly StoredWebhook[],
    ) => Promise<NewDelivery[]>,
  ): Promise<number> {
    return inTransaction(this.pool, async (tx) => {
      const { rows: entries } = await tx.query<OutboxEntry>(
        `SELECT ${OUTBOX_COLUMNS} FROM outbox
         ORDER BY id LIMIT $1 FOR UPDATE`,
        [limit],
      );
      if (entries.length === 0) return 0;
      const rooms = [...new Set(entries.map((e) => e.room_id))];
      const { rows: hooks } = await tx.query<StoredWebhook>(
        `SELECT ${WEBHOOK_COLUMNS} FROM webhooks WHERE room_id IS NULL OR room_id = ANY($1::text[])
         ORDER BY created_at, id`,
        [rooms],
      );
      const deliveries = hooks.length === 0 ? [] : await deliveriesFor(entries, hooks);
      const ids = entries.map((e) => e.id);
      const taken = new Set(ids);
      const stray = deliveries.find((d) => !taken.has(d.outbox_id));
      if (stray) throw new Error(`delivery ${stray.id} names outbox entry ${stray.outbox_id}, not taken`);
      if (deliveries.length > 0) await insertDeliveries(tx, deliveries);
      await tx.query('DELETE FROM outbox WHERE id = ANY($1::bigint[])', [ids]);
      return entries.length;
    });
  }

  async dueDeliveries(now: string, limit: number): Promise<StoredDelivery[]> {
    // The head of each (hook, room) queue of an active hook, when due: later ones wait behind it.
    const { rows } = await this.pool.query<StoredDelivery>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
       WHERE id IN (
           SELECT DISTINCT ON (webhook_id, room_id) id FROM webhook_deliveries
           WHERE status = 'pending' AND webhook_id IN (SELECT id FROM webhooks WHERE active)
           ORDER BY webhook_id, room_id, outbox_id)
         AND next_attempt_at <= $1
       ORDER BY next_attempt_at, outbox_id, id LIMIT $2`,
      [now, limit],
    );
    return rows;
  }

  async recordAttempt(deliveryId: string, attempt: DeliveryAttempt): Promise<void> {
    const values = [
      deliveryId,
      attempt.outcome === 'retry' ? 'pending' : attempt.outcome,
      attempt.outcome === 'retry' ? attempt.next_attempt_at : null,
      attempt.at,
      attempt.status,
      attempt.error,
    ];
    if (attempt.outcome !== 'failed') {
      await recordOn(this.pool, values);
      return;
    }
    await inTransaction(this.pool, async (tx) => {
      // The hook's row first, the order deleteHook takes them in.
      await tx.query(
        `SELECT 1 FROM webhooks WHERE id = (SELECT webhook_id FROM webhook_deliveries WHERE id = $1)
         FOR NO KEY UPDATE`,
        [deliveryId],
      );
      const hookId = await recordOn(tx, values);
      if (hookId !== null) {
        await tx.query('UPDATE webhooks SET active = FALSE, failing_since = $2 WHERE id = $1', [
          hookId,
          attempt.at,
        ]);
      }
    });
  }

  async listDeliveries(hookId: string, page: KeyPage): Promise<StoredDelivery[]> {
    const { rows } = await this.pool.query<StoredDelivery>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries
       WHERE webhook_id = $1
         AND ($2::text IS NULL OR outbox_id <
              (SELECT outbox_id FROM webhook_deliveries WHERE id = $2 AND webhook_id = $1))
       ORDER BY outbox_id DESC LIMIT $3`,
      [hookId, page.after, page.limit],
    );
    return rows;
  }

  async getDelivery(id: string): Promise<StoredDelivery | null> {
    const { rows } = await this.pool.query<StoredDelivery>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async redeliver(deliveryId: string, now: string): Promise<StoredDelivery | null> {
    const { rows } = await this.pool.query<StoredDelivery>(
      `UPDATE webhook_deliveries
       SET status = 'pending', attempts = 0, next_attempt_at = $2, delivered_at = NULL
       WHERE id = $1
       RETURNING ${DELIVERY_COLUMNS}`,
      [deliveryId, now],
    );
    return rows[0] ?? null;
  }

  /** One statement: taken when free, run out, or already this node's (a renewal). */
  async claimDispatch(node: string, now: string, until: string): Promise<boolean> {
    const claimed = await this.pool.query(
      `UPDATE webhook_dispatch SET leader = $1, lease_until = $3
       WHERE leader = $1 OR leader IS NULL OR lease_until < $2
       RETURNING leader`,
      [node, now, until],
    );
    return claimed.rowCount === 1;
  }

  async releaseDispatch(node: string): Promise<void> {
    await this.pool.query('UPDATE webhook_dispatch SET leader = NULL, lease_until = NULL WHERE leader = $1', [
      node,
    ]);
  }
}

/**
 * One statement for the lot. A hook deleted since fanOut read it gets nothing (and no foreign key
 * error fails the rest); a second delivery for the same (hook, entry) is dropped.
 */
async function insertDeliveries(tx: Queryable, deliveries: readonly NewDelivery[]): Promise<void> {
  await tx.query(
    `INSERT INTO webhook_deliveries
       (id, webhook_id, outbox_id, room_id, type, payload, created_at, next_attempt_at)
     SELECT d.id, d.webhook_id, d.outbox_id, d.room_id, d.type, d.payload, d.created_at, d.created_at
     FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::timestamptz[])
       AS d(id, webhook_id, outbox_id, room_id, type, payload, created_at)
     WHERE EXISTS (SELECT 1 FROM webhooks h WHERE h.id = d.webhook_id)
     ON CONFLICT (webhook_id, outbox_id) DO NOTHING`,
    [
      deliveries.map((d) => d.id),
      deliveries.map((d) => d.webhook_id),
      deliveries.map((d) => d.outbox_id),
      deliveries.map((d) => d.room_id),
      deliveries.map((d) => d.type),
      deliveries.map((d) => d.payload),
      deliveries.map((d) => d.created_at),
    ],
  );
}

/** The attempt on a pending delivery (anything else is left as it is); its hook's id, if recorded. */
async function recordOn(db: Queryable, values: unknown[]): Promise<string | null> {
  const { rows } = await db.query<{ webhook_id: string }>(
    `UPDATE webhook_deliveries SET
       status = $2,
       attempts = attempts + 1,
       next_attempt_at = COALESCE($3::timestamptz, next_attempt_at),
       last_attempt_at = $4,
       last_status = $5,
       last_error = $6,
       delivered_at = CASE WHEN $2 = 'delivered' THEN $4::timestamptz ELSE delivered_at END
     WHERE id = $1 AND status = 'pending'
     RETURNING webhook_id`,
    values,
  );
  return rows[0]?.webhook_id ?? null;
}
