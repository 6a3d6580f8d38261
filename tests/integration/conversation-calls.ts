import { ERROR_HTTP_STATUS, type ErrorBody } from '../../shared/errors';
import type { AckData, ClientEventName, ClientPayload } from '../../shared/events';
import type { Message } from '../../shared/schemas/objects';
import { emitRaw } from '../helpers/events';
import { displayName } from '../helpers/fixtures';
import type { ClientSocket, TestServer } from '../helpers/server';

/**
 * The calls of issue 14 (DMs, mentions, search, moderation, pins) over either transport: each
 * names its Socket.IO event and payload and the HTTP route that does the same, so one test body
 * runs over both (`describe.each(TRANSPORTS)`) and the two answers are compared the same way.
 */

export const TRANSPORTS = ['socket', 'http'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** What a call answered: an ack's envelope, plus the HTTP status when it went over HTTP. */
export type Outcome<T> =
  { ok: true; data: T; status: number | null } | { ok: false; error: ErrorBody; status: number | null };

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
}

export interface Call<E extends ClientEventName> {
  event: E;
  payload: ClientPayload<E>;
  http: HttpRequest;
}

/** A signed-in user: their token and one connected socket. */
export interface User {
  id: string;
  token: string;
  socket: ClientSocket;
}

const seg = encodeURIComponent;

/** `?a=1&b=x` of the values that are set. */
function query(params: Record<string, string | number | null | undefined>): string {
  const entries = Object.entries(params).filter(
    (e): e is [string, string | number] => e[1] !== null && e[1] !== undefined,
  );
  if (entries.length === 0) return '';
  return `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}`;
}

const member = (roomId: string, userId: string, what: 'members' | 'bans' | 'mutes'): string =>
  `/api/rooms/${seg(roomId)}/${what}/${seg(userId)}`;

