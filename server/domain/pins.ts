import { PINS_PER_ROOM_MAX } from '../../shared/limits';
import type { Message, PinList } from '../../shared/schemas/objects';
import type { RoomAccess } from '../store/types';
import { isModerator, readableRoom, visibleMessage } from './access';
import type { Actor } from './actor';
import type { DomainDeps } from './deps';
import { conflict, forbidden } from './errors';

/**
 * Pinned messages: the owner and moderators pin (in a direct message, either member), at most
 * PINS_PER_ROOM_MAX per room. A pin or unpin changes the message (it takes the room's next
 * version), so it is announced as `message:updated` and flows through `room:sync`. Pinning what is
 * pinned, or unpinning what is not, answers the message and announces nothing.
 */
export class PinService {
  constructor(private readonly deps: DomainDeps) {}

  async pin(actor: Actor, messageId: string): Promise<Message> {
    const message = await this.target(actor, messageId);
    const outcome = await this.deps.store.pinMessage(
      message.id,
      actor.id,
      this.deps.now().toISOString(),
      PINS_PER_ROOM_MAX,
    );
    if (outcome === 'full') {
      throw conflict(`the room has ${PINS_PER_ROOM_MAX} pinned messages: unpin one first`);
    }
    // 'missing': deleted since it was read (messages are only ever tombstoned).
    if (outcome === 'missing') throw deletedConflict();
    return this.answer(message, outcome === 'pinned');
  }

  async unpin(actor: Actor, messageId: string): Promise<Message> {
    const message = await this.target(actor, messageId);
    return this.answer(message, await this.deps.store.unpinMessage(message.id));
  }

  /** The room's pins, the most recently pinned first: for whoever may read the room. */
  async list(actor: Actor, roomId: string): Promise<PinList> {
    await this.deps.rateLimiter.consume('read', actor.id);
    await readableRoom(this.deps.store, actor, roomId);
    return { room_id: roomId, messages: await this.deps.store.listPins(roomId) };
  }

  /** The message to pin or unpin, once the actor may and it is not deleted. */
  private async target(actor: Actor, messageId: string): Promise<Message> {
    // Announced to the room like an edit, so it spends the same budget.
    await this.deps.rateLimiter.consume('message', actor.id);
    const { message, access } = await visibleMessage(this.deps.store, actor, messageId);
    if (!mayPin(access)) throw forbidden('only the owner or a moderator can pin');
    if (message.deleted) throw deletedConflict();
    return message;
  }

  /** The message as it is now; announced to its room when this call changed it. */
  private async answer(message: Message, changed: boolean): Promise<Message> {
    const now = (await this.deps.store.getMessage(message.id)) ?? message;
    if (changed) this.deps.notifier.toRoom(message.room_id, 'message:updated', now);
    return now;
  }
}

/** The owner and moderators; in a direct message (which has neither), either member. */
function mayPin(access: RoomAccess): boolean {
  return access.is_dm ? access.role !== null : isModerator(access.role);
}

function deletedConflict() {
  return conflict('the message is deleted');
}
