import type { WebhookEvent, WebhookEventType } from '../../shared/schemas/webhooks';
import type { ChatStore, OutboxEntry, OutboxType } from '../store/types';
import type { NewDelivery, StoredWebhook } from '../store/webhook-types';

/** The store's outbox types and the contract's event types are one list: a change to either fails here. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const SAME_EVENT_TYPES: Same<OutboxType, WebhookEventType> = true;
void SAME_EVENT_TYPES;

/** What building a delivery's body reads. */
export type PayloadReader = Pick<
  ChatStore,
  'getMessage' | 'reactionsOf' | 'roomAccess' | 'getModerationAction'
>;

export interface DeliveryBuilderDeps {
  store: PayloadReader;
  newId: () => string;
  now: () => Date;
}

/**
 * Turns outbox entries into deliveries (the `deliveriesFor` of WebhookStore.fanOut): for each entry,
 * in order, one delivery per hook that subscribes to its type and covers its room, all with the
 * same body, built once. A room hook receives nothing its creator could not read now: once they
 * have left a private room (or it turned private), its events are not sent to the URL they chose.
 * An entry whose message cannot be read (none should be: messages are only ever tombstoned) is
 * dropped rather than blocking every later one.
 */
export function createDeliveryBuilder(deps: DeliveryBuilderDeps) {
  return async (entries: readonly OutboxEntry[], hooks: readonly StoredWebhook[]): Promise<NewDelivery[]> => {
    const deliveries: NewDelivery[] = [];
    const createdAt = deps.now().toISOString();
    // Within one batch, whether a room hook's creator can read the room is asked once.
    const readable = new Map<string, Promise<boolean>>();
    const creatorCanRead = (hook: StoredWebhook, roomId: string): Promise<boolean> => {
      const key = `${roomId}\u0000${hook.created_by}`;
      let answer = readable.get(key);
      if (!answer) {
        answer = deps.store
          .roomAccess(roomId, hook.created_by)
          .then((access) => access !== null && (!access.is_private || access.role !== null));
        readable.set(key, answer);
      }
      return answer;
    };

    for (const entry of entries) {
      const targets: StoredWebhook[] = [];
      for (const hook of hooks) {
        if (!hook.events.includes(entry.type)) continue;
        if (hook.room_id === null) targets.push(hook);
        else if (hook.room_id === entry.room_id && (await creatorCanRead(hook, entry.room_id)))
          targets.push(hook);
      }
      if (targets.length === 0) continue;
      const event = await eventOf(deps.store, entry);
      if (!event) continue;
      const payload = JSON.stringify(event);
      for (const hook of targets) {
        deliveries.push({
          id: deps.newId(),
          webhook_id: hook.id,
          outbox_id: entry.id,
          room_id: entry.room_id,
          type: entry.type,
          payload,
          created_at: createdAt,
        });
      }
    }
    return deliveries;
  };
}

/** The body of an entry's deliveries (see webhookEventSchema); null when what it names is gone. */
export async function eventOf(store: PayloadReader, entry: OutboxEntry): Promise<WebhookEvent | null> {
  const { room_id, created_at: timestamp } = entry;
  switch (entry.type) {
    case 'message.new':
    case 'message.updated':
    case 'message.deleted': {
      const message = entry.message_id ? await store.getMessage(entry.message_id) : null;
      if (!message) return null;
      return { type: entry.type, timestamp, data: { room_id, message } };
    }
    case 'reaction.updated': {
      if (!entry.message_id) return null;
      const reactions = await store.reactionsOf(entry.message_id);
      const version = entry.version ?? (await store.getMessage(entry.message_id))?.version;
      if (version === undefined) return null;
      return {
        type: entry.type,
        timestamp,
        data: { room_id, message_id: entry.message_id, reactions, version },
      };
    }
    case 'member.joined':
    case 'member.left':
      if (!entry.user_id) return null;
      return { type: entry.type, timestamp, data: { room_id, user_id: entry.user_id } };
    case 'member.moderated': {
      // The record, not the entry, says what was done: the ModerationEvent `room:moderated` carried.
      const action = entry.action_id !== null ? await store.getModerationAction(entry.action_id) : null;
      if (!action) return null;
      return { type: entry.type, timestamp, data: action };
    }
  }
}