export const calls = {
  dmOpen: (user_id: string): Call<'dm:open'> => ({
    event: 'dm:open',
    payload: { user_id },
    http: { method: 'POST', path: '/api/dms', body: { user_id } },
  }),
  mentions: (page: { limit?: number; cursor?: string } = {}): Call<'mention:list'> => ({
    event: 'mention:list',
    payload: page,
    http: { method: 'GET', path: `/api/mentions${query(page)}` },
  }),
  search: (q: { q: string; room_id?: string; limit?: number; cursor?: string }): Call<'message:search'> => ({
    event: 'message:search',
    payload: q,
    http: { method: 'GET', path: `/api/search${query(q)}` },
  }),
  pin: (messageId: string): Call<'message:pin'> => ({
    event: 'message:pin',
    payload: { message_id: messageId },
    http: { method: 'PUT', path: `/api/messages/${seg(messageId)}/pin` },
  }),
  unpin: (messageId: string): Call<'message:unpin'> => ({
    event: 'message:unpin',
    payload: { message_id: messageId },
    http: { method: 'DELETE', path: `/api/messages/${seg(messageId)}/pin` },
  }),
  pins: (roomId: string): Call<'room:pins'> => ({
    event: 'room:pins',
    payload: { room_id: roomId },
    http: { method: 'GET', path: `/api/rooms/${seg(roomId)}/pins` },
  }),
  role: (roomId: string, userId: string, role: 'moderator' | 'member'): Call<'member:role'> => ({
    event: 'member:role',
    payload: { room_id: roomId, user_id: userId, role },
    http: { method: 'PUT', path: `${member(roomId, userId, 'members')}/role`, body: { role } },
  }),
  remove: (roomId: string, userId: string): Call<'member:remove'> => ({
    event: 'member:remove',
    payload: { room_id: roomId, user_id: userId },
    http: { method: 'DELETE', path: member(roomId, userId, 'members') },
  }),
  ban: (roomId: string, userId: string): Call<'member:ban'> => ({
    event: 'member:ban',
    payload: { room_id: roomId, user_id: userId },
    http: { method: 'PUT', path: member(roomId, userId, 'bans') },
  }),
  unban: (roomId: string, userId: string): Call<'member:unban'> => ({
    event: 'member:unban',
    payload: { room_id: roomId, user_id: userId },
    http: { method: 'DELETE', path: member(roomId, userId, 'bans') },
  }),
  mute: (roomId: string, userId: string, durationMs: number): Call<'member:mute'> => ({
    event: 'member:mute',
    payload: { room_id: roomId, user_id: userId, duration_ms: durationMs },
    http: { method: 'PUT', path: member(roomId, userId, 'mutes'), body: { duration_ms: durationMs } },
  }),
  unmute: (roomId: string, userId: string): Call<'member:unmute'> => ({
    event: 'member:unmute',
    payload: { room_id: roomId, user_id: userId },
    http: { method: 'DELETE', path: member(roomId, userId, 'mutes') },
  }),

  // Calls that existed before issue 14, used here to check what moderation and mutes do.
  send: (roomId: string, content: string): Call<'message:send'> => ({
    event: 'message:send',
    payload: { room_id: roomId, content },
    http: { method: 'POST', path: '/api/messages', body: { room_id: roomId, content } },
  }),
  edit: (messageId: string, content: string): Call<'message:edit'> => ({
    event: 'message:edit',
    payload: { message_id: messageId, content },
    http: { method: 'PATCH', path: `/api/messages/${seg(messageId)}`, body: { content } },
  }),
  remove_message: (messageId: string): Call<'message:delete'> => ({
    event: 'message:delete',
    payload: { message_id: messageId },
    http: { method: 'DELETE', path: `/api/messages/${seg(messageId)}` },
  }),
  react: (messageId: string, emoji: string): Call<'reaction:add'> => ({
    event: 'reaction:add',
    payload: { message_id: messageId, emoji },
    http: { method: 'POST', path: '/api/reactions', body: { message_id: messageId, emoji } },
  }),
  unreact: (messageId: string, emoji: string): Call<'reaction:remove'> => ({
    event: 'reaction:remove',
    payload: { message_id: messageId, emoji },
    http: { method: 'DELETE', path: `/api/messages/${seg(messageId)}/reactions/${seg(emoji)}` },
  }),
  typing: (roomId: string, isTyping: boolean): Call<'typing:update'> => ({
    event: 'typing:update',
    payload: { room_id: roomId, is_typing: isTyping },
    http: { method: 'POST', path: '/api/typing', body: { room_id: roomId, is_typing: isTyping } },
  }),
  join: (roomId: string): Call<'room:join'> => ({
    event: 'room:join',
    payload: { room_id: roomId },
    http: { method: 'POST', path: `/api/rooms/${seg(roomId)}/join` },
  }),
  leave: (roomId: string): Call<'room:leave'> => ({
    event: 'room:leave',
    payload: { room_id: roomId },
    http: { method: 'POST', path: `/api/rooms/${seg(roomId)}/leave` },
  }),
  invite: (roomId: string, userIds: string[]): Call<'room:invite'> => ({
    event: 'room:invite',
    payload: { room_id: roomId, user_ids: userIds },
    http: { method: 'POST', path: `/api/rooms/${seg(roomId)}/invite`, body: { user_ids: userIds } },
  }),
  get: (roomId: string): Call<'room:get'> => ({
    event: 'room:get',
    payload: { room_id: roomId },
    http: { method: 'GET', path: `/api/rooms/${seg(roomId)}` },
  }),
  read: (roomId: string, seq: number): Call<'room:read'> => ({
    event: 'room:read',
    payload: { room_id: roomId, seq },
    http: { method: 'POST', path: `/api/rooms/${seg(roomId)}/read`, body: { seq } },
  }),
  list: (): Call<'room:list'> => ({
    event: 'room:list',
    payload: { limit: 100 },
    http: { method: 'GET', path: '/api/rooms?limit=100' },
  }),
};

/** Something that answers HTTP requests: a test server or a node of a cluster. */
export interface HttpTarget {
  http<T = unknown>(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown },
  ): Promise<{ status: number; body: T }>;
}

