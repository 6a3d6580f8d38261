import type http from 'node:http';
import { Socket as TcpSocket } from 'node:net';
import WebSocket from 'ws';
import { HeldSocket } from './held-socket';
import type { ChatServer, ChatSocket } from './types';
import type { WriteCoalescer } from './write-coalescer';

type EngineSocket = ChatSocket['conn'];
type EngineTransport = EngineSocket['transport'];

/**
 * Coalesces the frames bound for each websocket connection (Socket.IO's and the plain /ws
 * endpoint's): what is written to one in a window (an event-loop turn, or SOCKET_WRITE_COALESCE_MS)
 * leaves in one `writev` at its end. Socket.IO's broadcast still encodes a packet once for all its
 * sockets; only the moment each connection's bytes reach the kernel changes. HTTP requests,
 * long-polling included, are left as they are (an answer is one write already).
 *
 * - Every write to an upgraded socket is held, the handshake's answer included, so connections are
 *   released in the order they were first written to.
 * - Engine.IO writes one batch at a time to a websocket: until the write of a batch completes, it
 *   keeps further packets in the connection's write buffer, and a held write completes only once
 *   released. At the end of the window that buffer is handed over first, so the whole window leaves
 *   in one write rather than two.
 */
export function coalesceWebSocketFrames(
  httpServer: http.Server,
  io: ChatServer,
  coalescer: WriteCoalescer,
): void {
  const held = new WeakMap<TcpSocket, HeldSocket>();
  // First in line: Engine.IO answers a websocket handshake synchronously in its own listener.
  httpServer.prependListener('upgrade', (_req, socket) => {
    if (socket instanceof TcpSocket) held.set(socket, HeldSocket.attach(socket, coalescer));
  });
  const handOverOnRelease = (conn: EngineSocket, transport: EngineTransport): void => {
    const tcp = tcpSocketOf(transport);
    const socket = tcp && held.get(tcp);
    if (tcp && socket) socket.beforeRelease = () => handOverEngineBuffer(conn, transport, tcp);
  };
  io.engine.on('connection', (conn: EngineSocket) => {
    handOverOnRelease(conn, conn.transport);
    conn.on('upgrade', (transport: EngineTransport) => handOverOnRelease(conn, transport));
  });
}

/**
 * Flushes the packets Engine.IO kept back because the batch before them is held (not because the
 * peer is slow: the socket has nothing left unwritten), so they join that batch. The transport is
 * marked writable for this flush, as the held batch's completion would have done.
 */
function handOverEngineBuffer(conn: EngineSocket, transport: EngineTransport, tcp: TcpSocket): void {
  if (conn.readyState !== 'open' || conn.transport !== transport || transport.writable) return;
  if (tcp.destroyed || tcp.writableLength > 0) return;
  // Engine.IO's own buffer and flush (typed private): read, never replaced.
  const buffered: unknown = Reflect.get(conn, 'writeBuffer');
  const flush: unknown = Reflect.get(conn, 'flush');
  if (!Array.isArray(buffered) || buffered.length === 0 || typeof flush !== 'function') return;
  transport.writable = true;
  Reflect.apply(flush, conn, []);
}

/** The TCP socket under a websocket transport (undefined for polling). */
function tcpSocketOf(transport: EngineTransport): TcpSocket | undefined {
  if (transport.name !== 'websocket') return undefined;
  const ws: unknown = Reflect.get(transport, 'socket');
  // `ws` keeps its socket in a field its types do not declare.
  const tcp: unknown = ws instanceof WebSocket ? Reflect.get(ws, '_socket') : undefined;
  return tcp instanceof TcpSocket ? tcp : undefined;
}
