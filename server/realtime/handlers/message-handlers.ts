import type { Services } from '../../domain/services';
import type { EventHandlers } from '../event-handler';

export function messageHandlers({ messages }: Services): EventHandlers {
  return {
    'message:send': async (actor, p) => (await messages.send(actor, p)).message,
    'message:history': (actor, p) => messages.history(actor, p),
    'room:sync': (actor, p) => messages.changes(actor, p),
    'message:edit': (actor, p) => messages.edit(actor, p.message_id, p.content),
    'message:delete': async (actor, p) => {
      await messages.delete(actor, p.message_id);
      return {};
    },
  };
}
