import type { Services } from '../../domain/services';
import type { EventHandlers } from '../event-handler';

/** Roles, removals, bans and mutes (each answers the ModerationEvent). */
export function moderationHandlers({ moderation }: Services): EventHandlers {
  return {
    'member:role': (actor, p) => moderation.setRole(actor, p),
    'member:remove': (actor, p) => moderation.remove(actor, p),
    'member:ban': (actor, p) => moderation.ban(actor, p),
    'member:unban': (actor, p) => moderation.unban(actor, p),
    'member:mute': (actor, p) => moderation.mute(actor, p),
    'member:unmute': (actor, p) => moderation.unmute(actor, p),
  };
}
