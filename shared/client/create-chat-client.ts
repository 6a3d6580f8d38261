import { ChatError, ErrorCode } from '../errors';
import type { AckData, ClientEventName, ClientPayload } from '../events';
import { DEFAULT_LIMITS } from '../limits';
import type { HistoryPage, Room } from '../schemas/objects';
import type { ChangeEvent } from './change-events';
import type { ChatClient, ChatClientOptions } from './chat-client';
import { connectionError } from './connection-errors';
import { Listeners } from './listeners';
import { openSocket } from './open-socket';
import type { FollowStart } from './room-follower';
import { RoomFollowers } from './room-followers';
import { sendRequest } from './requests';
import { tokenSubject } from './token-subject';

const DEFAULT_ACK_TIMEOUT_MS = 10_000;

/** Creates a typed client of the `/chat` namespace (see `ChatClient`). */
export function createChatClient(options: ChatClientOptions): ChatClient {
  const ackTimeoutMs = options.ackTimeoutMs ?? DEFAULT_ACK_TIMEOUT_MS;
  const pageSize = options.historyPageSize ?? DEFAULT_LIMITS.historyMax;
  const listeners = new Listeners();
  let closed = false;
  /** Counts connections, so work begun on one connection knows when another has replaced it. */
  let connections = 0;
  /** Errors not to report: already reported, or caused by a connection that has since dropped. */
  const quiet = new WeakSet<object>();

  /** The client's own user, from the token of the latest handshake; undefined if it is not a JWT. */
  let ownUserId: string | undefined;

  const socket = openSocket(
    options,
    (error) => listeners.emit('error', asError(error)),
    (token) => (ownUserId = tokenSubject(token)),
  );

  const request = <E extends ClientEventName>(event: E, payload: ClientPayload<E>): Promise<AckData<E>> => {
    if (closed) {
      return Promise.reject(new ChatError(ErrorCode.INTERNAL_ERROR, `${event}: the client is closed`));
    }
    return sendRequest(socket, event, payload, ackTimeoutMs);
  };

  const report = (roomId: string, error: unknown): void => {
    if (closed || (isObject(error) && quiet.has(error))) return;
    if (isObject(error)) quiet.add(error);
    // The room is no longer visible (a private room this user left elsewhere): stop following it.
    if (error instanceof ChatError && error.code === ErrorCode.NOT_FOUND) followers.unfollow(roomId);
    listeners.emit('error', asError(error));
  };

  /** A catch-up's request: one lost with its connection is no news, the next connection catches up again. */
  const catchUpRequest = async <E extends ClientEventName>(
    event: E,
    payload: ClientPayload<E>,
  ): Promise<AckData<E>> => {
    const connection = connections;
    try {
      return await request(event, payload);
    } catch (error) {
      if ((connection !== connections || !socket.connected) && isObject(error)) quiet.add(error);
      throw error;
    }
  };

  const followers = new RoomFollowers({
    fetchAfter: (roomId, afterSeq) =>
      catchUpRequest('message:history', { room_id: roomId, after_seq: afterSeq, limit: pageSize }),
    fetchChanges: (roomId, afterVersion) =>
      catchUpRequest('room:sync', { room_id: roomId, after_version: afterVersion, limit: pageSize }),
    deliver: (message) => listeners.emit('message:new', message),
    deliverChange: (change) => emitChange(change),
    onFailure: report,
  });

  const emitChange = (change: ChangeEvent): void => {
    switch (change.event) {
      case 'message:updated':
        return listeners.emit(change.event, change.payload);
      case 'message:deleted':
        return listeners.emit(change.event, change.payload);
      case 'reaction:updated':
        return listeners.emit(change.event, change.payload);
    }
  };

  /** Follows in the background; failures of a request the caller awaits are the caller's to see. */
  const followFrom = (roomId: string, start: FollowStart | Promise<FollowStart>): void => {
    followers.follow(roomId, start).catch((error: unknown) => {
      if (followers.has(roomId)) report(roomId, error);
    });
  };

  socket.on('connect', () => {
    const connection = ++connections;
    listeners.emit('connected');
    void followers.catchUpAll().then((failures) => {
      for (const { roomId, error } of failures) report(roomId, error);
      const complete = failures.every(
        ({ error }) => error instanceof ChatError && error.code === ErrorCode.NOT_FOUND,
      );
      if (complete && connection === connections && socket.connected && !closed) listeners.emit('caught-up');
    });
  });
  socket.on('disconnect', (reason) => {
    listeners.emit('disconnected', reason);
    // The server ends a socket when its token expires; socket.io does not retry that on its own, but
    // a token function can supply a fresh token. (A refused one ends in an 'error', with no loop.)
    if (reason === 'io server disconnect' && typeof options.token === 'function' && !closed) socket.connect();
  });
  socket.on('connect_error', (error) => listeners.emit('error', connectionError(error)));
  socket.on('message:new', (message) => followers.receive(message));
  // Changes to messages of a followed room keep behind its catch-up; see RoomFollower.
  socket.on('message:updated', (message) =>
    followers.receiveChange({ event: 'message:updated', payload: message }),
  );
  socket.on('message:deleted', (deleted) =>
    followers.receiveChange({ event: 'message:deleted', payload: deleted }),
  );
  socket.on('reaction:updated', (reactions) =>
    followers.receiveChange({ event: 'reaction:updated', payload: reactions }),
  );
  // Every other server event is passed on as it comes.
  socket.on('typing:update', (typing) => listeners.emit('typing:update', typing));
  // Joins and presence come singly or, during a burst, in batches: each form's listeners hear all.
  socket.on('room:user_joined', (joined) => {
    const { room_id, ...user } = joined;
    listeners.emit('room:users_joined', { room_id, users: [user] });
    listeners.emit('room:user_joined', joined);
  });
  socket.on('room:users_joined', (batch) => {
    listeners.emit('room:users_joined', batch);
    for (const user of batch.users) listeners.emit('room:user_joined', { room_id: batch.room_id, ...user });
  });
  socket.on('room:user_left', (left) => {
    // Left from another tab or device: this client no longer reads the room, so no catch-up either.
    if (left.user_id === ownUserId) followers.unfollow(left.room_id);
    listeners.emit('room:user_left', left);
  });
  socket.on('room:updated', (room) => listeners.emit('room:updated', room));
  socket.on('room:invited', (invite) => listeners.emit('room:invited', invite));
  socket.on('presence:update', (presence) => {
    listeners.emit('presence:updates', { updates: [presence] });
    listeners.emit('presence:update', presence);
  });
  socket.on('presence:updates', (batch) => {
    listeners.emit('presence:updates', batch);
    for (const update of batch.updates) listeners.emit('presence:update', update);
  });
  socket.on('receipt:updated', (receipt) => listeners.emit('receipt:updated', receipt));
  socket.on('mention:new', (mention) => listeners.emit('mention:new', mention));
  // A removal or ban of this user also arrives as their own `room:user_left`, which stops following.
  socket.on('room:moderated', (moderation) => listeners.emit('room:moderated', moderation));

  return {
    socket,
    get connected() {
      return socket.connected;
    },
    connect: () => {
      if (!closed) socket.connect();
    },
    close: () => {
      closed = true;
      followers.clear();
      listeners.clear();
      socket.off();
      socket.disconnect();
    },

    request,
    createRoom: async (payload) => {
      const detail = await request('room:create', payload);
      // From its start: every change the room ever has comes after version 0.
      followFrom(detail.id, { seq: detail.last_message_seq, version: 0 });
      return detail;
    },
    listRooms: (payload = {}) => request('room:list', payload),
    getRoom: (payload) => request('room:get', payload),
    listMembers: (payload) => request('room:members', payload),
    joinRoom: (payload) => {
      const joined = request('room:join', payload);
      // Followed from the moment of asking, so messages that arrive before the answer are held.
      if (!followers.has(payload.room_id)) {
        followFrom(
          payload.room_id,
          joined.then((room) => ({ seq: room.last_message_seq })),
        );
      }
      return joined;
    },
    leaveRoom: async (payload) => {
      const left = await request('room:leave', payload);
      followers.unfollow(payload.room_id);
      return left;
    },
    invite: (payload) => request('room:invite', payload),
    listInvites: (payload = {}) => request('invite:list', payload),
    declineInvite: (payload) => request('room:decline', payload),
    markRead: (payload) => request('room:read', payload),
    sendMessage: (payload) => request('message:send', payload),
    editMessage: (payload) => request('message:edit', payload),
    deleteMessage: (payload) => request('message:delete', payload),
    history: (payload) => {
      const page = request('message:history', payload);
      if (!followers.has(payload.room_id)) {
        const continuesPage = isAbsent(payload.parent_id) && isAbsent(payload.before_seq);
        const start = continuesPage
          ? page.then((p) => startAfterPage(p, payload.after_seq))
          : page.then(() => latestSeq(payload.room_id)).then((seq) => ({ seq }));
        followFrom(payload.room_id, start);
      }
      return page;
    },
    setTyping: (payload) => request('typing:update', payload),
    addReaction: (payload) => request('reaction:add', payload),
    removeReaction: (payload) => request('reaction:remove', payload),
    getPresence: (payload) => request('presence:get', payload),
    // Not followed here: the room's id is known only from the answer, too late to hold a message
    // sent meanwhile; `history()` or `follow()` on it starts following without a gap or a repeat.
    openDirectMessage: (payload) => request('dm:open', payload),
    listMentions: (payload = {}) => request('mention:list', payload),
    searchMessages: (payload) => request('message:search', payload),
    pinMessage: (payload) => request('message:pin', payload),
    unpinMessage: (payload) => request('message:unpin', payload),
    listPins: (payload) => request('room:pins', payload),
    setMemberRole: (payload) => request('member:role', payload),
    removeMember: (payload) => request('member:remove', payload),
    banUser: (payload) => request('member:ban', payload),
    unbanUser: (payload) => request('member:unban', payload),
    muteMember: (payload) => request('member:mute', payload),
    unmuteMember: (payload) => request('member:unmute', payload),

    follow: ({ room_id, after_seq }) =>
      followers.has(room_id)
        ? followers.catchUp(room_id)
        : followers.follow(room_id, after_seq ?? latestSeq(room_id)),
    sync: ({ room_id }) =>
      followers.has(room_id)
        ? followers.catchUp(room_id)
        : Promise.reject(
            new ChatError(ErrorCode.VALIDATION_ERROR, `sync: room ${room_id} is not followed`, [
              { field: 'room_id', reason: 'is not a followed room: follow it first' },
            ]),
          ),
    unfollow: ({ room_id }) => followers.unfollow(room_id),
    lastSeq: ({ room_id }) => followers.lastSeq(room_id),
    lastVersion: ({ room_id }) => followers.lastVersion(room_id),

    on: (event, listener) => listeners.on(event, listener),
    off: (event, listener) => listeners.off(event, listener),
  };

  function latestSeq(roomId: string): Promise<number> {
    return request('room:get', { room_id: roomId }).then(lastMessageSeq);
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

const lastMessageSeq = (room: Room): number => room.last_message_seq;

/**
 * Following from a page read forwards or the newest page: from its last message, and from the
 * highest version on it, since any later change to one of its messages takes a higher version. An
 * empty newest page is an empty room, version 0; an empty `after_seq` page tells no version.
 */
function startAfterPage(page: HistoryPage, afterSeq: number | null | undefined): FollowStart {
  const last = page.messages.at(-1);
  if (last) return { seq: last.seq, version: Math.max(...page.messages.map((m) => m.version)) };
  return isAbsent(afterSeq) ? { seq: 0, version: 0 } : { seq: afterSeq };
}
const isObject = (value: unknown): value is object => typeof value === 'object' && value !== null;
const isAbsent = (value: unknown): value is null | undefined => value === undefined || value === null;
