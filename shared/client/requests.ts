import type { Socket } from 'socket.io-client';
import { ChatError, ErrorCode } from '../errors';
import type {
  Ack,
  AckData,
  ClientEventName,
  ClientPayload,
  ClientToServerEvents,
  ServerToClientEvents,
} from '../events';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What socket.io-client rejects `emitWithAck` with (its own wording, not part of its types). */
const TIMED_OUT = 'operation has timed out';
const DISCONNECTED = 'socket has been disconnected';

/**
 * Emits a client event and resolves with its ack's data. An `{ ok: false }` ack rejects with the
 * server's error as a ChatError; no ack within `timeoutMs`, or a connection lost before the ack,
 * rejects with an INTERNAL_ERROR ChatError. Payloads are not checked here: the server validates them
 * and answers VALIDATION_ERROR with the field and the reason.
 */
export async function sendRequest<E extends ClientEventName>(
  socket: ChatSocket,
  event: E,
  payload: ClientPayload<E>,
  timeoutMs: number,
): Promise<AckData<E>> {
  let ack: Ack<AckData<E>>;
  try {
    ack = await emitWithAck(socket, event, payload, timeoutMs);
  } catch (error) {
    throw transportFailure(event, timeoutMs, error);
  }
  if (ack.ok) return ack.data;
  throw ChatError.fromBody(ack.error);
}

/**
 * socket.io-client's typed `emitWithAck` cannot resolve its parameter tuple for an event name that is
 * still generic, so this one call goes through the untyped socket; `ClientToServerEvents` (derived
 * from the same table as the server's validation) is what makes the ack `Ack<AckData<E>>`.
 */
function emitWithAck<E extends ClientEventName>(
  socket: ChatSocket,
  event: E,
  payload: ClientPayload<E>,
  timeoutMs: number,
): Promise<Ack<AckData<E>>> {
  const untyped = socket as unknown as Socket;
  return untyped.timeout(timeoutMs).emitWithAck(event, payload) as Promise<Ack<AckData<E>>>;
}

function transportFailure(event: string, timeoutMs: number, error: unknown): ChatError {
  const reason = error instanceof Error ? error.message : String(error);
  if (reason === TIMED_OUT) {
    return new ChatError(ErrorCode.INTERNAL_ERROR, `${event} timed out: no answer within ${timeoutMs} ms`);
  }
  if (reason === DISCONNECTED) {
    return new ChatError(
      ErrorCode.INTERNAL_ERROR,
      `${event}: the connection was lost before the server answered (it may or may not have been applied)`,
    );
  }
  return new ChatError(ErrorCode.INTERNAL_ERROR, `${event} failed: ${reason}`);
}
