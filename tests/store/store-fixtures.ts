import type { HistoryPage, Message, Room } from '../../shared/schemas/objects';
import type {
  ChatStore,
  HistoryQuery,
  InsertedMessage,
  NewMember,
  NewMessage,
  NewRoom,
} from '../../server/store/types';

/** Shared builders for the store contract suites (tests/store/*.test.ts). */

export const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
/** A distinct, ordered ISO 8601 UTC timestamp `s` seconds after a fixed origin. */
export const at = (s: number): string => new Date(T0 + s * 1000).toISOString();

/** The integers from `from` to `to`, both included. */
export const range = (from: number, to: number): number[] =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** A public room `id` created by alice at `at(0)`, unless `overrides` say otherwise. */
export function room(id: string, overrides: Partial<NewRoom> = {}): NewRoom {
  return {
    id,
    name: `room ${id}`,
    description: null,
    is_private: false,
    created_by: 'alice',
    created_at: at(0),
    ...overrides,
  };
}

export const owner = (userId: string, joinedAt = at(0)): NewMember => ({
  user_id: userId,
  role: 'owner',
  joined_at: joinedAt,
});

export const member = (userId: string, joinedAt = at(1)): NewMember => ({
  user_id: userId,
  role: 'member',
  joined_at: joinedAt,
});

export interface StoreHelpers {
  /** A new message with a fresh id; the timestamp follows the id so messages are ordered in time. */
  message(roomId: string, userId: string, overrides?: Partial<NewMessage>): NewMessage;
  /** Inserts a new `message(...)` and answers what the store returned for it. */
  insert(roomId: string, userId: string, overrides?: Partial<NewMessage>): Promise<InsertedMessage>;
  /** Inserts a new `message(...)` and answers the stored message alone. */
  post(roomId: string, userId: string, overrides?: Partial<NewMessage>): Promise<Message>;
  /** One page of the room's history: top-level messages, newest 50, unless `q` says otherwise. */
  history(roomId: string, q?: Partial<Omit<HistoryQuery, 'room_id'>>): Promise<HistoryPage>;
  /** The room as `viewerId` sees it; fails the test when it does not exist. */
  viewRoom(roomId: string, viewerId: string): Promise<Room>;
  /** The stored message; fails the test when it does not exist. */
  stored(messageId: string): Promise<Message>;
}

/**
 * Helpers bound to one store. Message ids count from `msg-1` for each call, so create them anew
 * for each test, right after opening its store.
 */
export function createStoreHelpers(store: ChatStore): StoreHelpers {
  let messageCounter = 0;

  const message: StoreHelpers['message'] = (roomId, userId, overrides = {}) => {
    messageCounter += 1;
    return {
      id: `msg-${messageCounter}`,
      room_id: roomId,
      user_id: userId,
      username: userId.toUpperCase(),
      content: `message ${messageCounter} from ${userId}`,
      message_type: 'text',
      parent_id: null,
      client_id: null,
      timestamp: new Date(T0 + 60_000 + messageCounter).toISOString(),
      mentions: [],
      ...overrides,
    };
  };

  const insert: StoreHelpers['insert'] = (roomId, userId, overrides = {}) =>
    store.insertMessage(message(roomId, userId, overrides));

  return {
    message,
    insert,
    post: async (roomId, userId, overrides = {}) => (await insert(roomId, userId, overrides)).message,
    history: (roomId, q = {}) =>
      store.listMessages({
        room_id: roomId,
        parent_id: null,
        before_seq: null,
        after_seq: null,
        limit: 50,
        ...q,
      }),
    viewRoom: async (roomId, viewerId) => {
      const seen = await store.getRoom(roomId, viewerId);
      if (!seen) throw new Error(`room ${roomId} not found for ${viewerId}`);
      return seen;
    },
    stored: async (messageId) => {
      const found = await store.getMessage(messageId);
      if (!found) throw new Error(`message ${messageId} not found`);
      return found;
    },
  };
}
