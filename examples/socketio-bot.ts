/**
 * A Socket.IO bot with the typed event maps: connects with CHAT_TOKEN, creates a room (or joins
 * the room CHAT_ROOM names), sends a message, prints what arrives, then disconnects.
 *
 *   export CHAT_TOKEN=$(npm run -s token -- alice Alice)
 *   npx tsx examples/socketio-bot.ts
 */
import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from 'chat-service-contract';

const url = process.env.CHAT_URL || 'http://127.0.0.1:3002';
const token = process.env.CHAT_TOKEN;
const WAIT_MS = 5000;

async function main(): Promise<void> {
  if (!token) {
    console.error('CHAT_TOKEN is not set. Mint a token for the server, export it, and run again:');
    console.error('  export CHAT_TOKEN=$(npm run -s token -- alice Alice)');
    process.exitCode = 1;
    return;
  }
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(`${url}/chat`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false, // a bot that runs once: fail rather than retry
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', (error) =>
        reject(new Error(`cannot connect to ${url} (${error.message}): is the server running?`)),
      );
    });
    console.log(`connected to ${url}/chat`);
    // Every message of the rooms this user is in, our own included.
    socket.on('message:new', (m) => console.log(`received #${m.seq} from ${m.username}: ${m.content}`));

    const joinId = process.env.CHAT_ROOM;
    const room = joinId
      ? await socket.timeout(WAIT_MS).emitWithAck('room:join', { room_id: joinId })
      : await socket.timeout(WAIT_MS).emitWithAck('room:create', { name: 'socketio-bot' });
    if (!room.ok) throw new Error(`${room.error.code}: ${room.error.message}`);
    console.log(`in room ${room.data.id} "${room.data.name}"`);

    // The ack may come before or after the broadcast of our message: wait for both.
    const clientId = randomUUID(); // also makes a retried send safe: a repeat answers the stored message
    const echoed = new Promise<void>((resolve, reject) => {
      socket.on('message:new', (m) => m.client_id === clientId && resolve());
      setTimeout(() => reject(new Error('our message was not broadcast back')), WAIT_MS).unref();
    });
    const sent = await socket.timeout(WAIT_MS).emitWithAck('message:send', {
      room_id: room.data.id,
      content: 'hello from socketio-bot',
      client_id: clientId,
    });
    if (!sent.ok) throw new Error(`${sent.error.code}: ${sent.error.message}`);
    console.log(`sent #${sent.data.seq}`);
    await echoed;
  } finally {
    socket.disconnect(); // with no connection left open, the process ends by itself
    console.log('disconnected');
  }
}

main().catch((error: unknown) => {
  console.error(`socketio-bot: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
