import type { Message, MessageDeleted, ReactionsState } from 'chat-service-contract';

/**
 * A consumer's copy of one or more rooms, built only from the events a typed client emits, as
 * `ChatClient` documents it: `message:new` inserts, `message:updated` replaces, `message:deleted`
 * makes a tombstone (content "", no reactions), `reaction:updated` sets the reactions. Each event
 * also sets the message's `version`. What no correct event order could produce is noted in
 * `anomalies`: a second `message:new`, a change to a message never announced, a `message:new`
 * out of seq order, or a state older than the one held.
 */
export class MessageView {
  private readonly byId = new Map<string, Message>();
  private readonly lastSeq = new Map<string, number>();
  readonly anomalies: string[] = [];

  onNew = (message: Message): void => {
    if (this.byId.has(message.id)) this.anomalies.push(`message:new twice for ${message.id}`);
    const last = this.lastSeq.get(message.room_id) ?? 0;
    if (message.seq !== last + 1) this.anomalies.push(`message:new seq ${message.seq} after ${last}`);
    this.lastSeq.set(message.room_id, Math.max(last, message.seq));
    this.byId.set(message.id, structuredClone(message));
  };

  onUpdated = (message: Message): void => {
    this.change(message.id, message.version, 'message:updated', () => structuredClone(message));
  };

  onDeleted = (deleted: MessageDeleted): void => {
    this.change(deleted.message_id, deleted.version, 'message:deleted', (held) => ({
      ...held,
      content: '',
      reactions: [],
      deleted: true,
      version: deleted.version,
    }));
  };

  onReactions = (state: ReactionsState): void => {
    this.change(state.message_id, state.version, 'reaction:updated', (held) => ({
      ...held,
      reactions: structuredClone(state.reactions),
      version: state.version,
    }));
  };

  /** The messages of `roomId`, in seq order. */
  messagesOf(roomId: string): Message[] {
    return [...this.byId.values()].filter((m) => m.room_id === roomId).sort((a, b) => a.seq - b.seq);
  }

  private change(id: string, version: number, event: string, next: (held: Message) => Message): void {
    const held = this.byId.get(id);
    if (!held) {
      this.anomalies.push(`${event} for ${id}, never announced`);
      return;
    }
    if (version < held.version) {
      this.anomalies.push(`${event} took ${id} back from version ${held.version} to ${version}`);
    }
    this.byId.set(id, next(held));
  }
}
