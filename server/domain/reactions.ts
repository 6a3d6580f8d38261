import { ChatError } from '../../shared/errors';
import type { Message, ReactionsState } from '../../shared/schemas/objects';
import { requireMembership, visibleMessage } from './access';
import type { Actor } from './actor';
import type { DomainDeps } from './deps';

/** Emoji reactions: one per (user, message, emoji); each change is one `reaction:updated`. */
export class ReactionService {
  constructor(private readonly deps: DomainDeps) {}

  async add(actor: Actor, messageId: string, emoji: string): Promise<ReactionsState> {
    const message = await this.target(actor, messageId);
    if (message.deleted) throw new ChatError('CONFLICT', 'cannot react to a deleted message');
    const added = await this.deps.store.addReaction(
      message.id,
      actor.id,
      emoji,
      this.deps.now().toISOString(),
    );
    return this.state(message, added);
  }

  async remove(actor: Actor, messageId: string, emoji: string): Promise<ReactionsState> {
    const message = await this.target(actor, messageId);
    const removed = await this.deps.store.removeReaction(message.id, actor.id, emoji);
    return this.state(message, removed);
  }

  private async target(actor: Actor, messageId: string): Promise<Message> {
    const { message, room } = await visibleMessage(this.deps.store, actor, messageId);
    requireMembership(room);
    return message;
  }

  private async state(message: Message, changed: boolean): Promise<ReactionsState> {
    const state: ReactionsState = {
      room_id: message.room_id,
      message_id: message.id,
      reactions: await this.deps.store.reactionsOf(message.id),
    };
    if (changed) this.deps.notifier.toRoom(message.room_id, 'reaction:updated', state);
    return state;
  }
}
