import type { Services } from '../../domain/services';
import type { EventHandlers } from '../event-handler';

export function messageHandlers({ messages }: Services): EventHandlers {
  return {
    'message:send': async (actor, p) => (await messages.send(actor, p)).message,
    'message:history': (actor, p) => messages.history(actor, p),
  };
}
