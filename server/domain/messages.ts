import type { z } from 'zod';
import { ChatError } from '../../shared/errors';
import type { ChangesPage, HistoryPage, Message } from '../../shared/schemas/objects';
import type { PayloadSchemas } from '../../shared/schemas/payloads';
import { isHttpUrl } from '../../shared/schemas/primitives';
import { asMember, assertNotMuted, isModerator, readableRoom, roomToWriteIn, visibleMessage } from './access';
import type { Actor } from './actor';
import type { DomainDeps } from './deps';
import { forbidden, notFound } from './errors';
import type { MentionService } from './mentions';
import type { TypingService } from './typing-service';

export type MessageSendInput = z.output<PayloadSchemas['messageSend']>;
export type HistoryInput = z.output<PayloadSchemas['messageHistory']>;
export interface ChangesInput {
  room_id: string;
  after_version: number;
  limit?: number | null;
}

export interface SentMessage {
  message: Message;
  /** False when the `client_id` was seen before and the stored message is returned. */
  created: boolean;
}

/**
 * Messages: send (with threads, idempotency and mentions), read one, read history, edit, delete.
 * A muted member may neither send nor edit.
 */
export class MessageService {
  constructor(
    private readonly deps: DomainDeps,
    private readonly typing: TypingService,
    private readonly mentions: MentionService,
  ) {}

  async send(actor: Actor, input: MessageSendInput): Promise<SentMessage> {
    const { store, notifier } = this.deps;
    await this.deps.rateLimiter.consume('message', actor.id);
    const roomId = input.room_id;
    const now = this.deps.now();
    assertNotMuted(await roomToWriteIn(store, actor, roomId), now);
    const parentId = input.parent_id ? await this.threadRoot(roomId, input.parent_id) : null;
    const mentions = await this.mentions.resolve(roomId, input.message_type, input.content);
    const { message, created, parent } = await store.insertMessage({
      id: this.deps.newId(),
      room_id: roomId,
      user_id: actor.id,
      username: actor.name,
      content: input.content,
      message_type: input.message_type,
      parent_id: parentId,
      client_id: input.client_id ?? null,
      timestamp: now.toISOString(),
      mentions,
    });
    if (created) {
      this.deps.metrics?.messageStored();
      notifier.toRoom(roomId, 'message:new', message);
      if (parent) notifier.toRoom(roomId, 'message:updated', parent);
      this.mentions.announce(message);
      // Best effort: the message is stored and announced, so its sender must get the ack even when
      // shared typing state (Redis) is briefly unreachable; the indicator then expires by itself.
      await this.typing.stop(actor, roomId).catch(() => undefined);
    }
    return { message, created };
  }

  async get(actor: Actor, messageId: string): Promise<Message> {
    await this.deps.rateLimiter.consume('read', actor.id);
    return (await visibleMessage(this.deps.store, actor, messageId)).message;
  }

  /** The author only (not while muted); a tombstone cannot be edited. Mentions are read again. */
  async edit(actor: Actor, messageId: string, content: string): Promise<Message> {
    const { store, notifier } = this.deps;
    // Edits and deletes are broadcast like sends, so they spend the same budget.
    await this.deps.rateLimiter.consume('message', actor.id);
    const { message, access } = await visibleMessage(store, actor, messageId);
    const now = this.deps.now();
    assertNotMuted(asMember(access), now);
    if (message.user_id !== actor.id) throw forbidden('only the author can edit a message');
    if (message.deleted) throw new ChatError('CONFLICT', 'the message is deleted');
    if (message.message_type !== 'text' && !isHttpUrl(content)) {
      throw new ChatError('VALIDATION_ERROR', `Invalid field "content": must be an http(s) URL`, [
        { field: 'content', reason: `must be an http(s) URL for a ${message.message_type} message` },
      ]);
    }
    const mentions = await this.mentions.resolve(message.room_id, message.message_type, content);
    const edited = await store.editMessage(message.id, content, now.toISOString(), mentions);
    // Messages are never removed, only turned into tombstones: no row means a delete won the race.
    if (!edited) throw new ChatError('CONFLICT', 'the message is deleted');
    notifier.toRoom(message.room_id, 'message:updated', edited);
    // Only those the edit adds hear of it: the others were told when they were first mentioned.
    this.mentions.announce(edited, message.mentions);
    return edited;
  }

  /**
   * The author, the room's owner or a moderator; leaves a tombstone (same id and seq; its pin and
   * mentions gone). Deleting twice is a no-op.
   */
  async delete(actor: Actor, messageId: string): Promise<void> {
    const { store, notifier } = this.deps;
    await this.deps.rateLimiter.consume('message', actor.id);
    const { message, access } = await visibleMessage(store, actor, messageId);
    const { role } = asMember(access);
    if (message.user_id !== actor.id && !isModerator(role)) {
      throw forbidden('only the author, the room owner or a moderator can delete a message');
    }
    if (message.deleted) return;
    const tombstone = await store.deleteMessage(message.id);
    if (!tombstone) throw notFound('message', 'message_id');
    notifier.toRoom(message.room_id, 'message:deleted', {
      room_id: message.room_id,
      message_id: tombstone.id,
      seq: tombstone.seq,
      version: tombstone.version,
    });
  }

  async history(actor: Actor, input: HistoryInput): Promise<HistoryPage> {
    const { store, limits } = this.deps;
    await this.deps.rateLimiter.consume('read', actor.id);
    await readableRoom(store, actor, input.room_id);
    if (input.parent_id) {
      const parent = await store.getMessage(input.parent_id);
      if (!parent || parent.room_id !== input.room_id) throw notFound('parent message', 'parent_id');
    }
    return store.listMessages({
      room_id: input.room_id,
      parent_id: input.parent_id ?? null,
      before_seq: input.before_seq ?? null,
      after_seq: input.after_seq ?? null,
      limit: input.limit ?? limits.historyDefault,
    });
  }

  /**
   * The change feed: the room's messages changed after `afterVersion`, each once in its current
   * state. Readable by whoever may read the room's history.
   */
  async changes(actor: Actor, input: ChangesInput): Promise<ChangesPage> {
    const { store, limits } = this.deps;
    await this.deps.rateLimiter.consume('read', actor.id);
    await readableRoom(store, actor, input.room_id);
    const page = await store.listChanges(
      input.room_id,
      input.after_version,
      input.limit ?? limits.historyDefault,
    );
    const last = page.changes.at(-1);
    return {
      room_id: input.room_id,
      messages: page.changes.map((c) => c.message),
      // Past the last page, the room's version, read with the page: nothing else changed up to it.
      // (Lower than after_version only for a database restored from an older backup.)
      version: page.has_more && last ? last.version : page.room_version,
      has_more: page.has_more,
    };
  }

  /** Threads are one level deep, as in Slack: a reply to a reply joins the root's thread. */
  private async threadRoot(roomId: string, parentId: string): Promise<string> {
    const parent = await this.deps.store.getMessage(parentId);
    if (!parent || parent.room_id !== roomId) throw notFound('parent message', 'parent_id');
    return parent.parent_id ?? parent.id;
  }
}
