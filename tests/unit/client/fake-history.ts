import type { HistoryPage, Message } from 'chat-service-contract';

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
  };
}

/** Lets pending promise callbacks run (the fakes below answer on microtasks), without a timer. */
export const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * One room's stored messages and a `message:history { after_seq }` over them, as the server answers
 * it: the oldest `pageSize` after the cursor, `has_more` when newer ones exist. Fetches answer at
 * once, or (while `gated`) only when the test calls `open()`, so a test can act mid-fetch.
 */
export class FakeHistory {
  readonly stored: Message[] = [];
  /** The `after_seq` of every fetch, in order. */
  readonly fetches: number[] = [];
  inFlight = 0;
  maxInFlight = 0;
  private gated = false;
  private waiting: (() => void)[] = [];
  failNext: Error | undefined;

  constructor(
    private readonly pageSize = 100,
    private readonly roomId = 'room1',
  ) {}

  /** Stores the next `count` messages; answers them. */
  add(count: number): Message[] {
    const first = this.stored.length + 1;
    const added = Array.from({ length: count }, (_, i) => message(first + i, this.roomId));
    this.stored.push(...added);
    return added;
  }

  gate(): void {
    this.gated = true;
  }

  /** Lets the fetches waiting so far answer (with what is stored when they answer), and ungates. */
  open(): void {
    this.gated = false;
    for (const go of this.waiting.splice(0)) go();
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