/**
 * Makes `call` as `user` over `transport`. Over HTTP a refusal's status must be its code's
 * (403 for FORBIDDEN, ...): a mismatch throws, so every refusal tested also tests its status.
 */
export async function perform<E extends ClientEventName>(
  target: HttpTarget,
  user: User,
  transport: Transport,
  call: Call<E>,
): Promise<Outcome<AckData<E>>> {
  if (transport === 'socket') {
    const ack = (await emitRaw(user.socket, call.event, call.payload)) as
      { ok: true; data: AckData<E> } | { ok: false; error: ErrorBody };
    return { ...ack, status: null };
  }
  const res = await target.http<unknown>(call.http.method, call.http.path, {
    token: user.token,
    body: call.http.body,
  });
  if (res.status >= 200 && res.status < 300) {
    return { ok: true, data: (res.body ?? {}) as AckData<E>, status: res.status };
  }
  const error = (res.body as { error?: ErrorBody } | undefined)?.error;
  if (!error) throw new Error(`${call.http.method} ${call.http.path}: ${res.status} without an error body`);
  if (ERROR_HTTP_STATUS[error.code] !== res.status) {
    throw new Error(
      `${call.http.method} ${call.http.path}: ${error.code} answered with ${res.status}, not ${ERROR_HTTP_STATUS[error.code]}`,
    );
  }
  return { ok: false, error, status: res.status };
}

/** The data of a successful outcome; fails the test with the error otherwise. */
export function ok<T>(outcome: Outcome<T>): T {
  if (!outcome.ok) throw new Error(`expected success, got ${JSON.stringify(outcome.error)}`);
  return outcome.data;
}

/** The error of a refused outcome; fails the test with the data otherwise. */
export function refusal<T>(outcome: Outcome<T>): ErrorBody {
  if (outcome.ok) throw new Error(`expected a refusal, got ${JSON.stringify(outcome.data)}`);
  return outcome.error;
}

/** A refusal with `code` whose message matches `message` (a substring or a pattern). */
export function refused(code: ErrorBody['code'], message?: string | RegExp): unknown {
  if (message === undefined) return expect.objectContaining({ code });
  return expect.objectContaining({
    code,
    message: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message),
  });
}

/** Sends a text message over `user`'s socket and answers it (the ack must be ok). */
export async function say(user: User, roomId: string, content: string, parentId?: string): Promise<Message> {
  const ack = await user.socket.emitWithAck('message:send', {
    room_id: roomId,
    content,
    ...(parentId ? { parent_id: parentId } : {}),
  });
  if (!ack.ok) throw new Error(`send refused: ${JSON.stringify(ack.error)}`);
  return ack.data;
}

/**
 * Polls `probe` until it answers true, for what only time brings about (a mute running out);
 * rejects naming `what` after `timeoutMs`.
 */
export async function eventually(
  probe: () => Promise<boolean>,
  what: string,
  { timeoutMs = 5000, everyMs = 100 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * A round trip on `socket`: whatever the server sent it before answering this has arrived when
 * it resolves (Socket.IO keeps one socket's packets in order).
 */
export async function roundTrip(socket: ClientSocket): Promise<void> {
  await emitRaw(socket, 'room:list', { limit: 1 });
}

/**
 * Signs each user in on `server` with one socket; the display name is `names[id]` or the id
 * capitalized (as the fixtures name users: `alice` is Alice).
 */
export async function signIn<Id extends string>(
  server: TestServer,
  ids: readonly Id[],
  names: Partial<Record<Id, string>> = {},
): Promise<Record<Id, User>> {
  const users = {} as Record<Id, User>;
  for (const id of ids) {
    const token = await server.token(id, names[id] ?? displayName(id));
    users[id] = { id, token, socket: await server.connect(token) };
  }
  return users;
}

/** Another socket of `user` on `server`. */
export async function secondSocket(server: TestServer, user: User): Promise<ClientSocket> {
  return server.connect(user.token);
}
