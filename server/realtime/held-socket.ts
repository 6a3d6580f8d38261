import type { Socket as TcpSocket } from 'node:net';
import type { Releasable, WriteCoalescer } from './write-coalescer';

type WriteFn = (this: TcpSocket, chunk: unknown, encoding?: unknown, callback?: unknown) => boolean;
type EndFn = (this: TcpSocket, ...args: unknown[]) => TcpSocket;
type DestroyFn = (this: TcpSocket, error?: Error) => TcpSocket;

/**
 * One TCP connection whose writes wait for the end of the coalescer's window, then leave in one
 * `writev`, in the order they were made.
 *
 * Held writes are kept here rather than corked in the socket, so the socket's `writableLength`
 * (a websocket's `bufferedAmount`) still measures only what the peer has not taken: the
 * slow-consumer guards cut readers that do not read, not connections whose frames wait for the
 * end of a window. A socket ended or destroyed while holding writes first releases them, as
 * immediate writes would have been before it; destroyed for an error, it fails them the way Node
 * fails the writes a destroyed socket still had buffered.
 */
export class HeldSocket implements Releasable {
  /** Run first at each release: hands over what the socket's user holds back meanwhile. */
  beforeRelease: (() => void) | undefined;
  /** Writes waiting for the end of the window, flat: chunk, encoding, callback. */
  private pending: unknown[] = [];
  /** The array of the previous window, reused for the next. */
  private spare: unknown[] = [];

  private constructor(
    private readonly socket: TcpSocket,
    private readonly write: WriteFn,
    private readonly coalescer: WriteCoalescer,
  ) {}

  /**
   * Routes `socket`'s writes through `coalescer` from now on, by replacing its `write`, `end` and
   * `destroy` with its own properties (Node and `ws` call them through the socket).
   */
  static attach(socket: TcpSocket, coalescer: WriteCoalescer): HeldSocket {
    const write = socket.write as WriteFn;
    const end = socket.end as EndFn;
    const destroy = socket.destroy as DestroyFn;
    const held = new HeldSocket(socket, write, coalescer);
    socket.write = function heldWrite(
      this: TcpSocket,
      chunk: unknown,
      encoding?: unknown,
      callback?: unknown,
    ) {
      // A closing socket refuses writes at once, as it always has.
      if (socket.destroyed || socket.writableEnded) return write.call(this, chunk, encoding, callback);
      held.add(chunk, encoding, callback);
      return true;
    } as TcpSocket['write'];
    socket.end = function releasedEnd(this: TcpSocket, ...args: unknown[]) {
      coalescer.releaseNow(held);
      return end.apply(this, args);
    } as TcpSocket['end'];
    socket.destroy = function releasedDestroy(this: TcpSocket, error?: Error) {
      if (error) {
        destroy.call(this, error);
        coalescer.releaseNow(held);
        return this;
      }
      coalescer.releaseNow(held);
      return destroy.call(this);
    };
    return held;
  }

  /** Writes held now (chunks, not bytes). */
  get size(): number {
    return this.pending.length / 3;
  }

  release(): void {
    this.beforeRelease?.();
    const pending = this.pending;
    if (pending.length === 0) return;
    this.pending = this.spare;
    const socket = this.socket;
    socket.cork();
    for (let i = 0; i < pending.length; i += 3)
      this.write.call(socket, pending[i], pending[i + 1], pending[i + 2]);
    socket.uncork();
    pending.length = 0;
    this.spare = pending;
  }

  private add(chunk: unknown, encoding: unknown, callback: unknown): void {
    if (this.pending.length === 0) this.coalescer.hold(this);
    this.pending.push(chunk, encoding, callback);
  }
}
