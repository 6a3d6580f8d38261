import type { Socket } from 'socket.io-client';
import type { ErrorBody } from '../../shared/errors';
import type { Ack } from '../../shared/events';
import type { ServerEventName, ServerPayload } from '../../shared/events';
import type { ClientSocket, TestServer } from './server';

const DEFAULT_TIMEOUT_MS = 3000;

/**
 * Resolves with the next `event` (that matches `filter`) on `socket`; rejects after `timeoutMs`
 * with a message naming the event, so a missing broadcast fails fast and says what was missing.
 */
export function waitFor<E extends ServerEventName>(
  socket: ClientSocket,
  event: E,
  filter: (payload: ServerPayload<E>) => boolean = () => true,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<ServerPayload<E>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, listener as never);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    const listener = (payload: ServerPayload<E>): void => {
      if (!filter(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener as never);
      resolve(payload);
    };
    socket.on(event, listener as never);
  });
}

/** Records every `event` a socket receives, in order, until stopped. */
export function record<E extends ServerEventName>(socket: ClientSocket, event: E) {
  const seen: ServerPayload<E>[] = [];
  const listener = (payload: ServerPayload<E>): void => {
    seen.push(payload);
  };
  socket.on(event, listener as never);
  return { seen, stop: () => socket.off(event, listener as never) };
}

/** Resolves when the socket disconnects; rejects after `timeoutMs`. */
export function waitForDisconnect(socket: ClientSocket, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    if (socket.disconnected) return resolve('already disconnected');
    const timer = setTimeout(() => reject(new Error('timed out waiting for disconnect')), timeoutMs);
    socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

/**
 * Closes a client socket and resolves once the server has handled the disconnect. A client cannot
 * observe that moment itself, so this listens on the server-side socket; whatever the server
 * broadcasts because of the disconnect is queued before the answer to any request sent after this
 * resolves, which is what makes an ack round trip afterwards a barrier.
 */
export async function closeAndSettle(server: TestServer, socket: ClientSocket): Promise<void> {
  const serverSide = server.app.io.of('/chat').sockets.get(socket.id ?? '');
  if (!serverSide) throw new Error('the server has no socket with this id');
  const handled = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error('the server did not see the disconnect')),
      DEFAULT_TIMEOUT_MS,
    );
    serverSide.once('disconnect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  socket.disconnect();
  await handled;
}

/** The socket, untyped: for payloads and events the typed event map would not let a client send. */
export function raw(socket: ClientSocket): Socket {
  return socket as unknown as Socket;
}

/** Emits untyped with an ack; rejects when no ack arrives in time, so a missing answer fails the test. */
export function emitRaw(socket: ClientSocket, event: string, ...args: unknown[]): Promise<unknown> {
  return raw(socket)
    .timeout(DEFAULT_TIMEOUT_MS)
    .emitWithAck(event, ...args);
}

/** Unwraps a successful ack, failing the test with the error it carried otherwise. */
export function okData<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`expected ok ack, got ${JSON.stringify(ack.error)}`);
  return ack.data;
}

/** Unwraps an error ack, failing the test with the data it carried otherwise. */
export function errorOf<T>(ack: Ack<T>): ErrorBody {
  if (ack.ok) throw new Error(`expected an error ack, got ${JSON.stringify(ack.data)}`);
  return ack.error;
}
