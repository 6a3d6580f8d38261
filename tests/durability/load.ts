import { io } from 'socket.io-client';
import { historyPageSchema, roomDetailSchema, type Message } from '../../shared/schemas/objects';
import type { ClientSocket, HttpResult } from '../helpers/server';

/**
 * What the durability suites share: sockets that stream `message:send` as fast as acks come back
 * (several unanswered per socket), a record of every send and of every ack as the client saw it,
 * and a reader of a room's whole history over HTTP.
 */

/** Generous enough that no budget refuses a send or a history page: these suites measure storage. */
export const UNTHROTTLED_ENV: Readonly<Record<string, string>> = Object.freeze({
  RATE_LIMIT_MESSAGES_PER_SECOND: '1000000',
  RATE_LIMIT_READS_PER_SECOND: '1000000',
  RATE_LIMIT_MEMBERSHIP_PER_SECOND: '1000',
  RATE_LIMIT_ROOMS_PER_MINUTE: '1000',
});

/** The part of a test server (in-process or a child process) these suites use. */
export interface HttpClient {
  http<T = unknown>(
    method: string,
    p: string,
    opts?: { token?: string; body?: unknown },
  ): Promise<HttpResult<T>>;
}

/** Opens a /chat socket that never reconnects (a dead server stays dead to it); rejects with the connect_error. */
export function connectSocket(url: string, token: string): Promise<ClientSocket> {
  const socket: ClientSocket = io(`${url}/chat`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (err) => {
      socket.disconnect();
      reject(err);
    });
  });
}

/** One `message:send` as its socket emitted it. */
export interface Send {
  /** Which socket of the run sent it. */
  sender: number;
  user_id: string;
  room_id: string;
  client_id: string;
  content: string;
  /** Its place among its socket's sends, in emit order (0 first). */
  emitted: number;
}

/** A send the server acknowledged with a stored message. */
export interface AckedSend extends Send {
  message: Message;
  /** Its place among its socket's acks, in arrival order (0 first). */
  answered: number;
}

/** A send the server refused with an error ack: none is expected. */
export interface RefusedSend extends Send {
  code: string;
  text: string;
}

export interface StreamResult {
  acked: AckedSend[];
  refused: RefusedSend[];
  /** Sends whose ack never came: the connection dropped (or the ack timed out) first. */
  unanswered: Send[];
}

export interface StreamPlan {
  /** Which socket of the run this is, and whose. */
  sender: number;
  user_id: string;
  /** Sends go round these rooms, one after another. */
  rooms: readonly string[];
  /** Sends this socket keeps unanswered at once. */
  inFlight: number;
  /** Makes the run's client_ids unique (a kill round, for instance). */
  label: string;
  /** Stops after this many sends; without it the socket streams until its connection drops or `stop` says so. */
  count?: number;
  /** Checked before each send: true ends the stream (sends already made are still awaited). */
  stop?: () => boolean;
  /** Called at each ok ack, as it arrives. */
  onAck?: (acked: AckedSend) => void;
  /** An ack slower than this counts as unanswered and ends the stream. */
  ackTimeoutMs?: number;
}

/**
 * Streams `message:send` on `socket` with `plan.inFlight` sends unanswered at once, until `count`
 * sends, `stop()`, the first refusal, or the first send that gets no ack (the connection dropped).
 * Never rejects.
 */
export async function streamSends(socket: ClientSocket, plan: StreamPlan): Promise<StreamResult> {
  const result: StreamResult = { acked: [], refused: [], unanswered: [] };
  let emitted = 0;
  let answered = 0;
  let ended = false;
  const timeoutMs = plan.ackTimeoutMs ?? 10_000;
  const next = (): Send | undefined => {
    // A send emitted on a closed socket would wait in its buffer for a reconnection that never comes.
    if (ended || !socket.connected || plan.stop?.() === true) return undefined;
    if (plan.count !== undefined && emitted >= plan.count) return undefined;
    const n = emitted;
    emitted += 1;
    const client_id = `${plan.label}-s${plan.sender}-${n}`;
    return {
      sender: plan.sender,
      user_id: plan.user_id,
      room_id: plan.rooms[n % plan.rooms.length] ?? '',
      client_id,
      content: `durable ${client_id}`,
      emitted: n,
    };
  };
  const lane = async (): Promise<void> => {
    for (let send = next(); send; send = next()) {
      const { room_id, client_id, content } = send;
      try {
        const ack = await socket
          .timeout(timeoutMs)
          .emitWithAck('message:send', { room_id, content, client_id });
        if (ack.ok) {
          const acked: AckedSend = { ...send, message: ack.data, answered };
          answered += 1;
          result.acked.push(acked);
          plan.onAck?.(acked);
        } else {
          // A refusal is a failure of the run: stop rather than stream refusals until a timeout.
          ended = true;
          result.refused.push({ ...send, code: ack.error.code, text: ack.error.message });
        }
      } catch {
        ended = true;
        result.unanswered.push(send);
      }
    }
  };
  await Promise.all(Array.from({ length: plan.inFlight }, lane));
  return result;
}

/** Every top-level message of a room, oldest first, read forward 100 at a time over HTTP. */
export async function readHistory(server: HttpClient, token: string, roomId: string): Promise<Message[]> {
  const messages: Message[] = [];
  for (let afterSeq = 0, more = true; more;) {
    const res = await server.http('GET', `/api/rooms/${roomId}/messages?after_seq=${afterSeq}&limit=100`, {
      token,
    });
    if (res.status !== 200)
      throw new Error(`history of ${roomId} answered ${res.status}: ${JSON.stringify(res.body)}`);
    const page = historyPageSchema.parse(res.body);
    messages.push(...page.messages);
    more = page.has_more;
    const last = page.messages[page.messages.length - 1];
    if (more && !last) throw new Error(`history of ${roomId}: has_more on an empty page`);
    afterSeq = last?.seq ?? afterSeq;
  }
  return messages;
}

/** The room's `last_message_seq` as the server reports it. */
export async function lastMessageSeq(server: HttpClient, token: string, roomId: string): Promise<number> {
  const res = await server.http('GET', `/api/rooms/${roomId}`, { token });
  if (res.status !== 200)
    throw new Error(`room ${roomId} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return roomDetailSchema.parse(res.body).last_message_seq;
}

/** Creates a public room as `ownerToken`'s user and has each of `memberTokens` join it, over HTTP. */
export async function createRoomWithMembers(
  server: HttpClient,
  name: string,
  ownerToken: string,
  memberTokens: readonly string[],
): Promise<string> {
  const created = await server.http<{ id: string }>('POST', '/api/rooms', {
    token: ownerToken,
    body: { name },
  });
  if (created.status !== 201) throw new Error(`creating ${name} answered ${created.status}`);
  const roomId = created.body.id;
  for (const token of memberTokens) {
    const joined = await server.http('POST', `/api/rooms/${roomId}/join`, { token });
    if (joined.status !== 200) throw new Error(`joining ${name} answered ${joined.status}`);
  }
  return roomId;
}

/** 1..n */
export const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

/** Rejects with `what` unless `promise` settles within `ms` (no test waits on a bare promise). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
