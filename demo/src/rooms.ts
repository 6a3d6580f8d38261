import type { Room } from '../../shared/index';
import type { DemoState } from './state';

/** The contract's unread count: last_message_seq − last_read_seq for members, 0 for others. */
function withUnread(room: Room): Room {
  const unread = room.is_member ? Math.max(0, room.last_message_seq - (room.last_read_seq ?? 0)) : 0;
  return { ...room, unread_count: unread };
}

/** Records that a room now has a message `seq` (and, for one's own message, that it is read). */
export function noteMessage(state: DemoState, roomId: string, seq: number, own: boolean): void {
  const room = state.rooms.get(roomId);
  if (!room) return;
  const last = Math.max(room.last_message_seq, seq);
  const read = own && room.is_member ? Math.max(room.last_read_seq ?? 0, seq) : room.last_read_seq;
  state.rooms.set(roomId, withUnread({ ...room, last_message_seq: last, last_read_seq: read }));
}

/** Records the caller's read position (from a room:read ack or the caller's own receipt). */
export function noteRead(state: DemoState, roomId: string, lastReadSeq: number): void {
  const room = state.rooms.get(roomId);
  if (!room || !room.is_member) return;
  state.rooms.set(
    roomId,
    withUnread({ ...room, last_read_seq: Math.max(room.last_read_seq ?? 0, lastReadSeq) }),
  );
}

/** Rooms sorted for the sidebar: the caller's rooms, then public rooms to join, each by name. */
export function sidebarRooms(state: DemoState): { mine: Room[]; others: Room[] } {
  const byName = (a: Room, b: Room): number => a.name.localeCompare(b.name);
  const all = [...state.rooms.values()];
  return {
    mine: all.filter((r) => r.is_member).sort(byName),
    others: all.filter((r) => !r.is_member && !r.is_private).sort(byName),
  };
}
