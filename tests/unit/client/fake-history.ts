import type { ChangesPage, HistoryPage, Message } from 'chat-service-contract';
import type { ChangeEvent } from '../../../shared/client/change-events';

/** A message of `roomId` with `seq`; its id names both, so a duplicate delivery shows in a list of ids. */
export function message(seq: number, roomId = 'room1'): Message {
  return {
    id: `${roomId}-m${seq}`,
    room_id: roomId,
    seq,
    user_id: 'bob',
    username: 'Bob',
    content: `message ${seq}`,
    message_type: 'text',
    parent_id: null,
    reply_count: 0,
    reactions: [],
    client_id: null,
    timestamp: new Date(Date.UTC(2025, 0, 1, 0, 0, seq)).toISOString(),
    edited_at: null,
    deleted: false,
    version: seq,
    mentions: [],
    pinned_at: null,
    pinned_by: null,
  };
}

/** Lets pending promise callbacks run (the fakes below answer on microtasks), without a timer. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * One room's stored messages as the server answers for them over the socket: `message:history
 * { after_seq }` (the oldest `pageSize` after the cursor, `has_more` when newer ones exist) and
 * `room:sync { after_version }` (each message changed after it once, in its current state, by
 * version; `version` the last listed one's while `has_more`, else the room's). Changes made with
 * `edit`, `remove` and `react` take the room's next version and answer the live event the server
 * would broadcast. Requests answer at once, or (while gated) only when the test calls `open()`, so
 * a test can act mid-request.
 */
export class FakeHistory {
  readonly stored: Message[] = [];
  /** The `after_seq` of every history fetch, in order. */
  readonly fetches: number[] = [];
  /** The `after_version` of every `room:sync`, in order. */
  readonly syncs: number[] = [];
  /** History fetches and syncs in flight (one room's are never to overlap). */
  inFlight = 0;
  maxInFlight = 0;
  roomVersion = 0;
  private gated = false;
  private changesGated = false;
  private waiting: (() => void)[] = [];
  failNext: Error | undefined;
  failNextSync: Error | undefined;
  /** Fails the `room:sync` asked with this `after_version` (once). */
  readonly failSyncAfter = new Map<number, Error>();

  constructor(
    private readonly pageSize = 100,
    private readonly roomId = 'room1',
  ) {}

  /** Stores the next `count` messages; answers them. */
  add(count: number): Message[] {
    const first = this.stored.length + 1;
    const added = Array.from({ length: count }, (_, i) => ({
      ...message(first + i, this.roomId),
      version: ++this.roomVersion,
    }));
    this.stored.push(...added);
    return added;
  }

  /** Edits message `seq`; answers its `message:updated`. */
  edit(seq: number, content: string): ChangeEvent {
    const edited = this.change(seq, (m) => ({ ...m, content, edited_at: m.timestamp }));
    return { event: 'message:updated', payload: edited };
  }

  /** Deletes message `seq`; answers its `message:deleted`. */
  remove(seq: number): ChangeEvent {
    const gone = this.change(seq, (m) => ({ ...m, content: '', reactions: [], deleted: true }));
    return {
      event: 'message:deleted',
      payload: { room_id: gone.room_id, message_id: gone.id, seq, version: gone.version },
    };
  }

  /** Sets message `seq`'s reactions to one `emoji` by `count` users; answers its `reaction:updated`. */
  react(seq: number, emoji: string, count = 1): ChangeEvent {
    const user_ids = Array.from({ length: count }, (_, i) => `user${i}`);
    const reacted = this.change(seq, (m) => ({ ...m, reactions: [{ emoji, count, user_ids }] }));
    return {
      event: 'reaction:updated',
      payload: {
        room_id: reacted.room_id,
        message_id: reacted.id,
        reactions: reacted.reactions,
        version: reacted.version,
      },
    };
  }

  /** The stored message `seq`. */
  at(seq: number): Message {
    const found = this.stored[seq - 1];
    if (!found) throw new Error(`no message ${seq}`);
    return found;
  }

  /** Holds history fetches until `open()`. */
  gate(): void {
    this.gated = true;
  }

  /** Holds `room:sync` requests until `open()`. */
  gateChanges(): void {
    this.changesGated = true;
  }

  /** Lets the requests waiting so far answer (with what is stored when they answer), and ungates. */
  open(): void {
    this.gated = false;
    this.changesGated = false;
    for (const go of this.waiting.splice(0)) go();
  }

  readonly fetchChanges = async (afterVersion: number): Promise<ChangesPage> => {
    this.syncs.push(afterVersion);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.changesGated) await new Promise<void>((resolve) => this.waiting.push(resolve));
      else await Promise.resolve();
      const failure = this.failNextSync ?? this.failSyncAfter.get(afterVersion);
      this.failNextSync = undefined;
      this.failSyncAfter.delete(afterVersion);
      if (failure) throw failure;
      const after = this.stored.filter((m) => m.version > afterVersion).sort((a, b) => a.version - b.version);
      const messages = after.slice(0, this.pageSize);
      const has_more = after.length > this.pageSize;
      const last = messages.at(-1);
      const version = has_more && last ? last.version : this.roomVersion;
      return { room_id: this.roomId, messages, version, has_more };
    } finally {
      this.inFlight -= 1;
    }
  };

  private change(seq: number, how: (m: Message) => Message): Message {
    const changed = { ...how(this.at(seq)), version: ++this.roomVersion };
    this.stored[seq - 1] = changed;
    return changed;
  }

  readonly fetchAfter = async (afterSeq: number): Promise<HistoryPage> => {
    this.fetches.push(afterSeq);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.gated) await new Promise<void>((resolve) => this.waiting.push(resolve));
      else await Promise.resolve();
      const failure = this.failNext;
      this.failNext = undefined;
      if (failure) throw failure;
      const after = this.stored.filter((m) => m.seq > afterSeq);
      return { messages: after.slice(0, this.pageSize), has_more: after.length > this.pageSize };
    } finally {
      this.inFlight -= 1;
    }
  };
}
