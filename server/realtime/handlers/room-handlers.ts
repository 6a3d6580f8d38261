import type { Services } from '../../domain/services';
import type { EventHandlers } from '../event-handler';

export function roomHandlers({ rooms, invites }: Services): EventHandlers {
  return {
    'room:create': (actor, p) => rooms.create(actor, p),
    'room:list': (actor, p) => rooms.list(actor, p),
    'room:get': (actor, p) => rooms.get(actor, p.room_id),
    'room:members': (actor, p) => rooms.members(actor, p.room_id, p),
    'room:join': (actor, p) => rooms.join(actor, p.room_id),
    'room:leave': async (actor, p) => {
      await rooms.leave(actor, p.room_id);
      return {};
    },
    'room:invite': (actor, p) => rooms.invite(actor, p.room_id, p.user_ids),
    'room:decline': async (actor, p) => {
      await invites.decline(actor, p.room_id);
      return {};
    },
    'invite:list': (actor, p) => invites.list(actor, p),
    'room:read': (actor, p) => rooms.markRead(actor, p.room_id, p.seq),
  };
}
