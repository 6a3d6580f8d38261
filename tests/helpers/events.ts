import type { Ack } from '../../shared/events';
import type { ServerEventName, ServerPayload } from '../../shared/events';
import type { ClientSocket } from './server';

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

/** Unwraps a successful ack, failing the test with the error it carried otherwise. */
export function okData<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`expected ok ack, got ${JSON.stringify(ack.error)}`);
  return ack.data;
}
