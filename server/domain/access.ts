import type { MemberRole, Message, Room } from '../../shared/schemas/objects';
import type { ChatStore, RoomAccess } from '../store/types';
import type { Actor } from './actor';
import { forbidden, notFound } from './errors';

/**
 * The visibility rules, in one place for every operation: a private room (and everything in it)
 * does not exist for non-members; a public room is readable by anyone signed in but writable by
 * members only. The checks made on every event read `store.roomAccess` (no member count, no read
 * state; cached above the store); `visibleRoom` reads the whole Room for callers that need it.
 */
export async function visibleRoom(store: ChatStore, actor: Actor, roomId: string): Promise<Room> {
  const room = await store.getRoom(roomId, actor.id);
  if (!room || (room.is_private && !room.is_member)) throw notFound('room', 'room_id');
  return room;
}

export function requireMembership(room: Room): void {
  if (!room.is_member) throw forbidden('join the room first');
}

/** A member's access: what the write checks answer. */
export type MemberAccess = RoomAccess & { role: MemberRole };

/** The actor's access to a room they may read (NOT_FOUND for a missing room or another's private one). */
export async function readableRoom(store: ChatStore, actor: Actor, roomId: string): Promise<RoomAccess> {
  return visible(await store.roomAccess(roomId, actor.id), 'room', 'room_id');
}

/** As readableRoom, and FORBIDDEN unless the actor is a member (a public room they have not joined). */
export async function roomToWriteIn(store: ChatStore, actor: Actor, roomId: string): Promise<MemberAccess> {
  return asMember(await readableRoom(store, actor, roomId));
}

/** FORBIDDEN unless the access is a member's. */
export function asMember(access: RoomAccess): MemberAccess {
  if (!isMember(access)) throw forbidden('join the room first');
  return access;
}

function isMember(access: RoomAccess): access is MemberAccess {
  return access.role !== null;
}

/**
 * A message and the actor's access to its room, as the actor may see them (NOT_FOUND for messages
 * of invisible rooms).
 */
export async function visibleMessage(
  store: ChatStore,
  actor: Actor,
  messageId: string,
): Promise<{ message: Message; access: RoomAccess }> {
  const message = await store.getMessage(messageId);
  const access = message ? await store.roomAccess(message.room_id, actor.id) : null;
  if (!message) throw notFound('message', 'message_id');
  return { message, access: visible(access, 'message', 'message_id') };
}

function visible(access: RoomAccess | null, what: string, field: string): RoomAccess {
  if (!access || (access.is_private && access.role === null)) throw notFound(what, field);
  return access;
}

/** Roles that moderate a room: remove, ban, mute, pin. */
export function isModerator(role: MemberRole | null): role is 'owner' | 'moderator' {
  return role === 'owner' || role === 'moderator';
}

/** FORBIDDEN (`only the owner or a moderator can <doing>`) unless the access is the owner's or a moderator's. */
export function moderatorOf(access: RoomAccess, doing: string): MemberAccess {
  if (!isModerator(access.role)) throw forbidden(`only the owner or a moderator can ${doing}`);
  return { ...access, role: access.role };
}

/**
 * Until when the user is muted, while that is still ahead of `now`; null when they are not muted
 * (never, or a mute that has run out: nothing lifts it, time does).
 */
export function mutedUntil(access: RoomAccess, now: Date): string | null {
  const until = access.muted_until;
  return until !== null && Date.parse(until) > now.getTime() ? until : null;
}

/**
 * FORBIDDEN while the user is muted. Read from the RoomAccess the write check already holds (cached
 * above the store), so a send costs no extra query for it.
 */
export function assertNotMuted(access: RoomAccess, now: Date): void {
  const until = mutedUntil(access, now);
  if (until !== null) throw forbidden(`you are muted in this room until ${until}`);
}
