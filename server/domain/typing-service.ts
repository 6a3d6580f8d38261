import type { z } from 'zod';
import type { TypingState, TypingUser } from '../../shared/schemas/objects';
import type { PayloadSchemas } from '../../shared/schemas/payloads';
import { TypingNotes } from '../ephemeral/typing-notes';
import { mutedUntil, roomToWriteIn } from './access';
import type { Actor } from './actor';
import type { DomainDeps } from './deps';

export type TypingInput = z.output<PayloadSchemas['typingUpdate']>;

/** Typing indicators: every change of a room's list is one `typing:update` with the full list. */
export class TypingService {
  /** Who started typing through this node: a send by anyone else ends nothing, and asks nobody. */
  private readonly notes: TypingNotes;

  constructor(private readonly deps: DomainDeps) {
    this.notes = new TypingNotes(deps.typing.lifetimeMs, () => deps.now().getTime());
    // An expiry does not touch the notes: its sweep may predate a start noted since, which must
    // still be ended by the next send. A note outliving its indicator costs one needless stop.
    deps.typing.onExpired((roomId, users) => this.announce(roomId, users));
  }

  async update(actor: Actor, input: TypingInput): Promise<TypingState> {
    const { store, typing, rateLimiter } = this.deps;
    await rateLimiter.consume('typing', actor.id);
    const access = await roomToWriteIn(store, actor, input.room_id);
    // A muted member's typing is acknowledged but not shown: they cannot send what they type, and
    // an error on every keystroke would only be noise (sends and edits say why they are refused).
    if (mutedUntil(access, this.deps.now()) !== null) {
      return { room_id: input.room_id, typing_users: await typing.list(input.room_id) };
    }
    // Noted before the tracker is asked, so that a send racing this update still ends it (its
    // stop reaches the tracker after this start).
    if (input.is_typing) this.notes.started(input.room_id, actor.id);
    else this.notes.ended(input.room_id, actor.id);
    const changed = await typing.set(input.room_id, asTypingUser(actor), input.is_typing);
    if (changed) this.announce(input.room_id, changed);
    return { room_id: input.room_id, typing_users: changed ?? (await typing.list(input.room_id)) };
  }

  /**
   * A sent message (or a leave) ends its sender's typing in that room. Skipped when they were not
   * typing through this node (see TypingNotes).
   */
  async stop(actor: Actor, roomId: string): Promise<void> {
    if (!this.notes.mayBeTyping(roomId, actor.id)) return;
    this.notes.ended(roomId, actor.id);
    const changed = await this.deps.typing.set(roomId, asTypingUser(actor), false);
    if (changed) this.announce(roomId, changed);
  }

  /**
   * Someone else ended the user's membership (removed, banned): their indicator goes now, whichever
   * node they typed through, so the shared state is asked whatever this node noted.
   */
  async stopFor(user: TypingUser, roomId: string): Promise<void> {
    this.notes.ended(roomId, user.user_id);
    const changed = await this.deps.typing.set(roomId, user, false);
    if (changed) this.announce(roomId, changed);
  }

  /** The user's last socket closed: they stop typing everywhere. */
  async stopEverywhere(userId: string): Promise<void> {
    this.notes.endedEverywhere(userId);
    for (const [roomId, users] of await this.deps.typing.clearUser(userId)) this.announce(roomId, users);
  }

  private announce(roomId: string, users: TypingUser[]): void {
    this.deps.notifier.toRoom(roomId, 'typing:update', {
      room_id: roomId,
      typing_users: users,
      timestamp: this.deps.now().toISOString(),
    });
  }
}

function asTypingUser(actor: Actor): TypingUser {
  return { user_id: actor.id, username: actor.name };
}
