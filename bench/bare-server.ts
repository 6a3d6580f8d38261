/**
 * The reference: a bare Socket.IO 4.8 server doing only what any chat needs from the transport,
 * `socket.join(room)` and `io.to(room).emit(...)`: no auth check, no validation, no storage. It
 * answers the same events with the same packet shapes as chat-service's /chat namespace, so one
 * load generator drives both, and every chat-service figure is read as a ratio to this one.
 *
 * Run as its own process (compiled by the bench): `HOST=127.0.0.1 PORT=… node bare-server.js`.
 */
import http from 'node:http';
import { Server, type Socket } from 'socket.io';

type Ack = (response: unknown) => void;

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';

const httpServer = http.createServer((req, res) => {
  const ready = req.url === '/readyz';
  res.writeHead(ready ? 200 : 404, { 'content-type': 'application/json' });
  res.end(ready ? '{"status":"ready"}' : '{}');
});
// Socket.IO's defaults, with chat-service's transport settings (no client bundle, 1 MB packets).
const io = new Server(httpServer, { serveClient: false, maxHttpBufferSize: 1_000_000 });
const chat = io.of('/chat');

let rooms = 0;
let messages = 0;

const field = (payload: unknown, key: string): string => {
  const value =
    typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>)[key] : '';
  return typeof value === 'string' ? value : '';
};
const answer = (ack: unknown, response: unknown): void => {
  if (typeof ack === 'function') (ack as Ack)(response);
};

chat.on('connection', (socket: Socket) => {
  // Any auth is accepted: the socket id stands for the user.
  const userId = socket.id;
  socket.on('room:create', (_payload: unknown, ack: unknown) => {
    const id = `room${++rooms}`;
    void socket.join(id);
    answer(ack, { ok: true, data: { id } });
  });
  socket.on('room:join', (payload: unknown, ack: unknown) => {
    const roomId = field(payload, 'room_id');
    void socket.join(roomId);
    chat.to(roomId).emit('room:user_joined', {
      room_id: roomId,
      user_id: userId,
      username: userId,
      timestamp: new Date().toISOString(),
    });
    answer(ack, { ok: true, data: { id: roomId } });
  });
  socket.on('message:send', (payload: unknown, ack: unknown) => {
    const roomId = field(payload, 'room_id');
    const message = {
      id: `m${++messages}`,
      room_id: roomId,
      user_id: userId,
      content: field(payload, 'content'),
      client_id: field(payload, 'client_id') || null,
      timestamp: new Date().toISOString(),
    };
    chat.to(roomId).emit('message:new', message);
    answer(ack, { ok: true, data: message });
  });
});

httpServer.listen(port, host);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => process.exit(0));
