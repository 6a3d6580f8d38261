import { ChatError } from '../../shared/errors';
import type { Message, ReactionsState } from '../../shared/schemas/objects';
import type { AddReactionOutcome } from '../store/types';
import { asMember, assertNotMuted, visibleMessage } from './access';
import type { Actor } from './actor';
import type { DomainDeps } from './deps';

/**
 * Emoji reactions: one per (user, message, emoji); each change is one `reaction:updated`. Bounded
 * per user three ways: a rate (the `reaction` budget, adds and removes alike), distinct emoji per
 * user on one message, and distinct emoji on one message; the store lists at most
 * `reactionUsersShown` users per emoji, so every summary sent stays small.
 */
export class ReactionService {
  constructor(private readonly deps: DomainDeps) {}

  async add(actor: Actor, messageId: string, emoji: string): Promise<ReactionsState> {
    await this.deps.rateLimiter.consume('reaction', actor.id);
    const message = await this.target(actor, messageId);
    if (message.deleted) throw new ChatError('CONFLICT', 'cannot react to a deleted message');
    const { limits } = this.deps;
    const outcome = await this.deps.store.addReaction(
      message.id,
      actor.id,
      emoji,
      this.deps.now().toISOString(),
      { perMessage: limits.reactionsPerMessageMax, perUser: limits.reactionsPerUserMax },
    );
    refuseIfFull(outcome, limits.reactionsPerMessageMax, limits.reactionsPerUserMax);
    return this.state(message, outcome === 'added');
  }

  async remove(actor: Actor, messageId: string, emoji: string): Promise<ReactionsState> {
    await this.deps.rateLimiter.consume('reaction', actor.id);
    const message = await this.target(actor, messageId);
    const removed = await this.deps.store.removeReaction(message.id, actor.id, emoji);
    return this.state(message, removed);
  }

  /** The message reacted to; members only, and not while muted (adding or removing alike). */
  private async target(actor: Actor, messageId: string): Promise<Message> {
    const { message, access } = await visibleMessage(this.deps.store, actor, messageId);
    assertNotMuted(asMember(access), this.deps.now());
    return message;
  }

  private async state(message: Message, changed: boolean): Promise<ReactionsState> {
    // Read back whole: the reactions and the version the change took, of one moment.
    const now = (await this.deps.store.getMessage(message.id)) ?? message;
    const state: ReactionsState = {
      room_id: message.room_id,
      message_id: message.id,
      reactions: now.reactions,
      version: now.version,
    };
    if (changed) this.deps.notifier.toRoom(message.room_id, 'reaction:updated', state);
    return state;
  }
}

/**
 * A cap is a per-user bound, so past it the answer is RATE_LIMITED (the contract's word for every
 * such bound), without `retry_after_ms`: waiting does not lift it, removing a reaction does.
 */
function refuseIfFull(outcome: AddReactionOutcome, perMessage: number, perUser: number): void {
  if (outcome === 'message_full') {
    throw new ChatError(
      'RATE_LIMITED',
      `This message already has ${perMessage} different reactions, the most allowed; add one of those instead`,
      [{ field: 'emoji', reason: `at most ${perMessage} distinct emoji per message` }],
    );
  }
  if (outcome === 'user_full') {
    throw new ChatError(
      'RATE_LIMITED',
      `You already have ${perUser} different reactions on this message, the most allowed; remove one first`,
      [{ field: 'emoji', reason: `at most ${perUser} distinct emoji per user on one message` }],
    );
  }
}
