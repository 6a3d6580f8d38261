import type { Actor } from '../../../server/domain/actor';
import { displayName } from '../../helpers/fixtures';
import type { UserId } from './actors';
import type { Harness } from './harness';

/**
 * The rooms and messages the matrix acts on. Rooms, joins and messages are made through the
 * service layer (what is under test is each row's request, not the set-up), so the users' live
 * sockets are moved into the rooms' channels exactly as by any join; roles, mutes, bans, pins and
 * the direct message through the HTTP API, as a client makes them.
 *
 * - `publicRoom`: owner olga; moderator mona; members mia, quinn; bob banned (he had joined).
 *   pat is in no room at all.
 * - `privateRoom`: owner olga; moderators moe, mona; members mia, max, mel (muted); ivy invited
 *   (pending); fred joined, wrote, left; bob joined, wrote, was banned.
 * - In each room a thread root by olga, pinned, with one reply; in the private room a message by
 *   mia, by mel, by fred and by bob (written before they left or were banned), and one by olga
 *   mentioning mia, moe, fred and bob.
 * - `dm`: olga's direct message with mia (one per pair: every world shares it), with a message by
 *   olga.
 */
export interface World {
  publicRoom: string;
  privateRoom: string;
  /** olga's thread roots (each with one reply), both pinned. */
  rootP: string;
  rootQ: string;
  /** mia's reply to `rootP`: a message of the public room that is not pinned. */
  replyP: string;
  /** A message mia wrote in the private room. */
  miaQ: string;
  /** A message fred wrote in the private room before leaving it. */
  fredQ: string;
  /** A message mel wrote in the private room before being muted. */
  melQ: string;
  /** A message bob wrote in the private room before being banned. */
  bobQ: string;
  /** olga's message in the private room mentioning mia, moe, fred and bob. */
  mentionQ: string;
  dm: string;
  dmMessage: string;
  /** A user id no room has seen, one per world. */
  stranger: string;
}

const actor = (id: UserId): Actor => ({ id, name: displayName(id) });

/** An hour: the mute outlasts any run. */
const MUTE_MS = 60 * 60 * 1000;

let built = 0;

export async function buildWorld(h: Harness): Promise<World> {
  const { rooms, messages } = h.server.app.services;
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
  const api = async <T>(by: UserId, method: string, path: string, body?: unknown): Promise<T> => {
    const res = await h.server.http<T>(method, path, { token: h.tokens[by], body });
    if (res.status >= 300)
      throw new Error(`world: ${method} ${path} answered ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  const publicRoom = (
    await rooms.create(actor('olga'), { name: `public ${n}`, is_private: false, invited_users: [] })
  ).id;
  const privateRoom = (
    await rooms.create(actor('olga'), {
      name: `private ${n}`,
      is_private: true,
      invited_users: ['mia', 'max', 'fred', 'ivy', 'moe', 'mona', 'mel', 'bob'],
    })
  ).id;
  for (const user of ['mia', 'quinn', 'mona', 'bob'] as const) await rooms.join(actor(user), publicRoom);
  for (const user of ['mia', 'max', 'fred', 'moe', 'mona', 'mel', 'bob'] as const)
    await rooms.join(actor(user), privateRoom);

  const rootP = await send('olga', publicRoom, 'root of the public room');
  const replyP = await send('mia', publicRoom, 'a reply in the public room', rootP);
  const rootQ = await send('olga', privateRoom, 'root of the private room');
  await send('max', privateRoom, 'a reply in the private room', rootQ);
  const miaQ = await send('mia', privateRoom, 'written by mia');
  const fredQ = await send('fred', privateRoom, 'written by fred before he left');
  const melQ = await send('mel', privateRoom, 'written by mel before she was muted');
  const bobQ = await send('bob', privateRoom, 'written by bob before he was banned');
  const mentionQ = await send('olga', privateRoom, 'a word for @mia @moe @fred and @bob');
  await rooms.leave(actor('fred'), privateRoom);

  // Independent of one another: made at once, as a busy owner's clients would.
  const member = (roomId: string, user: UserId) => `/api/rooms/${roomId}/members/${user}`;
  const [dm] = await Promise.all([
    api<{ id: string }>('olga', 'POST', '/api/dms', { user_id: 'mia' }).then((room) => room.id),
    api('olga', 'PUT', `${member(privateRoom, 'moe')}/role`, { role: 'moderator' }),
    api('olga', 'PUT', `${member(privateRoom, 'mona')}/role`, { role: 'moderator' }),
    api('olga', 'PUT', `${member(publicRoom, 'mona')}/role`, { role: 'moderator' }),
    api('olga', 'PUT', `/api/rooms/${privateRoom}/mutes/mel`, { duration_ms: MUTE_MS }),
    api('olga', 'PUT', `/api/rooms/${privateRoom}/bans/bob`),
    api('olga', 'PUT', `/api/rooms/${publicRoom}/bans/bob`),
    api('olga', 'PUT', `/api/messages/${rootQ}/pin`),
    api('olga', 'PUT', `/api/messages/${rootP}/pin`),
  ]);
  const dmMessage = await send('olga', dm, `in the direct message ${n}`);
  const stranger = `stranger-${n}`;
  return {
    publicRoom,
    privateRoom,
    rootP,
    rootQ,
    replyP,
    miaQ,
    fredQ,
    melQ,
    bobQ,
    mentionQ,
    dm,
    dmMessage,
    stranger,
  };
}
