import type { Member, Message, PresenceStatus, Room, SearchResult, TypingUser } from '../../shared/index';
import type { Identity } from './token';

/**
 * The panel on the right besides a thread: one's mentions, search results or the selected room's
 * pins. A list is null while it loads.
 */
export type SidePanel =
  | { kind: 'mentions'; messages: Message[] | null }
  | { kind: 'search'; query: string; results: SearchResult[] | null }
  | { kind: 'pins'; roomId: string; messages: Message[] | null };

export type ConnectionState = 'signed-out' | 'connecting' | 'connected' | 'disconnected' | 'refused';

/** Everything the page shows; the controller changes it, then invalidates the panels that changed. */
export interface DemoState {
  me: Identity | null;
  connection: ConnectionState;
  error: string | null;
  /** Rooms from room:list: the caller's rooms and the public ones they could join. */
  rooms: Map<string, Room>;
  selectedRoomId: string | null;
  members: Map<string, Member[]>;
  /** Messages by room, by id: broadcasts and history pages merge here, so nothing shows twice. */
  messages: Map<string, Map<string, Message>>;
  /** Whether older messages than the oldest loaded exist, by room. */
  hasOlder: Map<string, boolean>;
  threadParentId: string | null;
  /** Open instead of the thread (one right-hand panel at a time). */
  side: SidePanel | null;
  /** The message a mention, pin or search result led to: highlighted and scrolled to. */
  focusMessageId: string | null;
  typing: Map<string, TypingUser[]>;
  presence: Map<string, PresenceStatus>;
  /** Read positions other members announced (receipt:updated), by room, by user. */
  receipts: Map<string, Map<string, number>>;
}

export const initialState = (): DemoState => ({
  me: null,
  connection: 'signed-out',
  error: null,
  rooms: new Map(),
  selectedRoomId: null,
  members: new Map(),
  messages: new Map(),
  hasOlder: new Map(),
  threadParentId: null,
  side: null,
  focusMessageId: null,
  typing: new Map(),
  presence: new Map(),
  receipts: new Map(),
});

export type Panel = 'session' | 'rooms' | 'room' | 'messages' | 'thread' | 'side' | 'typing';

/** Keeps a message, replacing an older copy of it. */
export function putMessage(state: DemoState, message: Message): void {
  let room = state.messages.get(message.room_id);
  if (!room) {
    room = new Map();
    state.messages.set(message.room_id, room);
  }
  room.set(message.id, message);
}

export function findMessage(state: DemoState, messageId: string): Message | undefined {
  for (const room of state.messages.values()) {
    const message = room.get(messageId);
    if (message) return message;
  }
  return undefined;
}

/** A room's messages in `seq` order; `parentId` null gives the channel, an id gives that thread. */
export function messagesOf(state: DemoState, roomId: string, parentId: string | null): Message[] {
  const room = state.messages.get(roomId);
  if (!room) return [];
  return [...room.values()].filter((m) => m.parent_id === parentId).sort((a, b) => a.seq - b.seq);
}

/** Keeps an open pins panel of the message's room in step with a pin or an unpin. */
export function notePinChange(state: DemoState, message: Message): void {
  const side = state.side;
  if (side?.kind !== 'pins' || side.roomId !== message.room_id || side.messages === null) return;
  const others = side.messages.filter((m) => m.id !== message.id);
  side.messages =
    message.pinned_at === null || message.deleted
      ? others
      : [message, ...others].sort((a, b) => (b.pinned_at ?? '').localeCompare(a.pinned_at ?? ''));
}
