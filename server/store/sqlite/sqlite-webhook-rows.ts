import { OUTBOX_TYPES, type OutboxType } from '../types';
import type { StoredWebhook } from '../webhook-types';

/**
 * Webhook rows of the SQLite store as both its connections read them (the reading one and the
 * writer thread's): `events` is JSON text, `active` 0 or 1. A delivery's row needs no mapping: its
 * columns are StoredDelivery's fields.
 */
export interface WebhookRow extends Omit<StoredWebhook, 'events' | 'active'> {
  events: string;
  active: 0 | 1;
}

export const WEBHOOK_COLUMNS = `id, url, events, room_id, secret, description, created_by, created_at,
  updated_at, active, failing_since`;

export const DELIVERY_COLUMNS = `id, webhook_id, outbox_id, room_id, type, payload, created_at, status,
  attempts, next_attempt_at, last_attempt_at, last_status, last_error, delivered_at`;

const KNOWN_TYPES: ReadonlySet<string> = new Set(OUTBOX_TYPES);

function isOutboxType(value: unknown): value is OutboxType {
  return typeof value === 'string' && KNOWN_TYPES.has(value);
}

/** The stored JSON array of event types; anything else is a corrupt row, and says so. */
function parseEvents(text: string, hookId: string): OutboxType[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed) || !parsed.every(isOutboxType)) {
    throw new Error(`webhook ${hookId} has events that are not outbox types: ${text}`);
  }
  return parsed;
}

export function toWebhook(row: WebhookRow): StoredWebhook {
  return { ...row, events: parseEvents(row.events, row.id), active: row.active === 1 };
}
