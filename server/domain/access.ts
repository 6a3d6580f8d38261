import type { Message, Room } from '../../shared/schemas/objects';
import type { ChatStore } from '../store/types';
import type { Actor } from './actor';
import { forbidden, notFound } from './errors';

/**
 * The visibility rules, in one place for every operation: a private room (and everything in it)
 * does not exist for non-members; a public room is readable by anyone signed in but writable by
 * members only.
 */
export async function visibleRoom(store: ChatStore, actor: Actor, roomId: string): Promise<Room> {
  const room = await store.getRoom(roomId, actor.id);
  if (!room || (room.is_private && !room.is_member)) throw notFound('room', 'room_id');
  return room;
}

export function requireMembership(room: Room): void {
  if (!room.is_member) throw forbidden('join the room first');
}

export async function roomToWriteIn(store: ChatStore, actor: Actor, roomId: string): Promise<Room> {
  const room = await visibleRoom(store, actor, roomId);
  requireMembership(room);
  return room;
}

/** A message and its room, as the actor may see them (NOT_FOUND for messages of invisible rooms). */
export async function visibleMessage(
  store: ChatStore,
  actor: Actor,
  messageId: string,
): Promise<{ message: Message; room: Room }> {
  const message = await store.getMessage(messageId);
  const room = message ? await store.getRoom(message.room_id, actor.id) : null;
  if (!message || !room || (room.is_private && !room.is_member)) throw notFound('message', 'message_id');
  return { message, room };
}
