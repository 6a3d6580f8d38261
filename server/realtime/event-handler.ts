import type { z } from 'zod';
import type { Ack, AckData, ClientEventName, ClientEvents } from '../../shared/events';
import { ChatError } from '../../shared/errors';
import { hasExpired, type Actor } from '../domain/actor';
import { toWireError } from '../domain/errors';
import type { Logger } from '../logger';
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

/**
 * Binds handlers to a socket through one wrapper, so that none can skip what every event needs:
 * payload validation, the actor from the verified token, error mapping, and an answer through the
 * ack when there is one, and the event's count and duration. Nothing a client sends can throw out
 * of a listener.
 */
export function bindEvents(
  socket: ChatSocket,
  events: ClientEvents,
  handlers: EventHandlers,
  logger: Logger,
  observer: EventObserver,
): void {
  for (const name of Object.keys(handlers) as ClientEventName[]) {
    bindEvent(socket, name, events, handlers, logger, observer);
  }
  socket.onAny((event: unknown, ...args: unknown[]) => {
    if (typeof event === 'string' && Object.hasOwn(handlers, event)) return;
    const started = performance.now();
    splitArgs(args).ack?.({
      ok: false,
      error: { code: 'VALIDATION_ERROR', message: `Unknown event "${String(event)}"` },
    });
    observer.eventHandled(UNKNOWN_EVENT, 'VALIDATION_ERROR', seconds(started));
  });
}

function bindEvent<E extends ClientEventName>(
  socket: ChatSocket,
  name: E,
  events: ClientEvents,
  handlers: EventHandlers,
  logger: Logger,
  observer: EventObserver,
): void {
  const handler = handlers[name] as EventHandler<E>;
  const schema = events[name].payload;
  const actor = socket.data.actor;
  // One socket's sends are stored in the order it emitted them (a client that fires several
  // without awaiting expects their seqs in that order); other events may overlap.
  let previousSend: Promise<void> = Promise.resolve();
  const handle = async (...args: unknown[]): Promise<void> => {
    const { payload, ack } = splitArgs(args);
    const started = performance.now();
    if (hasExpired(actor)) {
      // The expiry timer may not have fired yet (or cannot hold so long a delay): refuse here too.
      ack?.({ ok: false, error: new ChatError('UNAUTHORIZED', 'token expired').toBody() });
      socket.disconnect(true);
      observer.eventHandled(name, 'UNAUTHORIZED', seconds(started));
      return;
    }
    try {
      const data = await handler(actor, schema.parse(payload) as z.output<ClientEvents[E]['payload']>);
      ack?.({ ok: true, data });
      observer.eventHandled(name, 'ok', seconds(started));
      logger.debug('event handled', { event: name, user_id: actor.id, ms: elapsed(started) });
    } catch (err) {
      const wire = toWireError(err);
      if (wire.unexpected) logger.error('event failed', { event: name, user_id: actor.id, err });
      else logger.debug('event refused', { event: name, user_id: actor.id, code: wire.body.code });
      ack?.({ ok: false, error: wire.body });
      observer.eventHandled(name, wire.body.code, seconds(started));
    }
  };
  const listener =
    name === 'message:send'
      ? (...args: unknown[]): Promise<void> =>
          (previousSend = previousSend.then(() => handle(...args)).catch(() => undefined))
      : handle;
  // The listener accepts anything a client may send (it validates), so it fits every event's signature.
  socket.on(name, listener as never);
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
