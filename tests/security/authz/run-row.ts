import { randomUUID } from 'node:crypto';
import { io, type Socket } from 'socket.io-client';
import { z } from 'zod';
import { ERROR_HTTP_STATUS, errorBodySchema, httpErrorSchema, type ErrorBody } from '../../../shared/errors';
import { emitRaw } from '../../helpers/events';
import { isTokenless, USER_OF, type ActorId } from './actors';
import type { Harness } from './harness';
import type { Operation } from './operations';
import { codeOf, type Outcome } from './outcomes';
import { PlainWsClient } from './plain-ws-client';
import type { Row } from './rows';
import type { Target } from './scenes';
import type { World } from './world';

/** What a request answered: success with its data, or an error. */
export type Observed = { ok: true; data: unknown } | { ok: false; error: ErrorBody };

const ackSchema = z.union([
  z.object({ ok: z.literal(true), data: z.unknown() }),
  z.object({ ok: z.literal(false), error: errorBodySchema }),
]);

/**
 * Runs one row for real and checks its answer: the outcome (and the field its error names), over
 * HTTP the status that goes with it, and for a success whatever the operation's `check` asks.
 */
export async function runRow(h: Harness, row: Row, world: World, target: Target): Promise<void> {
  const observed = await perform(h, row, target);
  expectOutcome(observed, row.expected);
  if (observed.ok && row.op.check && !isTokenless(row.actor)) {
    row.op.check(observed.data, { actor: row.actor, target, world });
  }
}

function expectOutcome(observed: Observed, expected: Outcome): void {
  const got = observed.ok ? 'ok' : observed.error.code;
  // On a mismatch, the whole answer: what the server said is the first thing to read.
  if (got !== codeOf(expected)) {
    throw new Error(`expected ${JSON.stringify(expected)}, got ${JSON.stringify(observed)}`);
  }
  if (typeof expected === 'object' && !observed.ok) {
    expect(observed.error.details?.map((d) => d.field)).toContain(expected.field);
  }
}

async function perform(h: Harness, row: Row, target: Target): Promise<Observed> {
  switch (row.transport) {
    case 'socket.io':
      return overSocket(h, row.op, row.actor, target);
    case 'http':
      return overHttp(h, row.op, row.actor, target);
    case 'ws':
      return overWs(h, row.op, row.actor, target);
  }
}

function tokenOf(h: Harness, actor: ActorId): string | undefined {
  return isTokenless(actor) ? h.bad[actor] : h.tokens[USER_OF[actor]];
}

async function overSocket(h: Harness, op: Operation, actor: ActorId, target: Target): Promise<Observed> {
  if (!op.socket) throw new Error(`${op.id} has no socket event`);
  const payload = op.socket.payload(target);
  if (!isTokenless(actor)) {
    return ackSchema.parse(await emitRaw(h.sockets[USER_OF[actor]], op.socket.event, payload));
  }
  // A tokenless actor's request is its handshake: it must never get a socket to emit on.
  const socket: Socket = io(`${h.server.url}/chat`, {
    auth: h.bad[actor] === undefined ? {} : { token: h.bad[actor] },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  } catch (err) {
    return { ok: false, error: connectError(err) };
  }
  try {
    return ackSchema.parse(await socket.timeout(3000).emitWithAck(op.socket.event, payload));
  } finally {
    socket.disconnect();
  }
}

/** The error a refused handshake carries: `err.message` is the code, `err.data` the error body. */
function connectError(err: unknown): ErrorBody {
  const parsed = z.object({ message: z.string(), data: errorBodySchema }).parse(err);
  expect(parsed.message).toBe(parsed.data.code);
  return parsed.data;
}

async function overHttp(h: Harness, op: Operation, actor: ActorId, target: Target): Promise<Observed> {
  if (!op.http) throw new Error(`${op.id} has no HTTP route`);
  const { route, params, query, body, status } = op.http;
  const [method = '', pattern = ''] = route.split(' ');
  const values = params?.(target) ?? {};
  const path = pattern.replace(/\{([a-z_]+)\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${op.id}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
  const search = query ? `?${new URLSearchParams(query(target)).toString()}` : '';
  const res = await h.server.http(method, `${path}${search}`, {
    token: tokenOf(h, actor),
    body: body?.(target),
  });
  if (res.status < 300) {
    expect(res.status).toBe(status);
    return { ok: true, data: res.body };
  }
  const { error } = httpErrorSchema.parse(res.body);
  expect([res.status, error.code]).toEqual([ERROR_HTTP_STATUS[error.code], error.code]);
  return { ok: false, error };
}

async function overWs(h: Harness, op: Operation, actor: ActorId, target: Target): Promise<Observed> {
  if (!op.ws) throw new Error(`${op.id} has no plain WebSocket call`);
  const opening = await PlainWsClient.open(h.server.url, target.roomId, tokenOf(h, actor));
  if (!('client' in opening)) {
    expect(opening.status).toBe(ERROR_HTTP_STATUS[opening.error.code]);
    return { ok: false, error: opening.error };
  }
  const { client } = opening;
  try {
    if (op.ws.kind === 'connect') {
      // Connecting is joining: what the room looks like to the user now.
      return { ok: true, data: await h.server.app.services.rooms.detail(target.roomId, target.self) };
    }
    const requestId = randomUUID();
    const frame = op.ws.frame(target);
    client.send({ ...frame, request_id: requestId });
    // A typing frame has no answer of its own on success: the room's typing_update answers it.
    const answer = await client.next(
      (f) =>
        ((f.type === 'ack' || f.type === 'error') && f.request_id === requestId) ||
        (frame.type === 'typing' &&
          f.type === 'typing_update' &&
          f.data.typing_users.some((u) => u.user_id === target.self)),
      `the answer to ${op.id}`,
    );
    if (answer.type === 'error') return { ok: false, error: answer.error };
    return { ok: true, data: 'data' in answer ? answer.data : undefined };
  } finally {
    client.close();
  }
}
