import { monotonicMs } from '../load/clock';
import type { Histogram } from '../load/histogram';
import { ackPayload } from '../load/socketio-protocol';
import type { AckedMessage } from './ipc';
import type { SendSpec, SoakClient } from './soak-client';
import type { Tally } from './tally';

/** What every action of a generator shares. */
export interface SoakWorld {
  tally: Tally;
  /** Every acknowledged message, for the history check at the end. */
  acked: AckedMessage[];
  /** Send-ack latencies: since the last `stats`, and over the whole run. */
  ackLatency: { interval: Histogram; total: Histogram };
  /** The latest message ids seen per room: what reactions go to. */
  recent: Map<string, string[]>;
  secret: string;
  origins: string[];
  lobbies: string[];
  /** The load has stopped: reconnect at once, no pause. */
  settling: boolean;
}

const RECENT_KEPT = 32;
const EMOJI = ['👍', '🎉', '🔥', ':wave:'];
/** How many times a reconnection is tried before the client waits for the next repair pass. */
const CONNECT_ATTEMPTS = 10;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function pick<T>(items: readonly T[]): T | undefined {
  return items[Math.floor(Math.random() * items.length)];
}

/** The `data` of an ok ack, parsed. */
function ackData(frame: Buffer): Record<string, unknown> {
  const payload = ackPayload(frame);
  const data =
    typeof payload === 'object' && payload !== null && 'data' in payload ? payload.data : undefined;
  return typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
}

export function remember(world: SoakWorld, roomId: string, messageId: string): void {
  let ids = world.recent.get(roomId);
  if (!ids) world.recent.set(roomId, (ids = []));
  ids.push(messageId);
  if (ids.length > RECENT_KEPT) ids.shift();
}

/**
 * `message:send` with a client_id. A send cut off by a closed connection (or unanswered) is kept
 * to be sent again, as a client unsure whether its send arrived does: the repeat must return the
 * stored message, never store a second one.
 */
export async function send(
  world: SoakWorld,
  c: SoakClient,
  spec: SendSpec,
  isResend: boolean,
): Promise<void> {
  const started = monotonicMs();
  const outcome = await c.request('message:send', {
    room_id: spec.roomId,
    content: spec.content,
    client_id: spec.clientId,
  });
  if (outcome.ok) {
    const data = ackData(outcome.frame);
    if (typeof data.id !== 'string') {
      world.tally.failed('message:send', 'UNREADABLE_ACK');
      return;
    }
    world.acked.push({ roomId: spec.roomId, id: data.id, userId: c.userId, clientId: spec.clientId });
    world.tally.succeeded(isResend ? 'message:send (resend)' : 'message:send');
    if (!isResend) {
      const ms = monotonicMs() - started;
      world.ackLatency.interval.record(ms);
      world.ackLatency.total.record(ms);
    }
    return;
  }
  // CLOSED is the churn's doing (or counted as an unsolicited disconnect): not an ack error.
  if (outcome.code !== 'CLOSED') world.tally.failed('message:send', outcome.code);
  if (outcome.code === 'CLOSED' || outcome.code === 'NO_ACK') c.unacked.push(spec);
}

/** A send to the home room, or now and then to the lobby the client is visiting. */
export function sendNew(world: SoakWorld, c: SoakClient): Promise<void> {
  const roomId = c.lobby && Math.random() < 0.2 ? c.lobby : c.home;
  return roomId ? send(world, c, c.nextSend(roomId), false) : Promise.resolve();
}

async function simple(world: SoakWorld, c: SoakClient, event: string, payload: unknown): Promise<boolean> {
  const outcome = await c.request(event, payload);
  if (outcome.ok) {
    world.tally.succeeded(event);
    return true;
  }
  if (outcome.code !== 'CLOSED') world.tally.failed(event, outcome.code);
  return false;
}

export async function typing(world: SoakWorld, c: SoakClient): Promise<void> {
  if (c.home) await simple(world, c, 'typing:update', { room_id: c.home, is_typing: Math.random() < 0.8 });
}

/** Adds or removes one of a few emoji on a recent message of the home room. */
export async function react(world: SoakWorld, c: SoakClient): Promise<void> {
  const messageId = c.home ? pick(world.recent.get(c.home) ?? []) : undefined;
  if (!messageId) {
    world.tally.skipped++;
    return;
  }
  const event = Math.random() < 0.7 ? 'reaction:add' : 'reaction:remove';
  await simple(world, c, event, { message_id: messageId, emoji: pick(EMOJI) });
}

