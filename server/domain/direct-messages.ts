import type { RoomDetail } from '../../shared/schemas/objects';
import type { Actor } from './actor';
import type { DomainDeps } from './deps';
import { invalidField } from './errors';
import type { RoomService } from './rooms';

export interface OpenedDirectRoom {
  room: RoomDetail;
  /** True for the call that created the room (HTTP answers 201), false when it existed (200). */
  created: boolean;
}

/**
 * Direct messages: the one private room of two users, opened by either of them with the other's id
 * (any valid id, known or not, as invites take). Both are members from the start, neither may
 * leave, nobody else may join or be invited, and nobody moderates it.
 */
export class DirectMessageService {
  constructor(
    private readonly deps: DomainDeps,
    private readonly rooms: RoomService,
  ) {}

  async open(actor: Actor, userId: string): Promise<OpenedDirectRoom> {
    const { store, notifier } = this.deps;
    if (userId === actor.id) throw invalidField('user_id', 'cannot open a direct message with yourself');
    // Every call spends a room: finding an existing DM costs about what creating one does.
    await this.deps.rateLimiter.consume('room', actor.id);
    await this.deps.users.remember(actor);
    const pair = sortedPair(actor.id, userId);
    const { room_id, created } = await store.openDirectRoom({
      id: this.deps.newId(),
      name: await this.nameOf(pair),
      user_ids: pair,
      created_by: actor.id,
      created_at: this.deps.now().toISOString(),
    });
    // Every open puts both users' live sockets in the channel: one that connected before the room
    // existed, or missed the first open, catches up here.
    notifier.joinRoom(pair, room_id);
    const room = await this.rooms.detail(room_id, actor.id);
    if (created) {
      // Both users' clients list the new room (the actor's other sockets too), each as they see it.
      const other = pair[0] === actor.id ? pair[1] : pair[0];
      notifier.toUsers([actor.id], 'room:updated', room);
      notifier.toUsers([other], 'room:updated', await this.rooms.detail(room_id, other));
    }
    return { room, created };
  }

  /**
   * The two display names, ordered by user id, joined with ", " (an id stands for a user never
   * seen). Fixed when the room is created, like any room's name.
   */
  private async nameOf(pair: readonly [string, string]): Promise<string> {
    const users = await this.deps.store.getUsers(pair);
    const names = new Map(users.map((u) => [u.user_id, u.username]));
    return pair.map((id) => names.get(id) ?? id).join(', ');
  }
}

/** The pair in ascending order: the store's key for it, whoever opens it. */
function sortedPair(a: string, b: string): readonly [string, string] {
  return a < b ? [a, b] : [b, a];
}
