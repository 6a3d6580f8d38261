import type { z } from 'zod';
import type { HistoryPage, Message } from '../../shared/schemas/objects';
import type { PayloadSchemas } from '../../shared/schemas/payloads';
import { roomToWriteIn, visibleRoom } from './access';
import type { Actor } from './actor';
import type { DomainDeps } from './deps';
import { notFound } from './errors';

export type MessageSendInput = z.output<PayloadSchemas['messageSend']>;
export type HistoryInput = z.output<PayloadSchemas['messageHistory']>;

export interface SentMessage {
  message: Message;
  /** False when the `client_id` was seen before and the stored message is returned. */
  created: boolean;
}

/** Messages: send (with threads and idempotency), read one, read history. */
export class MessageService {
  constructor(private readonly deps: DomainDeps) {}

  async send(actor: Actor, input: MessageSendInput): Promise<SentMessage> {
    const { store, notifier } = this.deps;
    const room = await roomToWriteIn(store, actor, input.room_id);
    const parentId = input.parent_id ? await this.threadRoot(room.id, input.parent_id) : null;
    const { message, created, parent } = await store.insertMessage({
      id: this.deps.newId(),
      room_id: room.id,
      user_id: actor.id,
      username: actor.name,
      content: input.content,
      message_type: input.message_type,
      parent_id: parentId,
      client_id: input.client_id ?? null,
      timestamp: this.deps.now().toISOString(),
    });
    if (created) {
      notifier.toRoom(room.id, 'message:new', message);
      if (parent) notifier.toRoom(room.id, 'message:updated', parent);
    }
    return { message, created };
  }

  async get(actor: Actor, messageId: string): Promise<Message> {
    const message = await this.deps.store.getMessage(messageId);
    if (!message) throw notFound('message', 'message_id');
    await visibleRoom(this.deps.store, actor, message.room_id).catch(() => {
      throw notFound('message', 'message_id');
    });
    return message;
  }

  async history(actor: Actor, input: HistoryInput): Promise<HistoryPage> {
    const { store, limits } = this.deps;
    const room = await visibleRoom(store, actor, input.room_id);
    if (input.parent_id) {
      const parent = await store.getMessage(input.parent_id);
      if (!parent || parent.room_id !== room.id) throw notFound('parent message', 'parent_id');
    }
    return store.listMessages({
      room_id: room.id,
      parent_id: input.parent_id ?? null,
      before_seq: input.before_seq ?? null,
      after_seq: input.after_seq ?? null,
      limit: input.limit ?? limits.historyDefault,
    });
  }

  /** Threads are one level deep, as in Slack: a reply to a reply joins the root's thread. */
  private async threadRoot(roomId: string, parentId: string): Promise<string> {
    const parent = await this.deps.store.getMessage(parentId);
    if (!parent || parent.room_id !== roomId) throw notFound('parent message', 'parent_id');
    return parent.parent_id ?? parent.id;
  }
}