/** `room:join`; the answer's last seq is where this client's view of the room starts. */
export async function join(
  world: SoakWorld,
  c: SoakClient,
  roomId: string,
  home: boolean,
): Promise<string | null> {
  const outcome = await c.request('room:join', { room_id: roomId });
  if (!outcome.ok) {
    if (outcome.code !== 'CLOSED') world.tally.failed('room:join', outcome.code);
    return outcome.code;
  }
  world.tally.succeeded('room:join');
  const last = ackData(outcome.frame).last_message_seq;
  c.seen(roomId, typeof last === 'number' ? last : 0);
  if (home) c.home = roomId;
  else c.lobby = roomId;
  return null;
}

/** Leaves the lobby the client is in, or joins one. */
export async function move(world: SoakWorld, c: SoakClient): Promise<void> {
  const lobby = c.lobby;
  if (lobby) {
    if (await simple(world, c, 'room:leave', { room_id: lobby })) {
      c.lobby = undefined;
      c.lastSeq.delete(lobby);
    }
    return;
  }
  const target = pick(world.lobbies);
  if (target) await join(world, c, target, false);
}

/**
 * `message:history { after_seq }` from the last seq the client saw, paging while `has_more`:
 * each page must continue exactly from where the previous one ended (seq has no gaps).
 */
export async function catchUp(world: SoakWorld, c: SoakClient, roomId: string): Promise<void> {
  let after = c.lastSeq.get(roomId) ?? 0;
  for (;;) {
    const outcome = await c.request('message:history', { room_id: roomId, after_seq: after, limit: 100 });
    if (!outcome.ok) {
      if (outcome.code !== 'CLOSED') world.tally.failed('message:history', outcome.code);
      return;
    }
    world.tally.succeeded('message:history');
    const data = ackData(outcome.frame);
    const messages = Array.isArray(data.messages) ? (data.messages as unknown[]) : [];
    const seqs = messages.map((m) =>
      typeof m === 'object' && m !== null && 'seq' in m && typeof m.seq === 'number' ? m.seq : -1,
    );
    world.tally.catchUp.pages++;
    world.tally.catchUp.messages += seqs.length;
    const broken = seqs.findIndex((seq, i) => seq !== after + 1 + i);
    if (broken !== -1) {
      world.tally.gap(`room ${roomId} after_seq ${after}: seqs ${seqs.slice(0, 5).join(',')}…`);
    }
    const last = seqs[seqs.length - 1];
    if (last === undefined || data.has_more !== true) {
      if (last !== undefined) c.seen(roomId, last);
      return;
    }
    after = last;
    c.seen(roomId, last);
  }
}

/**
 * Opens a new connection (to any node), sends again what a closed connection left unanswered,
 * then catches up on every member room. False when every attempt failed.
 */
export async function reopen(world: SoakWorld, c: SoakClient): Promise<boolean> {
  let opened = false;
  for (let attempt = 0; attempt < CONNECT_ATTEMPTS && !opened; attempt++) {
    c.origin = Math.floor(Math.random() * world.origins.length);
    try {
      await c.connect(world.origins[c.origin] ?? '', world.secret, 30_000);
      opened = true;
    } catch (err) {
      world.tally.connectFailed(err instanceof Error ? err.message : String(err));
      await sleep(1000);
    }
  }
  if (!opened) {
    c.needsReconnect = true;
    return false;
  }
  while (c.connected) {
    const spec = c.unacked.shift();
    if (!spec) break;
    await send(world, c, spec, true);
  }
  for (const roomId of c.rooms()) await catchUp(world, c, roomId);
  return true;
}

/**
 * Churn: the soak closes the connection (sometimes right after a send, whose ack is then lost),
 * waits a moment while the room moves on, and comes back.
 */
export async function churn(world: SoakWorld, c: SoakClient): Promise<void> {
  if (c.home && Math.random() < 0.3) {
    const pending = send(world, c, c.nextSend(c.home), false);
    c.close();
    await pending;
    world.tally.dropsMidSend++;
  } else {
    c.close();
  }
  world.tally.reconnects++;
  if (!world.settling) await sleep(200 + Math.random() * 2800);
  await reopen(world, c);
}
