import { ChatError } from '../../shared/errors';
import {
  WEBHOOK_PAGE_DEFAULT,
  type CreatedWebhook,
  type CreateWebhookRequest,
  type UpdateWebhookRequest,
  type Webhook,
  type WebhookDelivery,
  type WebhookDeliveryList,
  type WebhookDeliveryQuery,
  type WebhookList,
  type WebhookListQuery,
} from '../../shared/schemas/webhooks';
import type { ChatStore } from '../store/types';
import type { StoredDelivery, StoredWebhook, WebhookStore } from '../store/webhook-types';
import { generateSecret } from '../webhooks/signer';
import { UrlRefusedError } from '../webhooks/url-guard';
import type { Actor } from './actor';
import { forbidden, notFound } from './errors';
import type { RateLimiter } from './rate-limits';

/** Hooks one room may have, and service-wide hooks in all: each is a copy of the room's traffic. */
export const WEBHOOKS_PER_SCOPE_MAX = 20;

export interface WebhookServiceDeps {
  /** Room access (who owns a room). */
  store: Pick<ChatStore, 'roomAccess'>;
  webhooks: WebhookStore;
  /** Refuses URLs a hook may not have (server/webhooks/url-guard.ts). */
  guard: { check(url: string): Promise<void> };
  rateLimiter: RateLimiter;
  now: () => Date;
  newId: () => string;
  /** Told when deliveries may have become due (a hook resumed, a redelivery), so they go out soon. */
  onDue?: () => void;
}

/**
 * Outgoing webhooks: who may manage which hook, and the delivery log. A room's hooks belong to the
 * room: its owners manage them (a private room's hooks are invisible to non-members, as the room
 * is). Service-wide hooks need the token's `admin` claim, which also lets its holder manage every
 * hook (creating a room's hook still needs the room's ownership: see payloads.ts on what a hook
 * may receive).
 */
export class WebhookService {
  constructor(private readonly deps: WebhookServiceDeps) {}

  async create(actor: Actor, input: CreateWebhookRequest): Promise<CreatedWebhook> {
    const { webhooks } = this.deps;
    await this.deps.rateLimiter.consume('room', actor.id);
    const roomId = input.room_id ?? null;
    if (roomId === null) requireAdmin(actor);
    else await this.requireRoomOwner(actor, roomId);
    const existing = await webhooks.listHooks({ roomId }, { limit: WEBHOOKS_PER_SCOPE_MAX, after: null });
    if (existing.length >= WEBHOOKS_PER_SCOPE_MAX) {
      throw new ChatError(
        'CONFLICT',
        `${roomId === null ? 'the service' : 'the room'} already has ${WEBHOOKS_PER_SCOPE_MAX} webhooks: delete one first`,
      );
    }
    await this.checkUrl(input.url);
    const secret = input.secret ?? generateSecret();
    const hook = await webhooks.createHook({
      id: this.deps.newId(),
      url: input.url,
      events: input.events,
      room_id: roomId,
      secret,
      description: input.description ?? null,
      created_by: actor.id,
      created_at: this.deps.now().toISOString(),
    });
    return { ...toWebhook(hook), secret };
  }

  /** A room's hooks (`room_id`), or the service-wide ones; oldest first, a page at a time. */
  async list(actor: Actor, query: WebhookListQuery): Promise<WebhookList> {
    await this.deps.rateLimiter.consume('read', actor.id);
    const roomId = query.room_id ?? null;
    if (roomId === null) requireAdmin(actor);
    else if (actor.admin !== true) await this.requireRoomOwner(actor, roomId);
    const pageSize = query.limit ?? WEBHOOK_PAGE_DEFAULT;
    const rows = await this.deps.webhooks.listHooks(
      { roomId },
      { limit: pageSize + 1, after: query.cursor ?? null },
    );
    const page = rows.slice(0, pageSize);
    return { webhooks: page.map(toWebhook), next_cursor: nextCursor(rows, page) };
  }

  async get(actor: Actor, id: string): Promise<Webhook> {
    await this.deps.rateLimiter.consume('read', actor.id);
    return toWebhook(await this.manageable(actor, id));
  }

  async update(actor: Actor, id: string, change: UpdateWebhookRequest): Promise<Webhook> {
    await this.deps.rateLimiter.consume('read', actor.id);
    const hook = await this.manageable(actor, id);
    if (change.url !== undefined) await this.checkUrl(change.url);
    const updated = await this.deps.webhooks.updateHook(hook.id, change, this.deps.now().toISOString());
    if (!updated) throw notFound('webhook', 'id');
    if (change.active === true) this.deps.onDue?.();
    return toWebhook(updated);
  }

