/**
 * Type-level test of the typed client, checked by `npm run typecheck` (never run): code written
 * against `chat-service-contract/client` compiles, and wrong events, payloads and listener types do
 * not (each @ts-expect-error must find an error, or tsc fails).
 */
import type { ChatError, Invite, Message, Room, RoomDetail } from 'chat-service-contract';
import { createChatClient, type ChatClient } from 'chat-service-contract/client';

export async function exampleClient(url: string, fetchToken: () => Promise<string>): Promise<ChatClient> {
  const client = createChatClient({ url, token: fetchToken, ackTimeoutMs: 5000 });

  // Listener payloads are the contract's types.
  const off = client.on('message:new', (message) => {
    const seq: number = message.seq;
    const parent: string | null = message.parent_id;
    void [seq, parent];
  });
  off();
  client.on('message:deleted', ({ room_id, message_id, seq }) => void [room_id, message_id, seq]);
  client.on('typing:update', ({ typing_users }) => void typing_users.map((u) => u.username));
  client.on('disconnected', (reason: string) => void reason);
  client.on('error', (error: Error) => void (error as ChatError).code);
  client.on('caught-up', () => undefined);
  const onUpdate = (message: Message): void => void message.content;
  client.on('message:updated', onUpdate);
  client.off('message:updated', onUpdate);

  // Requests resolve with the ack's data.
  const room: RoomDetail = await client.createRoom({ name: 'general' });
  const sent: Message = await client.sendMessage({ room_id: room.id, content: 'hi', client_id: 'c1' });
  const page = await client.history({ room_id: room.id, after_seq: sent.seq });
  const more: boolean = page.has_more;
  const same: RoomDetail = await client.request('room:get', { room_id: room.id });
  const unread: number = (await client.markRead({ room_id: room.id, seq: sent.seq })).unread_count;
  void [more, same, unread];
  // Lists are paged: the next page is asked for with the previous one's cursor.
  const first = await client.listRooms();
  const rooms: Room[] = first.rooms;
  const next: string | null = first.next_cursor;
  if (next !== null) await client.listRooms({ limit: 10, cursor: next });
  const invites: Invite[] = (await client.listInvites()).invites;
  client.on('room:invited', (invite: Invite) => void client.joinRoom({ room_id: invite.room_id }));
  await client.declineInvite({ room_id: room.id });
  void [rooms, invites];
  await client.follow({ room_id: room.id, after_seq: 0 });
  const last: number | undefined = client.lastSeq({ room_id: room.id });
  client.unfollow({ room_id: room.id });
  void last;

  // Every request method takes its event's payload object, exactly as ClientToServerEvents types it.
  const detail: RoomDetail = await client.getRoom({ room_id: room.id });
  await client.joinRoom({ room_id: detail.id });
  await client.invite({ room_id: room.id, user_ids: ['bob'] });
  const edited: Message = await client.editMessage({ message_id: sent.id, content: 'hi all' });
  const reactions = await client.addReaction({ message_id: edited.id, emoji: '👍' });
  await client.removeReaction({ message_id: reactions.message_id, emoji: '👍' });
  await client.setTyping({ room_id: room.id, is_typing: true });
  const online = (await client.getPresence({ user_ids: ['bob'] })).presence.map((p) => p.status);
  await client.deleteMessage({ message_id: sent.id });
  await client.leaveRoom({ room_id: room.id });
  void online;

  // @ts-expect-error -- no such server or client event
  client.on('message:created', () => undefined);
  // @ts-expect-error -- a deletion carries ids and seq, not content
  client.on('message:deleted', (payload) => void payload.content);
  // @ts-expect-error -- a message listener does not take a room
  client.on('message:new', (room: RoomDetail) => void room.members);
  // @ts-expect-error -- 'caught-up' passes nothing, so a listener needing an argument does not fit
  client.on('caught-up', (count: number) => void count);
  // @ts-expect-error -- 'error' passes an Error, not a string
  client.on('error', (message: string) => void message.trim());
  // @ts-expect-error -- content is required
  await client.sendMessage({ room_id: room.id });
  // @ts-expect-error -- message_type is one of text | image | file
  await client.sendMessage({ room_id: room.id, content: 'x', message_type: 'video' });
  // @ts-expect-error -- is_private is a boolean
  await client.createRoom({ name: 'x', is_private: 'yes' });
  // @ts-expect-error -- no such client event
  await client.request('room:destroy', { room_id: room.id });
  // @ts-expect-error -- room:get takes a room_id
  await client.request('room:get', { id: room.id });
  // @ts-expect-error -- user ids are a list
  await client.invite({ room_id: room.id, user_ids: 'bob' });
  // @ts-expect-error -- a payload takes the wire's field names, not camelCase
  await client.joinRoom({ roomId: room.id });
  // @ts-expect-error -- a payload has no unknown fields
  await client.getRoom({ room_id: room.id, name: 'general' });

  // The positional forms of earlier versions no longer compile: each method takes one payload object.
  // @ts-expect-error -- joinRoom({ room_id })
  await client.joinRoom(room.id);
  // @ts-expect-error -- getRoom({ room_id })
  await client.getRoom(room.id);
  // @ts-expect-error -- leaveRoom({ room_id })
  await client.leaveRoom(room.id);
  // @ts-expect-error -- invite({ room_id, user_ids })
  await client.invite(room.id, ['bob']);
  // @ts-expect-error -- declineInvite({ room_id })
  await client.declineInvite(room.id);
  // @ts-expect-error -- markRead({ room_id, seq })
  await client.markRead(room.id, 1);
  // @ts-expect-error -- editMessage({ message_id, content })
  await client.editMessage(sent.id, 'x');
  // @ts-expect-error -- deleteMessage({ message_id })
  await client.deleteMessage(sent.id);
  // @ts-expect-error -- setTyping({ room_id, is_typing })
  await client.setTyping(room.id, true);
  // @ts-expect-error -- addReaction({ message_id, emoji })
  await client.addReaction(sent.id, '👍');
  // @ts-expect-error -- removeReaction({ message_id, emoji })
  await client.removeReaction(sent.id, '👍');
  // @ts-expect-error -- getPresence({ user_ids })
  await client.getPresence(['bob']);
  // @ts-expect-error -- follow({ room_id, after_seq? })
  await client.follow(room.id, 0);
  // @ts-expect-error -- unfollow({ room_id })
  client.unfollow(room.id);
  // @ts-expect-error -- lastSeq({ room_id })
  client.lastSeq(room.id);
  // @ts-expect-error -- a cursor is the opaque string the previous page answered
  await client.listRooms({ cursor: 2 });
  // @ts-expect-error -- an invitation names its room by room_id, not id
  client.on('room:invited', (invite) => void invite.id);
  // @ts-expect-error -- the ack of message:send is a Message, not a room
  const wrong: RoomDetail = await client.sendMessage({ room_id: room.id, content: 'x' });
  void wrong;

  return client;
}
