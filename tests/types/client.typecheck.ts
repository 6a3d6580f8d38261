/**
 * Type-level test, checked by `npm run typecheck` (never run): a client written against the
 * published contract compiles, and wrong events or payloads do not (each @ts-expect-error must
 * find an error, or tsc fails).
 */
import { io, type Socket } from 'socket.io-client';
import {
  type Ack,
  type ClientToServerEvents,
  type Message,
  type RoomDetail,
  type ServerToClientEvents,
  clientEvents,
} from 'chat-service-contract';

export async function exampleClient(url: string, token: string): Promise<Message> {
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(`${url}/chat`, { auth: { token } });

  socket.on('message:new', (message) => {
    const seq: number = message.seq;
    const parent: string | null = message.parent_id;
    void seq;
    void parent;
  });
  socket.on('room:user_joined', ({ room_id, user_id, username }) => {
    void [room_id, user_id, username];
  });
  socket.on('typing:update', ({ typing_users }) => {
    void typing_users.map((u) => u.username);
  });

  const created: Ack<RoomDetail> = await socket.emitWithAck('room:create', { name: 'general' });
  if (!created.ok) throw new Error(created.error.code);
  const roomId: string = created.data.id;

  socket.emit('message:send', { room_id: roomId, content: 'hi', client_id: 'c1' }, (ack) => {
    if (ack.ok) void ack.data.seq;
    else void ack.error.message;
  });

  const history = await socket.emitWithAck('message:history', { room_id: roomId, after_seq: 10 });
  if (history.ok) void history.data.has_more;

  // @ts-expect-error -- content is required
  await socket.emitWithAck('message:send', { room_id: roomId });
  // @ts-expect-error -- is_private is a boolean
  await socket.emitWithAck('room:create', { name: 'x', is_private: 'yes' });
  // @ts-expect-error -- no such event in the contract
  await socket.emitWithAck('room:destroy', { room_id: roomId });
  // @ts-expect-error -- message_type is one of text | image | file
  await socket.emitWithAck('message:send', { room_id: roomId, content: 'x', message_type: 'video' });

  socket.on('message:deleted', (payload) => {
    // @ts-expect-error -- a deletion carries ids and seq, not content
    void payload.content;
  });

  // The same schemas validate at runtime, so a client can check before sending.
  const checked = clientEvents['message:send'].payload.safeParse({ room_id: roomId, content: '' });
  if (checked.success) throw new Error('empty content must be refused');

  const sent = await socket.emitWithAck('message:send', { room_id: roomId, content: 'done' });
  if (!sent.ok) throw new Error(sent.error.code);
  return sent.data;
}
