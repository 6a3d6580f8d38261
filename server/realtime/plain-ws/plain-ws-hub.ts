import { z } from 'zod';
import { PlainWsCloseCode } from '../../../shared/schemas/plain-ws';
import type { PlainWsConnection } from './connection';

/**
 * What the hub does to the plain WebSockets of one node. The same value is applied locally and
 * relayed to the other nodes, each applying it to its own connections; it is validated on arrival.
 */
export const hubOpSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('deliver'),
    room_ids: z.array(z.string()),
    except_user_ids: z.array(z.string()),
    /** The frame, encoded once. */
    frame: z.string(),
  }),
  z.object({ kind: z.literal('left'), user_ids: z.array(z.string()), room_id: z.string() }),
]);
export type HubOp = z.infer<typeof hubOpSchema>;

/** The live plain WebSockets of this node, by room. */
export class PlainWsHub {
  private readonly byRoom = new Map<string, Set<PlainWsConnection>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(connection: PlainWsConnection): void {
    const set = this.byRoom.get(connection.roomId) ?? new Set();
    if (set.has(connection)) return;
    set.add(connection);
    this.byRoom.set(connection.roomId, set);
    this.count += 1;
  }

  remove(connection: PlainWsConnection): void {
    const set = this.byRoom.get(connection.roomId);
    if (!set?.delete(connection)) return;
    if (set.size === 0) this.byRoom.delete(connection.roomId);
    this.count -= 1;
  }

  *connections(): Iterable<PlainWsConnection> {
    for (const set of this.byRoom.values()) yield* set;
  }

  apply(op: HubOp): void {
    if (op.kind === 'deliver') {
      const except = new Set(op.except_user_ids);
      // Measured once for all the connections it goes to (each checks it against its buffer bound).
      let bytes: number | undefined;
      for (const roomId of op.room_ids) {
        for (const connection of this.byRoom.get(roomId) ?? []) {
          if (except.has(connection.actor.id)) continue;
          bytes ??= Buffer.byteLength(op.frame);
          connection.sendText(op.frame, bytes);
        }
      }
      return;
    }
    // A connection is bound to one room through its user's membership: leaving ends it.
    const leavers = new Set(op.user_ids);
    for (const connection of this.byRoom.get(op.room_id) ?? []) {
      if (leavers.has(connection.actor.id)) connection.close(PlainWsCloseCode.LEFT_ROOM, 'left the room');
    }
  }
}
