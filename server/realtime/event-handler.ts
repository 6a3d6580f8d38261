import type { z } from 'zod';
import type { Ack, AckData, ClientEventName, ClientEvents } from '../../shared/events';
import { ChatError } from '../../shared/errors';
import { refuseUnboundedPayload } from '../../shared/schemas/payload-guard';
import { hasExpired, type Actor } from '../domain/actor';
import { toWireError } from '../domain/errors';
import type { Logger } from '../logger';
import { InFlightGate } from './in-flight';
import type { ChatSocket } from './types';

export type EventHandler<E extends ClientEventName> = (
  actor: Actor,
  payload: z.output<ClientEvents[E]['payload']>,
) => Promise<AckData<E>>;

export type EventHandlers = { [E in ClientEventName]?: EventHandler<E> };

type AckFn = (response: Ack<unknown>) => void;

/** The `event` label of names no handler answers: one value, so clients cannot grow the label set. */
export const UNKNOWN_EVENT = 'unknown';

/** What the wrapper reports about every event it answers (the metrics layer implements it). */
export interface EventObserver {
  /** `outcome` is "ok" or the error code answered. */
  eventHandled(event: string, outcome: string, seconds: number): void;
}

/** Per-socket bounds the wrapper enforces. */
export interface EventGuards {
  /** Client events one socket may have unanswered (queued sends included); more are refused at once. */
  eventsInFlight: number;
}

/** One socket's share of the binder: its place in flight and the chain that orders its sends. */
interface SocketEvents {
  gate: InFlightGate;
  /** One socket's sends are stored in the order it emitted them; other events may overlap. */
  previousSend: Promise<void>;
}

/** An event the binder answers, with what answering it needs. */
interface BoundEvent {
  name: ClientEventName;
  schema: z.ZodType;
  handler: (actor: Actor, payload: unknown) => Promise<unknown>;
}

/**
 * Makes the function that binds a socket's events, through one wrapper, so that none can skip what
 * every event needs: payload validation, the actor from the verified token, a place among the
 * socket's requests in flight, error mapping, an answer through the ack when there is one, and the
 * event's count and duration. Nothing a client sends can throw out of a listener.
 *
 * Every socket shares the same listeners (Socket.IO calls them with the socket as `this`) and keeps
 * only a small record of its own: closures made for every event of every socket would cost each
 * idle connection kilobytes.
 */
export function createEventBinder(
  events: ClientEvents,
  handlers: EventHandlers,
  logger: Logger,
  observer: EventObserver,
  guards: EventGuards,
): (socket: ChatSocket) => void {
  const states = new WeakMap<ChatSocket, SocketEvents>();
  const known = new Map<string, BoundEvent>();
  for (const name of Object.keys(handlers) as ClientEventName[]) {
    known.set(name, {
      name,
      schema: events[name].payload,
      handler: handlers[name] as (actor: Actor, payload: unknown) => Promise<unknown>,
    });
  }
  const shared: Shared = { logger, observer };

  /** Answers a known event; Socket.IO calls it on the tick after decoding, past socket middlewares. */
  const dispatch = (socket: ChatSocket, bound: BoundEvent, args: unknown[]): void => {
    const state = states.get(socket);
    if (!state) return;
    const { payload, ack } = splitArgs(args);
    if (refuseBeyondBound(shared, socket, state.gate, bound.name, ack)) return;
    const run = (): Promise<void> =>
      handle(shared, socket, bound, payload, ack).finally(() => state.gate.leave());
    // A queued send holds its place in flight while it waits for the ones before it.
    if (bound.name === 'message:send') state.previousSend = state.previousSend.then(run);
    else void run();
  };

  /** Unknown events pass the same gate: a socket at its bound gets RATE_LIMITED for them too. */
  const refuseUnknown = (socket: ChatSocket, event: unknown, args: unknown[]): void => {
    const state = states.get(socket);
    if (!state || !socket.connected) return;
    const { ack } = splitArgs(args);
    if (refuseBeyondBound(shared, socket, state.gate, UNKNOWN_EVENT, ack)) return;
    const started = performance.now();
    answer(shared, socket, UNKNOWN_EVENT, ack, {
      ok: false,
      error: { code: 'VALIDATION_ERROR', message: `Unknown event "${String(event)}"` },
    });
    state.gate.leave();
    observer.eventHandled(UNKNOWN_EVENT, 'VALIDATION_ERROR', seconds(started));
  };

  // One listener per event for every socket (Socket.IO calls it with the socket as `this`).
  const listeners = [...known.values()].map((bound) => ({
    name: bound.name,
    listener: function (this: ChatSocket, ...args: unknown[]): void {
      dispatch(this, bound, args);
    },
  }));
  // `onAny` runs as a packet is decoded, while Socket.IO dispatches events on the next tick: the
  // answer waits for that tick too, so every event meets the gate in the order it arrived.
  function onAnyEvent(this: ChatSocket, event: unknown, ...args: unknown[]): void {
    if (typeof event === 'string' && known.has(event)) return;
    process.nextTick(refuseUnknown, this, event, args);
  }

  return (socket) => {
    states.set(socket, { gate: new InFlightGate(guards.eventsInFlight), previousSend: Promise.resolve() });
    // The listener accepts anything a client may send (it validates), so it fits every event's signature.
    for (const { name, listener } of listeners) socket.on(name, listener as never);
    socket.onAny(onAnyEvent);
  };
}

