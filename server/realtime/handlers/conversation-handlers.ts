import type { Services } from '../../domain/services';
import type { EventHandlers } from '../event-handler';

/** Direct messages, mentions, search and pins. */
export function conversationHandlers({ dms, mentions, search, pins }: Services): EventHandlers {
  return {
    'dm:open': async (actor, p) => (await dms.open(actor, p.user_id)).room,
    'mention:list': (actor, p) => mentions.list(actor, p),
    'message:search': (actor, p) => search.search(actor, p),
    'message:pin': (actor, p) => pins.pin(actor, p.message_id),
    'message:unpin': (actor, p) => pins.unpin(actor, p.message_id),
    'room:pins': (actor, p) => pins.list(actor, p.room_id),
  };
}
