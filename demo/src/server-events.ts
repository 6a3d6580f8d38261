import type { ChatClient } from '../../shared/client';
import type { Room } from '../../shared/index';
import { noteMention, noteMessage, noteRead } from './rooms';
import { findMessage, notePinChange, putMessage, type DemoState, type Panel } from './state';

export interface ServerEventHooks {
  invalidate: (...panels: Panel[]) => void;
  /** A message arrived in the room on screen: mark it read if the page is being looked at. */
  seenInSelectedRoom: (roomId: string, seq: number) => void;
  /** Something happened that a fresh room:list / room:get explains better than a patch. */
  reloadRooms: () => void;
  reloadMembers: (roomId: string) => void;
  /** A room one is a member of appeared (a DM the other person opened): follow its messages. */
  follow: (room: Room) => void;
}

/** Applies the server's broadcasts to the page state; returns a function that stops listening. */
export function applyServerEvents(client: ChatClient, state: DemoState, hooks: ServerEventHooks): () => void {
  const meId = (): string | null => state.me?.id ?? null;
  const offs = [
    client.on('message:new', (message) => {
      putMessage(state, message);
      const own = message.user_id === meId();
      if (!state.rooms.has(message.room_id)) hooks.reloadRooms();
      noteMessage(state, message.room_id, message.seq, own);
      if (!own && message.room_id === state.selectedRoomId)
        hooks.seenInSelectedRoom(message.room_id, message.seq);
      hooks.invalidate('rooms', 'messages', 'thread');
    }),
    client.on('message:updated', (message) => {
      // Only messages on screen: after a reconnect the client replays changes to older ones too.
      if (findMessage(state, message.id)) putMessage(state, message);
      notePinChange(state, message);
      hooks.invalidate('messages', 'thread', 'side');
    }),
    client.on('mention:new', (message) => {
      if (!noteMention(state, message)) hooks.reloadRooms();
      const side = state.side;
      if (side?.kind === 'mentions' && side.messages !== null) {
        side.messages = [message, ...side.messages.filter((m) => m.id !== message.id)];
      }
      hooks.invalidate('rooms', 'side');
    }),
    client.on('message:deleted', ({ message_id }) => {
      const message = findMessage(state, message_id);
      if (message) putMessage(state, { ...message, deleted: true, content: '', reactions: [] });
      hooks.invalidate('messages', 'thread');
    }),
    client.on('reaction:updated', ({ message_id, reactions }) => {
      const message = findMessage(state, message_id);
      if (message) putMessage(state, { ...message, reactions });
      hooks.invalidate('messages', 'thread');
    }),
    client.on('typing:update', ({ room_id, typing_users }) => {
      state.typing.set(
        room_id,
        typing_users.filter((u) => u.user_id !== meId()),
      );
      hooks.invalidate('typing');
    }),
    client.on('presence:update', ({ user_id, status }) => {
      state.presence.set(user_id, status);
      hooks.invalidate('room');
    }),
    client.on('receipt:updated', ({ room_id, user_id, last_read_seq }) => {
      if (user_id === meId()) {
        noteRead(state, room_id, last_read_seq);
        hooks.invalidate('rooms');
        return;
      }
      let room = state.receipts.get(room_id);
      if (!room) {
        room = new Map();
        state.receipts.set(room_id, room);
      }
      room.set(user_id, Math.max(room.get(user_id) ?? 0, last_read_seq));
      hooks.invalidate('messages');
    }),
    client.on('room:updated', (detail) => {
      const { members, ...room } = detail;
      state.rooms.set(room.id, room);
      state.members.set(room.id, members);
      for (const m of members) state.presence.set(m.user_id, m.online ? 'online' : 'offline');
      if (room.is_member) hooks.follow(room);
      hooks.invalidate('rooms', 'room', 'messages');
    }),
    // Roles decide who may pin; other actions also arrive as joins, leaves or room changes.
    client.on('room:moderated', ({ room_id, action }) => {
      if ((action === 'promote' || action === 'demote') && state.rooms.get(room_id)?.is_member)
        hooks.reloadMembers(room_id);
    }),
    // The batch form: a room filling up reloads its members once per batch, not once per joiner.
    client.on('room:users_joined', ({ room_id }) => hooks.reloadMembers(room_id)),
    client.on('room:user_left', ({ room_id, user_id }) => {
      if (user_id === meId()) hooks.reloadRooms();
      else hooks.reloadMembers(room_id);
    }),
  ];
  return () => offs.forEach((off) => off());
}