/** What every socket's events share. */
interface Shared {
  logger: Logger;
  observer: EventObserver;
}

/** Answers one event; never rejects. */
async function handle(
  shared: Shared,
  socket: ChatSocket,
  bound: BoundEvent,
  payload: unknown,
  ack: AckFn | undefined,
): Promise<void> {
  const { logger, observer } = shared;
  const { name } = bound;
  const actor = socket.data.actor;
  const started = performance.now();
  if (hasExpired(actor)) {
    // The expiry timer may not have fired yet (or cannot hold so long a delay): refuse here too.
    answer(shared, socket, name, ack, {
      ok: false,
      error: new ChatError('UNAUTHORIZED', 'token expired').toBody(),
    });
    socket.disconnect(true);
    observer.eventHandled(name, 'UNAUTHORIZED', seconds(started));
    return;
  }
  try {
    // A binary attachment or an object of thousands of keys is refused before the schema reports
    // each of its keys one by one.
    refuseUnboundedPayload(payload);
    const data = await bound.handler(actor, bound.schema.parse(payload));
    answer(shared, socket, name, ack, { ok: true, data });
    observer.eventHandled(name, 'ok', seconds(started));
    // Checked first: winston builds and streams the entry before its level filter drops it.
    if (logger.isDebugEnabled()) {
      logger.debug('event handled', { event: name, user_id: actor.id, ms: elapsed(started) });
    }
  } catch (err) {
    const wire = toWireError(err);
    if (wire.unexpected) logger.error('event failed', { event: name, user_id: actor.id, err });
    else if (logger.isDebugEnabled()) {
      logger.debug('event refused', { event: name, user_id: actor.id, code: wire.body.code });
    }
    answer(shared, socket, name, ack, { ok: false, error: wire.body });
    observer.eventHandled(name, wire.body.code, seconds(started));
  }
}

/**
 * Takes a place in flight for an event; when the socket already has its bound of unanswered
 * events, answers RATE_LIMITED at once (the handler does not run) and returns true.
 */
function refuseBeyondBound(
  shared: Shared,
  socket: ChatSocket,
  gate: InFlightGate,
  event: string,
  ack: AckFn | undefined,
): boolean {
  if (gate.enter()) return false;
  answer(shared, socket, event, ack, { ok: false, error: gate.refusal().toBody() });
  shared.observer.eventHandled(event, 'RATE_LIMITED', 0);
  return true;
}

/**
 * Sends an answer through the ack, if the client asked for one. The transport guard closes a
 * connection whose transport fails; this catch is the last line, so a throwing ack can never
 * reject a handler's promise (an unhandled rejection would end the process).
 */
function answer(
  shared: Shared,
  socket: ChatSocket,
  event: string,
  ack: AckFn | undefined,
  response: Ack<unknown>,
): void {
  try {
    ack?.(response);
  } catch (err) {
    shared.logger.error('event answer failed', { event, user_id: socket.data.actor.id, err });
    dropSocket(socket);
  }
}

/** Disconnects a socket whose transport just failed; a second failure has nothing left to close. */
function dropSocket(socket: ChatSocket): void {
  try {
    socket.disconnect(true);
  } catch {
    // The connection is already unusable; the transport guard has counted and logged it.
  }
}

/** The ack, when a client sent one, is the last argument; the payload is the first. */
function splitArgs(args: unknown[]): { payload: unknown; ack: AckFn | undefined } {
  const last = args.at(-1);
  if (typeof last === 'function') {
    return { payload: args.length > 1 ? args[0] : undefined, ack: last as AckFn };
  }
  return { payload: args[0], ack: undefined };
}

function seconds(started: number): number {
  return (performance.now() - started) / 1000;
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
