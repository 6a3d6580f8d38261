import type { Services } from '../../domain/services';
import type { EventHandlers } from '../event-handler';

/** Typing, reactions and presence: the ephemeral side of a conversation. */
export function activityHandlers({ typing, reactions, presence }: Services): EventHandlers {
  return {
    'typing:update': async (actor, p) => {
      await typing.update(actor, p);
      return {};
    },
    'reaction:add': (actor, p) => reactions.add(actor, p.message_id, p.emoji),
    'reaction:remove': (actor, p) => reactions.remove(actor, p.message_id, p.emoji),
    'presence:get': async (actor, p) => ({ presence: await presence.get(actor, p.user_ids) }),
  };
}
