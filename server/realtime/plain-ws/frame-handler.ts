import type { RawData } from 'ws';
import { ChatError } from '../../../shared/errors';
import { refuseUnboundedPayload } from '../../../shared/schemas/payload-guard';
import {
  PlainWsCloseCode,
  plainWsRequestIdSchema,
  type PlainWsSchemas,
  type PlainWsServerFrame,
} from '../../../shared/schemas/plain-ws';
import { hasExpired, type Actor } from '../../domain/actor';
import { toWireError } from '../../domain/errors';
import type { Services } from '../../domain/services';
import type { Logger } from '../../logger';
import type { EventObserver } from '../event-handler';
import { InFlightGate } from '../in-flight';
import type { PlainWsConnection } from './connection';

export interface FrameDeps {
  services: Services;
  schemas: PlainWsSchemas;
  logger: Logger;
  observer: EventObserver;
  /** Frames one connection may have unanswered (queued included); more are refused at once. */
  eventsInFlight: number;
}

type ClientFrame = ReturnType<PlainWsSchemas['clientFrame']['parse']>;

/** The metrics `event` label of frames that were not valid enough to have a type. */
const INVALID_FRAME = 'ws:invalid';

/** Frame types as the metrics `event` label; anything else is counted as INVALID_FRAME. */
const FRAME_TYPES: ReadonlySet<string> = new Set(['ping', 'typing', 'message']);

/**
 * Answers a connection's frames one at a time, in order, so answers come back in the order the
 * frames were sent. A frame that fails (invalid JSON, unknown type, a refused send) gets an error
 * frame; nothing a client sends closes the connection or escapes as an exception. A frame beyond
 * the connection's bound of frames in flight is refused at once (RATE_LIMITED) without being run.
 */
export function serveFrames(connection: PlainWsConnection, deps: FrameDeps): void {
  const gate = new InFlightGate(deps.eventsInFlight);
  let queue = Promise.resolve();
  connection.ws.on('message', (data, isBinary) => {
    if (!gate.enter()) {
      refuse(connection, data, isBinary, gate, deps);
      return;
    }
    queue = queue
      .then(() => handleFrame(connection, data, isBinary, deps))
      .catch((err: unknown) => {
        deps.logger.error('plain websocket frame failed', { user_id: connection.actor.id, err });
      })
      .finally(() => gate.leave());
  });
}

/** The RATE_LIMITED answer to a frame beyond the bound, paired with its `request_id` when it has one. */
function refuse(
  connection: PlainWsConnection,
  data: RawData,
  isBinary: boolean,
  gate: InFlightGate,
  deps: FrameDeps,
): void {
  let json: unknown;
  try {
    json = parseFrame(data, isBinary);
  } catch {
    json = undefined;
  }
  const type = typeof json === 'object' && json !== null ? Reflect.get(json, 'type') : undefined;
  const event = typeof type === 'string' && FRAME_TYPES.has(type) ? `ws:${type}` : INVALID_FRAME;
  connection.send({ type: 'error', request_id: requestIdOf(json), error: gate.refusal().toBody() });
  deps.observer.eventHandled(event, 'RATE_LIMITED', 0);
}

async function handleFrame(
  connection: PlainWsConnection,
  data: RawData,
  isBinary: boolean,
  deps: FrameDeps,
): Promise<void> {
  const { actor } = connection;
  const started = performance.now();
  let event = INVALID_FRAME;
  let requestId: string | undefined;
  try {
    if (hasExpired(actor)) {
      connection.close(PlainWsCloseCode.UNAUTHORIZED, 'token expired');
      deps.observer.eventHandled(event, 'UNAUTHORIZED', seconds(started));
      return;
    }
    const json = parseFrame(data, isBinary);
    requestId = requestIdOf(json);
    // Thousands of unknown keys are refused whole, not reported one by one.
    refuseUnboundedPayload(json);
    const frame = deps.schemas.clientFrame.parse(json);
    event = `ws:${frame.type}`;
    const reply = await answer(connection, frame, deps.services);
    if (reply) connection.send(reply);
    deps.observer.eventHandled(event, 'ok', seconds(started));
  } catch (err) {
    const wire = toWireError(err);
    if (wire.unexpected) deps.logger.error('plain websocket frame failed', { event, user_id: actor.id, err });
    connection.send({ type: 'error', request_id: requestId, error: wire.body });
    deps.observer.eventHandled(event, wire.body.code, seconds(started));
  }
}

async function answer(
  connection: PlainWsConnection,
  frame: ClientFrame,
  services: Services,
): Promise<PlainWsServerFrame | undefined> {
  const { actor, roomId } = connection;
  switch (frame.type) {
    case 'ping':
      return { type: 'pong', request_id: frame.request_id };
    case 'typing':
      assertSameUser(frame.user_id, actor);
      // Answered by the `typing_update` broadcast (this connection gets it too), as in the seed.
      await services.typing.update(actor, { room_id: roomId, is_typing: frame.is_typing });
      return undefined;
    case 'message': {
      assertSameUser(frame.user_id, actor);
      const { message } = await services.messages.send(actor, {
        room_id: roomId,
        content: frame.content,
        message_type: frame.message_type,
        parent_id: frame.parent_id,
        client_id: frame.client_id,
      });
      return { type: 'ack', request_id: frame.request_id, data: message };
    }
  }
}

function parseFrame(data: RawData, isBinary: boolean): unknown {
  if (isBinary) {
    throw new ChatError('VALIDATION_ERROR', 'Frames must be JSON text', [
      { field: '', reason: 'binary frame' },
    ]);
  }
  try {
    return JSON.parse(textOf(data)) as unknown;
  } catch {
    throw new ChatError('VALIDATION_ERROR', 'Frame is not valid JSON', [
      { field: '', reason: 'malformed JSON' },
    ]);
  }
}

function textOf(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}

/** The frame's `request_id`, when it has a usable one, so even a refused frame's error is paired. */
function requestIdOf(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null || !('request_id' in json)) return undefined;
  const id = plainWsRequestIdSchema.safeParse(json.request_id);
  return id.success ? id.data : undefined;
}

/** As over HTTP: the seed's optional `user_id` may only repeat the token's subject. */
function assertSameUser(userId: string | undefined, actor: Actor): void {
  if (userId !== undefined && userId !== actor.id) {
    throw new ChatError('FORBIDDEN', 'user_id does not match the authenticated user', [
      { field: 'user_id', reason: 'must equal the token subject' },
    ]);
  }
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}
