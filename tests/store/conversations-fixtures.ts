import type { Message } from '../../shared/schemas/objects';
import type { NewDirectRoom } from '../../server/store/conversation-types';
import type { ChatStore, NewMessage, OutboxEntry } from '../../server/store/types';
import { at, createStoreHelpers, type StoreHelpers } from './store-fixtures';

/** Builders shared by the issue-14 store suites (tests/store/conversations-*.test.ts). */

/**
 * The store-fixtures helpers with `mentions: []` unless the overrides give some: NewMessage.mentions
 * is required, and a store may read it unconditionally.
 */
export function conversationHelpers(store: ChatStore): StoreHelpers {
  const base = createStoreHelpers(store);
  const withMentions = (overrides: Partial<NewMessage> = {}): Partial<NewMessage> => ({
    mentions: [],
    ...overrides,
  });
  return {
    ...base,
    message: (roomId, userId, overrides) => base.message(roomId, userId, withMentions(overrides)),
    insert: (roomId, userId, overrides) => base.insert(roomId, userId, withMentions(overrides)),
    post: (roomId, userId, overrides) => base.post(roomId, userId, withMentions(overrides)),
  };
}

/**
 * The direct room of `a` and `b` as the domain asks for it: the pair in ascending order whoever
 * opens it, `id` a fresh id the store uses only when it creates the room.
 */
export function directRoom(
  opener: string,
  other: string,
  overrides: Partial<Omit<NewDirectRoom, 'user_ids'>> = {},
): NewDirectRoom {
  const [first, second] = [opener, other].sort();
  if (first === undefined || second === undefined) throw new Error('a pair needs two users');
  return {
    id: `dm-${first}-${second}`,
    name: `${first}, ${second}`,
    user_ids: [first, second],
    created_by: opener,
    created_at: at(3),
    ...overrides,
  };
}

/**
 * A time long after every fixture time and after the run's real clock, so a mute until it is in
 * force whether a store compares it with the fixtures' times or with now.
 */
export const future = (s: number): string => new Date(Date.UTC(2099, 0, 1) + s * 1000).toISOString();

/** The element at `i`; fails the test when there is none. */
export function nth<T>(items: readonly T[], i: number): T {
  const item = items[i];
  if (item === undefined) throw new Error(`no item at ${i} of ${items.length}`);
  return item;
}

export const idsOf = (messages: readonly Message[]): string[] => messages.map((m) => m.id);

/** Every outbox entry after `afterId`, oldest first (the tests' outboxes stay far below the page). */
export function outboxAfter(store: ChatStore, afterId: number): Promise<OutboxEntry[]> {
  return store.readOutbox(afterId, 1000);
}

/** The id of the latest outbox entry (0 when empty): tests read what comes after it. */
export async function outboxMark(store: ChatStore): Promise<number> {
  const entries = await store.readOutbox(0, 100_000);
  return entries.at(-1)?.id ?? 0;
}
