import type { Message, Room } from '../../shared/index';
import type { DemoState } from './state';

/**
 * The contract's unread count: last_message_seq − last_read_seq for members, 0 for others. Unread
 * mentions are among the unread messages, so none are left once everything is read.
 */
function withUnread(room: Room): Room {
  const unread = room.is_member ? Math.max(0, room.last_message_seq - (room.last_read_seq ?? 0)) : 0;
  return { ...room, unread_count: unread, unread_mentions: unread === 0 ? 0 : room.unread_mentions };
}

/** Records that a room now has a message `seq` (and, for one's own message, that it is read). */
export function noteMessage(state: DemoState, roomId: string, seq: number, own: boolean): void {
  const room = state.rooms.get(roomId);
  if (!room) return;
  const last = Math.max(room.last_message_seq, seq);
  const read = own && room.is_member ? Math.max(room.last_read_seq ?? 0, seq) : room.last_read_seq;
  state.rooms.set(roomId, withUnread({ ...room, last_message_seq: last, last_read_seq: read }));
}

/**
 * Records the caller's read position: from a room:read ack, which also counts the mentions left
 * unread, or from the caller's own receipt (another tab), which does not (`unreadMentions` null).
 */
export function noteRead(
  state: DemoState,
  roomId: string,
  lastReadSeq: number,
  unreadMentions: number | null = null,
): void {
  const room = state.rooms.get(roomId);
  if (!room || !room.is_member) return;
  state.rooms.set(
    roomId,
    withUnread({
      ...room,
      last_read_seq: Math.max(room.last_read_seq ?? 0, lastReadSeq),
      unread_mentions: unreadMentions ?? room.unread_mentions,
    }),
  );
}

/**
 * Counts a mention:new. One the caller has already read past (an edit of an old message, or a read
 * that overtook this event) is not unread; false when the room is not known yet.
 */
export function noteMention(state: DemoState, message: Message): boolean {
  const room = state.rooms.get(message.room_id);
  if (!room) return false;
  if (room.is_member && message.seq > (room.last_read_seq ?? 0)) {
    state.rooms.set(room.id, { ...room, unread_mentions: room.unread_mentions + 1 });
  }
  return true;
}

/**
 * What the page calls a room: its name, or for a direct message the other person. The server names
 * a DM after both people ("Alice, Bob"); their member list says who the other one is, and before it
 * is loaded one's own name is taken out of the pair.
 */
export function roomLabel(state: DemoState, room: Room): string {
  if (!room.is_dm) return room.name;
  const me = state.me;
  const other = state.members.get(room.id)?.find((m) => m.user_id !== me?.id);
  if (other) return other.username;
  if (me && room.name.startsWith(`${me.name}, `)) return room.name.slice(me.name.length + 2);
  if (me && room.name.endsWith(`, ${me.name}`)) return room.name.slice(0, -(me.name.length + 2));
  return room.name;
}

/** Whether the caller may pin in a room: its owner or a moderator, or either person of a DM. */
export function canPin(state: DemoState, roomId: string): boolean {
  const room = state.rooms.get(roomId);
  const me = state.me?.id;
  if (!room?.is_member || me === undefined) return false;
  if (room.is_dm) return true;
  // The member list shows the first members only; the creator stays owner unless they left.
  const role = state.members.get(roomId)?.find((m) => m.user_id === me)?.role;
  return role === 'owner' || role === 'moderator' || (role === undefined && room.created_by === me);
}

/**
 * Rooms sorted for the sidebar: the caller's rooms and direct messages (rooms first), then public
 * rooms to join, each by the name shown.
 */
export function sidebarRooms(state: DemoState): { mine: Room[]; others: Room[] } {
  const byName = (a: Room, b: Room): number =>
    Number(a.is_dm) - Number(b.is_dm) || roomLabel(state, a).localeCompare(roomLabel(state, b));
  const all = [...state.rooms.values()];
  return {
    mine: all.filter((r) => r.is_member).sort(byName),
    others: all.filter((r) => !r.is_member && !r.is_private).sort(byName),
  };
}

/** A member's display name when the room's member list has them, else their id. */
export function memberName(state: DemoState, roomId: string, userId: string): string {
  return state.members.get(roomId)?.find((m) => m.user_id === userId)?.username ?? userId;
}
