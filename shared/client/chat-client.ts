import type { Socket } from 'socket.io-client';
import type {
  AckData,
  ClientEventName,
  ClientPayload,
  ClientToServerEvents,
  ServerEventName,
  ServerPayload,
  ServerToClientEvents,
} from '../events';

/** How to reach the service and who the client acts as. */
export interface ChatClientOptions {
  /** The service's base URL (`http://localhost:3002`); the client connects to its `/chat` namespace. */
  url: string;
  /** A JWT, or a function giving a fresh one at each (re)connection. */
  token: string | (() => string | Promise<string>);
  /** How long a request waits for its ack before rejecting (default 10 000 ms). */
  ackTimeoutMs?: number;
  /** Connect at once (default true); otherwise call `connect()`. */
  autoConnect?: boolean;
  /** First delay before reconnecting after a lost connection (default 1000 ms; it grows with each failure). */
  reconnectionDelayMs?: number;
  /** Ceiling of the growing reconnection delay (default 5000 ms). */
  reconnectionDelayMaxMs?: number;
  /**
   * Messages per `message:history` page when catching up (default 100, the contract's maximum; lower it
   * for a server configured with a smaller `MAX_HISTORY_LIMIT`).
   */
  historyPageSize?: number;
}

/** What the client tells its consumer besides the server's own events. */
export interface ChatClientEvents {
  connected: () => void;
  disconnected: (reason: string) => void;
  /**
   * A (re)connection was refused or failed, or catching up a followed room failed. A refusal by the
   * server is a `ChatError` (`code` UNAUTHORIZED for a bad or expired token, RATE_LIMITED for an
   * address that keeps failing) and is final: Socket.IO does not retry it, call `connect()` once the
   * token is fixed. Network failures are plain `Error`s and Socket.IO keeps retrying.
   */
  error: (error: Error) => void;
  /**
   * After each (re)connection, once every followed room has delivered every message it missed and
   * replayed every change it missed (see `ChatClient`): the client's view of those rooms is then
   * the server's. Not emitted for a connection that dropped (or whose catch-up failed) before that point.
   */
  'caught-up': () => void;
}

export type ChatClientEventName = ServerEventName | keyof ChatClientEvents;
export type ChatClientListener<E extends ChatClientEventName> = E extends ServerEventName
  ? (payload: ServerPayload<E>) => void
  : E extends keyof ChatClientEvents
    ? ChatClientEvents[E]
    : never;

/** The room a following call is about: `{ room_id }`, as every event names it. */
export interface RoomRef {
  room_id: string;
}

/**
 * A typed client of the `/chat` namespace. Every method takes one object whose fields are the
 * wire's: a request method takes its event's payload exactly as `ClientToServerEvents` types it
 * (`joinRoom({ room_id })` sends `room:join { room_id }`), and resolves with its ack's data or
 * rejects with a `ChatError` (its `code` is one of the contract's; a timeout or a connection lost
 * before the answer is INTERNAL_ERROR).
 *
 * Messages arrive exactly once and in `seq` order per followed room, across disconnects: a room is
 * followed once the client creates, joins or reads its history, or when `follow` is called; after
 * a reconnect, and whenever a `message:new` skips a seq, the client fetches what it missed with
 * `message:history { after_seq }` and emits it in order, dropping anything it has already emitted.
 *
 * Changes are not lost either. Per followed room the client keeps the room's `version` its view is
 * exact up to (`lastVersion`). After a reconnect it first pages `room:sync` from that version and,
 * for each message it has already emitted (`seq <= lastSeq`) that changed meanwhile, emits
 * `message:deleted` then `message:updated` (the tombstone) for a deleted one, else `message:updated`
 * then `reaction:updated`, with the message's current state and version; newer messages come once,
 * as `message:new` in their current state. Live `message:updated`, `message:deleted` and
 * `reaction:updated` of the room wait while it catches up and are then emitted unless a state the
 * catch-up read was at least as new; none overtakes its message's `message:new`. So when
 * `caught-up` fires, a consumer that inserts on `message:new`, replaces on `message:updated`, empties
 * on `message:deleted` (content "", no reactions) and sets reactions on `reaction:updated` holds
 * exactly the server's messages. An update may name a message older than any the consumer loaded:
 * ignore it.
 */
