import type { Room } from '../../shared/schemas/objects';
import type { ChatStore } from '../store/types';
import type { Actor } from './actor';
import { forbidden, notFound } from './errors';

/**
 * The visibility rules, in one place for every operation: a private room does not exist for
 * non-members; a public room is readable by anyone signed in but writable by members only.
 */
export async function visibleRoom(store: ChatStore, actor: Actor, roomId: string): Promise<Room> {
  const room = await store.getRoom(roomId, actor.id);
  if (!room || (room.is_private && !room.is_member)) throw notFound('room', 'room_id');
  return room;
}

export async function roomToWriteIn(store: ChatStore, actor: Actor, roomId: string): Promise<Room> {
  const room = await visibleRoom(store, actor, roomId);
  if (!room.is_member) throw forbidden('join the room first');
  return room;
}
