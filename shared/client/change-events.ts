import type { Message, MessageDeleted, ReactionsState } from '../schemas/objects';

/**
 * A server event about a message already announced by `message:new`: what the client passes on
 * live, and what it replays from `room:sync` after a reconnect. Each names the version of the
 * message's state it carries.
 */
export type ChangeEvent =
  | { event: 'message:updated'; payload: Message }
  | { event: 'message:deleted'; payload: MessageDeleted }
  | { event: 'reaction:updated'; payload: ReactionsState };

export function roomOf(change: ChangeEvent): string {
  return change.payload.room_id;
}

export function messageOf(change: ChangeEvent): string {
  return change.event === 'message:updated' ? change.payload.id : change.payload.message_id;
}

export function versionOf(change: ChangeEvent): number {
  return change.payload.version;
}

/**
 * The events that bring a consumer's copy of a message to `message`'s state, as if it had heard
 * every change live. A tombstone is `message:deleted` followed by the tombstone itself: its
 * `reply_count` may still rise (a reply to a deleted message) and its `edited_at` is the last
 * edit's, which a consumer that missed that edit does not have; the server announces the same
 * tombstone in `message:updated` when a reply raises its count. A live message is `message:updated`
 * and `reaction:updated`, for consumers that keep reactions apart from the message.
 */
export function replayOf(message: Message): ChangeEvent[] {
  const { room_id, id: message_id, seq, version } = message;
  if (message.deleted) {
    return [
      { event: 'message:deleted', payload: { room_id, message_id, seq, version } },
      { event: 'message:updated', payload: message },
    ];
  }
  return [
    { event: 'message:updated', payload: message },
    { event: 'reaction:updated', payload: { room_id, message_id, reactions: message.reactions, version } },
  ];
}
