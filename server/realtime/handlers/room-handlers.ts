import type { Services } from '../../domain/services';
import type { EventHandlers } from '../event-handler';

export function roomHandlers({ rooms }: Services): EventHandlers {
  return {
    'room:create': (actor, p) => rooms.create(actor, p),
    'room:list': async (actor) => ({ rooms: await rooms.list(actor) }),
    'room:get': (actor, p) => rooms.get(actor, p.room_id),
    'room:join': (actor, p) => rooms.join(actor, p.room_id),
    'room:leave': async (actor, p) => {
      await rooms.leave(actor, p.room_id);
      return {};
    },
    'room:invite': (actor, p) => rooms.invite(actor, p.room_id, p.user_ids),
    'room:read': (actor, p) => rooms.markRead(actor, p.room_id, p.seq),
  };
}
