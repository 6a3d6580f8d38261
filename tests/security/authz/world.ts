import type { Actor } from '../../../server/domain/actor';
import type { Services } from '../../../server/domain/services';
import { displayName } from '../../helpers/fixtures';
import type { UserId } from './actors';

/**
 * The rooms and messages the matrix acts on. Built through the service layer (what is under test
 * is each row's request, not the set-up), so the users' live sockets are moved into the rooms'
 * channels exactly as by any join.
 *
 * - `publicRoom`: owner olga; members mia, quinn. pat is in no room at all.
 * - `privateRoom`: owner olga; members mia, max; ivy invited (pending); fred joined, wrote, left.
 * - In each room a thread root by olga with one reply; in the private room a message by mia and
 *   one by fred (written before he left).
 */
export interface World {
  publicRoom: string;
  privateRoom: string;
  /** olga's thread roots (each with one reply). */
  rootP: string;
  rootQ: string;
  /** A message mia wrote in the private room. */
  miaQ: string;
  /** A message fred wrote in the private room before leaving it. */
  fredQ: string;
}

const actor = (id: UserId): Actor => ({ id, name: displayName(id) });

let built = 0;

export async function buildWorld(services: Services): Promise<World> {
  const { rooms, messages } = services;
  const n = ++built;
  const send = async (by: UserId, roomId: string, content: string, parentId: string | null = null) =>
    (
      await messages.send(actor(by), {
        room_id: roomId,
        content,
        message_type: 'text',
        parent_id: parentId,
        client_id: null,
      })
    ).message.id;

  const publicRoom = (
    await rooms.create(actor('olga'), { name: `public ${n}`, is_private: false, invited_users: [] })
  ).id;
  const privateRoom = (
    await rooms.create(actor('olga'), {
      name: `private ${n}`,
      is_private: true,
      invited_users: ['mia', 'max', 'fred', 'ivy'],
    })
  ).id;
  for (const user of ['mia', 'quinn'] as const) await rooms.join(actor(user), publicRoom);
  for (const user of ['mia', 'max', 'fred'] as const) await rooms.join(actor(user), privateRoom);

  const rootP = await send('olga', publicRoom, 'root of the public room');
  await send('mia', publicRoom, 'a reply in the public room', rootP);
  const rootQ = await send('olga', privateRoom, 'root of the private room');
  await send('max', privateRoom, 'a reply in the private room', rootQ);
  const miaQ = await send('mia', privateRoom, 'written by mia');
  const fredQ = await send('fred', privateRoom, 'written by fred before he left');
  await rooms.leave(actor('fred'), privateRoom);
  return { publicRoom, privateRoom, rootP, rootQ, miaQ, fredQ };
}