export interface ChatClient {
  /** The underlying socket.io-client socket (websocket first, polling as a fallback). */
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  readonly connected: boolean;
  connect(): void;
  /** Disconnects for good (no reconnection) and drops every listener. */
  close(): void;

  /**
   * Sends any client event and resolves with its ack's data. This is the plain call: unlike
   * `createRoom`, `joinRoom`, `leaveRoom` and `history`, it never starts or stops following a room.
   */
  request<E extends ClientEventName>(event: E, payload: ClientPayload<E>): Promise<AckData<E>>;

  /** `room:create`: creates a room and follows it from its start. */
  createRoom(payload: ClientPayload<'room:create'>): Promise<AckData<'room:create'>>;
  /**
   * `room:list`: a page of rooms (public ones and the private ones the user is in), oldest first.
   * Without a payload the first page of the server's default size; pass the answer's `next_cursor`
   * as `cursor` for the next one (it is null on the last page).
   */
  listRooms(payload?: ClientPayload<'room:list'>): Promise<AckData<'room:list'>>;
  /**
   * `room:get`: a room with its members (the first 100 by `joined_at`, `ROOM_MEMBERS_SHOWN`;
   * `member_count` counts them all, `listMembers` pages through them).
   */
  getRoom(payload: ClientPayload<'room:get'>): Promise<AckData<'room:get'>>;
  /**
   * `room:members`: a page of a room's members, longest-standing first. Pass the answer's
   * `next_cursor` as `cursor` for the next one (null on the last page).
   */
  listMembers(payload: ClientPayload<'room:members'>): Promise<AckData<'room:members'>>;
  /**
   * `room:join`: joins a room and follows it from its last message at the time of joining (unless
   * already followed). Joining accepts a pending invitation, the only way into a private room.
   */
  joinRoom(payload: ClientPayload<'room:join'>): Promise<AckData<'room:join'>>;
  /** `room:leave`: leaves a room and stops following it. */
  leaveRoom(payload: ClientPayload<'room:leave'>): Promise<AckData<'room:leave'>>;
  /** `room:invite` (owner only): each user is told by `room:invited` and is a member once they join. */
  invite(payload: ClientPayload<'room:invite'>): Promise<AckData<'room:invite'>>;
  /** `invite:list`: a page of the user's pending invitations, oldest first (paged like `listRooms`). */
  listInvites(payload?: ClientPayload<'invite:list'>): Promise<AckData<'invite:list'>>;
  /** `room:decline`: declines a pending invitation (accept one with `joinRoom`). */
  declineInvite(payload: ClientPayload<'room:decline'>): Promise<AckData<'room:decline'>>;
  /** `room:read`: moves the user's read position forward to `seq`. */
  markRead(payload: ClientPayload<'room:read'>): Promise<AckData<'room:read'>>;
  /** `message:send`: sends a message (a `client_id` makes a retry safe: a repeat answers the stored one). */
  sendMessage(payload: ClientPayload<'message:send'>): Promise<AckData<'message:send'>>;
  /** `message:edit` (author only). */
  editMessage(payload: ClientPayload<'message:edit'>): Promise<AckData<'message:edit'>>;
  /** `message:delete` (author or room owner): the message becomes a tombstone. */
  deleteMessage(payload: ClientPayload<'message:delete'>): Promise<AckData<'message:delete'>>;
  /**
   * `message:history`: reads a page. A room not yet followed is followed from the page's last
   * message when the page is the room's newest (no cursor) or was read forwards (`after_seq`), so
   * the page and the `message:new` events that follow meet without a gap or a duplicate; after an
   * older page (`before_seq`) or a thread page (`parent_id`) it is followed from the room's last message.
   */
  history(payload: ClientPayload<'message:history'>): Promise<AckData<'message:history'>>;
  /** `typing:update`: says whether the user is typing in a room. */
  setTyping(payload: ClientPayload<'typing:update'>): Promise<AckData<'typing:update'>>;
  /** `reaction:add`: resolves with the message's reactions after the change. */
  addReaction(payload: ClientPayload<'reaction:add'>): Promise<AckData<'reaction:add'>>;
  /** `reaction:remove`: resolves with the message's reactions after the change. */
  removeReaction(payload: ClientPayload<'reaction:remove'>): Promise<AckData<'reaction:remove'>>;
  /** `presence:get`: the presence of users who share a room with this one. */
  getPresence(payload: ClientPayload<'presence:get'>): Promise<AckData<'presence:get'>>;

