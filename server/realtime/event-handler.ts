import type { z } from 'zod';
import type { Ack, AckData, ClientEventName, ClientEvents } from '../../shared/events';
import { ChatError } from '../../shared/errors';
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

/**
 * Binds handlers to a socket through one wrapper, so that none can skip what every event needs:
 * payload validation, the actor from the verified token, a place among the socket's requests in
 * flight, error mapping, and an answer through the ack when there is one, and the event's count
 * and duration. Nothing a client sends can throw out of a listener.
 */
export function bindEvents(
  socket: ChatSocket,
  events: ClientEvents,
  handlers: EventHandlers,
  logger: Logger,
  observer: EventObserver,
  guards: EventGuards,
): void {
  const context: BindContext = {
    socket,
    events,
    handlers,
    logger,
    observer,
    gate: new InFlightGate(guards.eventsInFlight),
  };
  for (const name of Object.keys(handlers) as ClientEventName[]) bindEvent(context, name);
  // Unknown events pass the same gate: a socket at its bound gets RATE_LIMITED for them too.
  // `onAny` runs as a packet is decoded, while Socket.IO dispatches events on the next tick: the
  // answer waits for that tick too, so every event meets the gate in the order it arrived.
  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && Object.hasOwn(handlers, event)) return;
    process.nextTick(() => {
      if (!socket.connected) return;
      const { ack } = splitArgs(args);
      if (refuseBeyondBound(context, UNKNOWN_EVENT, ack)) return;
      const started = performance.now();
      answer(context, UNKNOWN_EVENT, ack, {
        ok: false,
        error: { code: 'VALIDATION_ERROR', message: `Unknown event "${String(event)}"` },
      });
      context.gate.leave();
      observer.eventHandled(UNKNOWN_EVENT, 'VALIDATION_ERROR', seconds(started));
    });
  });
}

interface BindContext {
  socket: ChatSocket;
  events: ClientEvents;
  handlers: EventHandlers;
  logger: Logger;
  observer: EventObserver;
  gate: InFlightGate;
}

function bindEvent<E extends ClientEventName>(context: BindContext, name: E): void {
  const { socket, logger, observer, gate } = context;
  const handler = context.handlers[name] as EventHandler<E>;
  const schema = context.events[name].payload;
  const actor = socket.data.actor;
  // One socket's sends are stored in the order it emitted them (a client that fires several
  // without awaiting expects their seqs in that order); other events may overlap.
  let previousSend: Promise<void> = Promise.resolve();
  /** Answers one event; never rejects. */
  const handle = async (payload: unknown, ack: AckFn | undefined): Promise<void> => {
    const started = performance.now();
    if (hasExpired(actor)) {
      // The expiry timer may not have fired yet (or cannot hold so long a delay): refuse here too.
      answer(context, name, ack, {
        ok: false,
        error: new ChatError('UNAUTHORIZED', 'token expired').toBody(),
      });
      socket.disconnect(true);
      observer.eventHandled(name, 'UNAUTHORIZED', seconds(started));
      return;
    }
    try {
      const data = await handler(actor, schema.parse(payload) as z.output<ClientEvents[E]['payload']>);
      answer(context, name, ack, { ok: true, data });
      observer.eventHandled(name, 'ok', seconds(started));
      logger.debug('event handled', { event: name, user_id: actor.id, ms: elapsed(started) });
    } catch (err) {
      const wire = toWireError(err);
      if (wire.unexpected) logger.error('event failed', { event: name, user_id: actor.id, err });
      else logger.debug('event refused', { event: name, user_id: actor.id, code: wire.body.code });
      answer(context, name, ack, { ok: false, error: wire.body });
      observer.eventHandled(name, wire.body.code, seconds(started));
    }
  };
  const listener = (...args: unknown[]): void => {
    const { payload, ack } = splitArgs(args);
    if (refuseBeyondBound(context, name, ack)) return;
    const run = (): Promise<void> => handle(payload, ack).finally(() => gate.leave());
    // A queued send holds its place in flight while it waits for the ones before it.
    if (name === 'message:send') previousSend = previousSend.then(run);
    else void run();
  };
  // The listener accepts anything a client may send (it validates), so it fits every event's signature.
  socket.on(name, listener as never);
}

/**
 * Takes a place in flight for an event; when the socket already has its bound of unanswered
 * events, answers RATE_LIMITED at once (the handler does not run) and returns true.
 */
function refuseBeyondBound(context: BindContext, event: string, ack: AckFn | undefined): boolean {
  if (context.gate.enter()) return false;
  answer(context, event, ack, { ok: false, error: context.gate.refusal().toBody() });
  context.observer.eventHandled(event, 'RATE_LIMITED', 0);
  return true;
}

/**
 * Sends an answer through the ack, if the client asked for one. The transport guard closes a
 * connection whose transport fails; this catch is the last line, so a throwing ack can never
 * reject a handler's promise (an unhandled rejection would end the process).
 */
function answer(context: BindContext, event: string, ack: AckFn | undefined, response: Ack<unknown>): void {
  try {
    ack?.(response);
  } catch (err) {
    context.logger.error('event answer failed', { event, user_id: context.socket.data.actor.id, err });
    dropSocket(context.socket);
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