  async delete(actor: Actor, id: string): Promise<void> {
    await this.deps.rateLimiter.consume('read', actor.id);
    const hook = await this.manageable(actor, id);
    if (!(await this.deps.webhooks.deleteHook(hook.id))) throw notFound('webhook', 'id');
  }

  /** The hook's delivery log, newest first, a page at a time. */
  async deliveries(actor: Actor, id: string, query: WebhookDeliveryQuery): Promise<WebhookDeliveryList> {
    await this.deps.rateLimiter.consume('read', actor.id);
    const hook = await this.manageable(actor, id);
    const pageSize = query.limit ?? WEBHOOK_PAGE_DEFAULT;
    const rows = await this.deps.webhooks.listDeliveries(hook.id, {
      limit: pageSize + 1,
      after: query.cursor ?? null,
    });
    const page = rows.slice(0, pageSize);
    return { deliveries: page.map(toDelivery), next_cursor: nextCursor(rows, page) };
  }

  /**
   * Sends a delivery again, as it was (same id and body), as soon as possible and with its attempts
   * counted afresh. A failing hook is resumed by this: its waiting deliveries follow, in order.
   */
  async redeliver(actor: Actor, id: string, deliveryId: string): Promise<WebhookDelivery> {
    const { webhooks } = this.deps;
    await this.deps.rateLimiter.consume('read', actor.id);
    const hook = await this.manageable(actor, id);
    const delivery = await webhooks.getDelivery(deliveryId);
    if (delivery?.webhook_id !== hook.id) throw notFound('delivery', 'delivery_id');
    const now = this.deps.now().toISOString();
    const queued = await webhooks.redeliver(delivery.id, now);
    if (!queued) throw notFound('delivery', 'delivery_id');
    if (!hook.active) await webhooks.updateHook(hook.id, { active: true }, now);
    this.deps.onDue?.();
    return toDelivery(queued);
  }

  /**
   * The hook, when the actor may manage it: an admin any; the room's owners a room's. A hook of a
   * room the actor cannot see is NOT_FOUND, like the room; one they can see but not manage is
   * FORBIDDEN.
   */
  private async manageable(actor: Actor, id: string): Promise<StoredWebhook> {
    const hook = await this.deps.webhooks.getHook(id);
    if (!hook) throw notFound('webhook', 'id');
    if (actor.admin === true) return hook;
    if (hook.room_id === null) requireAdmin(actor);
    else await this.requireRoomOwner(actor, hook.room_id, 'webhook', 'id');
    return hook;
  }

  private async requireRoomOwner(
    actor: Actor,
    roomId: string,
    what = 'room',
    field = 'room_id',
  ): Promise<void> {
    const access = await this.deps.store.roomAccess(roomId, actor.id);
    if (!access || (access.is_private && access.role === null)) throw notFound(what, field);
    if (access.role !== 'owner') throw forbidden('only an owner of the room can manage its webhooks');
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await this.deps.guard.check(url);
    } catch (err) {
      if (!(err instanceof UrlRefusedError)) throw err;
      throw new ChatError('VALIDATION_ERROR', `Invalid field "url": ${err.message}`, [
        { field: 'url', reason: err.message },
      ]);
    }
  }
}

function requireAdmin(actor: Actor): void {
  if (actor.admin !== true) throw forbidden('service-wide webhooks need a token with the admin claim');
}

/** The id of the page's last row when more rows follow (the store was asked for one more). */
function nextCursor<T extends { id: string }>(rows: readonly T[], page: readonly T[]): string | null {
  return rows.length > page.length ? (page.at(-1)?.id ?? null) : null;
}

/** A hook as the API shows it: everything but the secret. */
export function toWebhook(hook: StoredWebhook): Webhook {
  return {
    id: hook.id,
    url: hook.url,
    events: hook.events,
    room_id: hook.room_id,
    description: hook.description,
    active: hook.active,
    failing_since: hook.failing_since,
    created_by: hook.created_by,
    created_at: hook.created_at,
    updated_at: hook.updated_at,
  };
}

export function toDelivery(delivery: StoredDelivery): WebhookDelivery {
  return {
    id: delivery.id,
    webhook_id: delivery.webhook_id,
    room_id: delivery.room_id,
    type: delivery.type,
    status: delivery.status,
    attempts: delivery.attempts,
    created_at: delivery.created_at,
    next_attempt_at: delivery.status === 'pending' ? delivery.next_attempt_at : null,
    last_attempt_at: delivery.last_attempt_at,
    last_status: delivery.last_status,
    last_error: delivery.last_error,
    delivered_at: delivery.delivered_at,
    payload: delivery.payload,
  };
}