  /**
   * `dm:open`: the direct message with `user_id` (the pair's one private room, created on the first
   * call; any user id but one's own). It does not follow the room: read it with `history()` (which
   * follows it from that page) or call `follow()`.
   */
  openDirectMessage(payload: ClientPayload<'dm:open'>): Promise<AckData<'dm:open'>>;
  /**
   * `mention:list`: a page of the messages that mention this user, newest first (paged like
   * `listRooms`). Live mentions arrive as `mention:new`.
   */
  listMentions(payload?: ClientPayload<'mention:list'>): Promise<AckData<'mention:list'>>;
  /**
   * `message:search`: a page of results, best first, each with its `highlight` as escaped HTML
   * (`<mark>` around the matches). Pass the answer's `next_cursor` as `cursor` for the next page.
   */
  searchMessages(payload: ClientPayload<'message:search'>): Promise<AckData<'message:search'>>;
  /** `message:pin` (owner or moderator; either member of a direct message): resolves with the message. */
  pinMessage(payload: ClientPayload<'message:pin'>): Promise<AckData<'message:pin'>>;
  /** `message:unpin` (owner or moderator; either member of a direct message): resolves with the message. */
  unpinMessage(payload: ClientPayload<'message:unpin'>): Promise<AckData<'message:unpin'>>;
  /** `room:pins`: the room's pinned messages, the most recently pinned first. */
  listPins(payload: ClientPayload<'room:pins'>): Promise<AckData<'room:pins'>>;
  /** `member:role` (owner only): `moderator` promotes a member, `member` demotes a moderator. */
  setMemberRole(payload: ClientPayload<'member:role'>): Promise<AckData<'member:role'>>;
  /** `member:remove` (owner or moderator): the member leaves the room as by a leave. */
  removeMember(payload: ClientPayload<'member:remove'>): Promise<AckData<'member:remove'>>;
  /** `member:ban` (owner or moderator): any user; a member is removed, and nobody banned may join or be invited. */
  banUser(payload: ClientPayload<'member:ban'>): Promise<AckData<'member:ban'>>;
  /** `member:unban` (owner or moderator; idempotent). */
  unbanUser(payload: ClientPayload<'member:unban'>): Promise<AckData<'member:unban'>>;
  /** `member:mute` (owner or moderator): no sends, edits or reactions for `duration_ms`. */
  muteMember(payload: ClientPayload<'member:mute'>): Promise<AckData<'member:mute'>>;
  /** `member:unmute` (owner or moderator; idempotent). */
  unmuteMember(payload: ClientPayload<'member:unmute'>): Promise<AckData<'member:unmute'>>;

  /**
   * Follows a room's messages from `after_seq` (default: the room's current last seq, so only new
   * messages are emitted). Messages after `after_seq` that were already sent are fetched and
   * emitted; changes are replayed from the room's version when following starts (changes made
   * before that are not). On a room already followed it catches up as `sync` does.
   */
  follow(payload: RoomRef & { after_seq?: number }): Promise<void>;
  /**
   * Catches a followed room up now, as a reconnect does: `room:sync` from its `lastVersion`
   * (emitting the changes), then `message:history` from its `lastSeq`; resolves once emitted.
   * For an app that suspects it missed something (resumed from the background, say). Rejects with
   * VALIDATION_ERROR for a room not followed.
   */
  sync(payload: RoomRef): Promise<void>;
  /** Stops following: the room's `message:new` and change events are then passed on as they come. */
  unfollow(payload: RoomRef): void;
  /** The last seq emitted for a followed room (undefined when not followed). */
  lastSeq(payload: RoomRef): number | undefined;
  /**
   * The room's version the emitted view of a followed room is exact up to, where the next
   * `room:sync` starts (undefined when not followed, or until the first catch-up learns it).
   */
  lastVersion(payload: RoomRef): number | undefined;

  /**
   * Listens to a server event or a client event; returns a function that removes the listener.
   * Joins and presence changes can be listened to in either form, each hearing all of them however
   * the server sent them: `room:user_joined` / `presence:update` one at a time, or
   * `room:users_joined` / `presence:updates` as they arrived (a single one as a batch of one).
   */
  on<E extends ChatClientEventName>(event: E, listener: ChatClientListener<E>): () => void;
  off<E extends ChatClientEventName>(event: E, listener: ChatClientListener<E>): void;
}
