import { okData } from './events';
import type { ClientSocket, TestServer } from './server';

/** The display name the fixtures give a user: the id capitalized (`alice` → `Alice`). */
export const displayName = (userId: string): string => userId.charAt(0).toUpperCase() + userId.slice(1);

/** A token for each user (named by `displayName`), minted for `server`. */
export async function mintTokens<Id extends string>(
  server: TestServer,
  userIds: readonly Id[],
): Promise<Record<Id, string>> {
  const tokens = {} as Record<Id, string>;
  for (const id of userIds) tokens[id] = await server.token(id, displayName(id));
  return tokens;
}

export interface ConnectedUsers<Id extends string> {
  tokens: Record<Id, string>;
  sockets: Record<Id, ClientSocket>;
}

/**
 * For each user in order: mints a token for `server` with the user's `displayName` and connects one
 * socket on /chat with it.
 */
export async function connectUsers<Id extends string>(
  server: TestServer,
  userIds: readonly Id[],
): Promise<ConnectedUsers<Id>> {
  const tokens = await mintTokens(server, userIds);
  const sockets = {} as Record<Id, ClientSocket>;
  for (const id of userIds) sockets[id] = await server.connect(tokens[id]);
  return { tokens, sockets };
}

/**
 * Creates a public room named `name` with `owner`'s socket, then has each socket of `joinedBy`
 * join it with `room:join`, in order; answers the room's id. Every ack must be ok.
 */
export async function createRoom(
  owner: ClientSocket,
  name: string,
  { joinedBy = [] }: { joinedBy?: readonly ClientSocket[] } = {},
): Promise<string> {
  const roomId = okData(await owner.emitWithAck('room:create', { name })).id;
  for (const socket of joinedBy) okData(await socket.emitWithAck('room:join', { room_id: roomId }));
  return roomId;
}
