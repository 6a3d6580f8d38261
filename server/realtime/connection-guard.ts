import type { IncomingMessage, ServerResponse } from 'node:http';
import WebSocket from 'ws';
import type { Logger } from '../logger';
import type { ChatNamespace, ChatServer, ChatSocket } from './types';

/** The Engine.IO connection under Socket.IO sockets, and its current transport. */
type EngineSocket = ChatSocket['conn'];
type EngineTransport = EngineSocket['transport'];

/** Why a guard closed a connection (the `reason` label of `chat_connections_closed_total`). */
export type GuardCloseReason = 'slow_consumer' | 'transport_error' | 'unsolicited_pong';

/** What the guards report (the metrics layer implements it). */
export interface ConnectionCloseObserver {
  connectionClosed(transport: 'socket.io' | 'websocket', reason: GuardCloseReason): void;
}

export interface EngineGuardDeps {
  /** Bytes one connection may have waiting to be written before it is closed as a slow consumer. */
  bufferedBytes: number;
  /** Where the user of a connection is looked up, for the log line of a close. */
  nsp: ChatNamespace;
  logger: Logger;
  observer: ConnectionCloseObserver;
}

/**
 * Guards every Engine.IO connection (each Socket.IO client) from the outside, through its events
 * and by wrapping methods of that connection's own objects (never Engine.IO's code):
 *
 * - Slow consumers: Engine.IO queues packets in the connection's write buffer until the next poll
 *   or until the websocket has written the previous batch, and `ws` buffers what the peer has not
 *   read. A client that stops reading would grow both without end, and a poll joins the whole
 *   queue into one string (past V8's string limit, a RangeError). Once the queue plus the
 *   websocket's buffered amount would exceed `bufferedBytes`, the connection is closed at once and
 *   what it held is dropped; a poll answer therefore never exceeds the bound either.
 * - Heartbeat: in Engine.IO protocol 4 the server pings and the client answers. A pong that answers
 *   no outstanding ping would postpone the next ping (Engine.IO refreshes its ping timer on any
 *   pong), so a client could keep a dead reader alive by sending pongs unasked. Socket.IO clients
 *   never do that, so such a connection is closed.
 * - Transport errors: anything thrown while writing to or reading from one connection (the
 *   payload encoding, a write, the handling of a received packet) closes that connection, is
 *   logged and counted, and goes no further: it cannot end the process.
 */
export function guardEngineConnections(io: ChatServer, deps: EngineGuardDeps): void {
  io.engine.on('connection', (conn: EngineSocket) => {
    new EngineConnectionGuard(conn, deps);
  });
}

class EngineConnectionGuard {
  /** Bytes of the packets in Engine.IO's write buffer (created, not yet flushed to the transport). */
  private queuedBytes = 0;
  private awaitingPong = false;
  private closed = false;

  constructor(
    private readonly conn: EngineSocket,
    private readonly deps: EngineGuardDeps,
  ) {
    conn.on('packetCreate', (packet: unknown) => this.onPacketCreate(packet));
    // The whole write buffer goes to the transport at a flush.
    conn.on('flush', () => {
      this.queuedBytes = 0;
    });
    conn.on('packet', (packet: unknown) => this.onPacketReceived(packet));
    conn.on('upgrade', (transport: EngineTransport) => this.guardTransport(transport));
    conn.once('close', () => {
      this.closed = true;
    });
    guardMethod(conn, 'flush', (err) => this.onTransportError(err, 'flush'));
    this.guardTransport(conn.transport);
  }

  private guardTransport(transport: EngineTransport): void {
    for (const method of ['send', 'onRequest', 'onData', 'onPacket']) {
      guardMethod(transport, method, (err) => this.onTransportError(err, method, transport));
    }
    if (transport.name === 'polling') this.guardPolls(transport);
  }

  /**
   * A poll's answer leaves Engine.IO's buffers once it is handed to the HTTP response, so a client
   * that sends each poll on a fresh TCP connection and never reads the answers would pile them up
   * in the responses' socket buffers, out of the bound's sight. A client polls again only after
   * reading the previous answer, so at most that one can still be finishing its write when the
   * next poll arrives (the write's completion and the new request may be seen in either order):
   * two unfinished answers, or more unwritten bytes than the bound, is a reader that does not read.
   */
  private guardPolls(transport: EngineTransport): void {
    const unfinished = new Set<ServerResponse>();
    const original: unknown = Reflect.get(transport, 'onRequest');
    if (typeof original !== 'function') return;
    Reflect.set(transport, 'onRequest', (req: IncomingMessage & { res?: ServerResponse | null }) => {
      const res = req.res;
      if (req.method === 'GET' && res) {
        let unwritten = 0;
        for (const earlier of unfinished) unwritten += earlier.socket?.writableLength ?? 0;
        if (unfinished.size >= 2 || unwritten > this.deps.bufferedBytes) {
          this.deps.logger.warn('connection closed: slow consumer (poll answers not read)', {
            ...this.describe(),
            unfinished_polls: unfinished.size,
            buffered_bytes: unwritten,
          });
          this.close('slow_consumer');
          res.writeHead(400, { 'Content-Type': 'text/plain' }).end();
          return undefined;
        }
        unfinished.add(res);
        const done = (): void => {
          unfinished.delete(res);
        };
        res.once('finish', done);
        res.once('close', done);
      }
      return Reflect.apply(original, transport, [req]);
    });
  }

  private onPacketCreate(packet: unknown): void {
    if (this.closed || !isPacket(packet)) return;
    if (packet.type === 'ping') this.awaitingPong = true;
    this.queuedBytes += byteSize(packet.data);
    const buffered = this.queuedBytes + (rawWebSocket(this.conn.transport)?.bufferedAmount ?? 0);
    if (buffered > this.deps.bufferedBytes) {
      this.deps.logger.warn('connection closed: slow consumer', {
        ...this.describe(),
        buffered_bytes: buffered,
        max_buffered_bytes: this.deps.bufferedBytes,
      });
      this.close('slow_consumer');
    }
  }

  private onPacketReceived(packet: unknown): void {
    if (this.closed || !isPacket(packet) || packet.type !== 'pong') return;
    if (this.awaitingPong) {
      this.awaitingPong = false;
      return;
    }
    this.deps.logger.warn('connection closed: pong without a ping', this.describe());
    this.close('unsolicited_pong');
  }

  private onTransportError(err: unknown, method: string, transport?: EngineTransport): void {
    if (this.closed) return;
    this.deps.logger.error('connection closed: transport error', { ...this.describe(), method, err });
    // A poll is answered only while the transport is writable, and `send` marks it unwritable
    // before encoding: the poll request is still open, so the close packet can still answer it.
    if (method === 'send' && transport?.name === 'polling') transport.writable = true;
    this.close('transport_error');
  }

  /**
   * Closes the connection now, dropping whatever it had queued (Socket.IO sees a "forced close"
   * disconnect). A websocket is terminated rather than closed: a close handshake would wait behind
   * the unread data, holding it for the close timeout.
   */
  private close(reason: GuardCloseReason): void {
    if (this.closed) return;
    this.closed = true;
    this.deps.observer.connectionClosed('socket.io', reason);
    const transport = this.conn.transport;
    try {
      this.conn.close(true);
    } catch (err) {
      this.deps.logger.error('closing a connection failed', { ...this.describe(), err });
    }
    rawWebSocket(transport)?.terminate();
  }

  private describe(): Record<string, unknown> {
    return {
      // Engine.IO's session id (typed private; read only for the log line).
      sid: Reflect.get(this.conn, 'id') as unknown,
      user_id: userOf(this.deps.nsp, this.conn),
      address: this.conn.remoteAddress,
      transport: this.conn.transport.name,
    };
  }
}

/**
 * Replaces `target[name]` (a method) on that object alone with one that catches what it throws,
 * reports it, and returns undefined. Engine.IO calls these methods through `this`, so the
 * object's own property is what runs.
 */
function guardMethod(target: object, name: string, onError: (err: unknown) => void): void {
  const original: unknown = Reflect.get(target, name);
  if (typeof original !== 'function') return;
  Reflect.set(target, name, function guarded(this: unknown, ...args: unknown[]): unknown {
    try {
      return Reflect.apply(original, this, args);
    } catch (err) {
      onError(err);
      return undefined;
    }
  });
}

interface EnginePacket {
  type: string;
  data?: unknown;
}

function isPacket(value: unknown): value is EnginePacket {
  return typeof value === 'object' && value !== null && typeof Reflect.get(value, 'type') === 'string';
}

/**
 * The last string measured: a broadcast hands the same encoded packet to every socket in turn, so
 * it is measured once rather than once per socket.
 */
let lastMeasured: { text: string; bytes: number } | undefined;

/** What a packet's data occupies once written (text as UTF-8). */
function byteSize(data: unknown): number {
  if (typeof data === 'string') {
    if (lastMeasured?.text !== data) lastMeasured = { text: data, bytes: Buffer.byteLength(data) };
    return lastMeasured.bytes;
  }
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  return 0;
}

/** The `ws` socket under a websocket transport (undefined for polling). */
function rawWebSocket(transport: EngineTransport): WebSocket | undefined {
  if (transport.name !== 'websocket') return undefined;
  const socket: unknown = Reflect.get(transport, 'socket');
  return socket instanceof WebSocket ? socket : undefined;
}

function userOf(nsp: ChatNamespace, conn: EngineSocket): string | undefined {
  for (const socket of nsp.sockets.values()) {
    if (socket.conn === conn) return socket.data.actor.id;
  }
  return undefined;
}
