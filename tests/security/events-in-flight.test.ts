import type WebSocket from 'ws';
import type { Ack } from '../../shared/events';
import { startServer, type TestServer } from '../helpers/server';
import {
  eventPacket,
  openWebSocket,
  openWebSocketSession,
  tcpOf,
  textFrames,
  type RawWebSocketSession,
} from './engine-client';

/**
 * Security review, item 1 (the budget): every event of a socket used to run at once, however many
 * arrived together. Now a socket (or /ws connection) has at most MAX_EVENTS_IN_FLIGHT (32) client
 * events unanswered, queued sends and unknown events included; one more is answered RATE_LIMITED
 * at once, without running. The events here arrive in one TCP read, as one long-polling payload
 * would, so the server dispatches all of them before it answers any.
 */

const IN_FLIGHT = 32;
const TIMEOUT_MS = 5000;

let server: TestServer;
let token: string;
let roomId: string;
const open: WebSocket[] = [];

beforeEach(async () => {
  server = await startServer({
    // The sends and reads below are a burst within one socket's bound, not a rate test.
    env: { RATE_LIMIT_MESSAGES_PER_SECOND: '1000', RATE_LIMIT_READS_PER_SECOND: '1000' },
  });
  token = await server.token('mallory');
  const room = await server.http<{ id: string }>('POST', '/api/rooms', { token, body: { name: 'mine' } });
  roomId = room.body.id;
});

afterEach(async () => {
  for (const ws of open.splice(0)) ws.terminate();
  await server.close();
});

async function session(): Promise<RawWebSocketSession> {
  const s = await openWebSocketSession(server.url, token);
  open.push(s.ws);
  return s;
}

/** Resolves with the acks (by packet id) once `count` have arrived on the raw session. */
function acks(s: RawWebSocketSession, count: number): Promise<Map<number, Ack<unknown>>> {
  const seen = new Map<number, Ack<unknown>>();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${seen.size} of ${count} acks`)), TIMEOUT_MS);
    const onMessage = (data: WebSocket.RawData): void => {
      const match = /^43\/chat,(\d+)\[(.*)\]$/s.exec(data.toString());
      if (!match) return;
      seen.set(Number(match[1]), JSON.parse(match[2] ?? 'null') as Ack<unknown>);
      if (seen.size === count) {
        clearTimeout(timer);
        s.ws.off('message', onMessage);
        resolve(seen);
      }
    };
    s.ws.on('message', onMessage);
  });
}

function outcomes(answers: Map<number, Ack<unknown>>): string[] {
  return [...answers.entries()].sort(([a], [b]) => a - b).map(([, ack]) => (ack.ok ? 'ok' : ack.error.code));
}

const refusal = {
  ok: false,
  error: { code: 'RATE_LIMITED', message: expect.stringContaining('Too many requests in flight') },
};

describe('Socket.IO events in flight', () => {
  it('runs 32 events of a burst and refuses the rest at once with RATE_LIMITED', async () => {
    const s = await session();
    const answered = acks(s, 40);
    s.sendTogether(Array.from({ length: 40 }, (_, i) => eventPacket(i, 'room:get', { room_id: roomId })));
    const answers = await answered;
    expect(outcomes(answers)).toEqual([
      ...Array<string>(IN_FLIGHT).fill('ok'),
      ...Array<string>(40 - IN_FLIGHT).fill('RATE_LIMITED'),
    ]);
    expect(answers.get(39)).toEqual(refusal);
    // Once answered, they free their places.
    const next = acks(s, 1);
    s.send(eventPacket(40, 'room:get', { room_id: roomId }));
    expect(outcomes(await next)).toEqual(['ok']);
  });

  it('counts queued sends: 32 are stored in order, the rest refused without being stored', async () => {
    const s = await session();
    const answered = acks(s, 40);
    s.sendTogether(
      Array.from({ length: 40 }, (_, i) =>
        eventPacket(i, 'message:send', { room_id: roomId, content: `m${i}` }),
      ),
    );
    const answers = await answered;
    expect(outcomes(answers)).toEqual([
      ...Array<string>(IN_FLIGHT).fill('ok'),
      ...Array<string>(40 - IN_FLIGHT).fill('RATE_LIMITED'),
    ]);
    const history = await server.http<{ messages: { content: string; seq: number }[] }>(
      'GET',
      `/api/rooms/${roomId}/messages?limit=100`,
      { token },
    );
    expect(history.body.messages.map((m) => m.content)).toEqual(
      Array.from({ length: IN_FLIGHT }, (_, i) => `m${i}`),
    );
  });

  it('gives unknown events no way around the bound', async () => {
    const s = await session();
    const answered = acks(s, 36);
    s.sendTogether([
      ...Array.from({ length: IN_FLIGHT }, (_, i) => eventPacket(i, 'room:get', { room_id: roomId })),
      ...Array.from({ length: 4 }, (_, i) => eventPacket(IN_FLIGHT + i, 'no:such-event', {})),
    ]);
    const answers = await answered;
    expect(outcomes(answers).slice(IN_FLIGHT)).toEqual(Array<string>(4).fill('RATE_LIMITED'));
    // Within the bound, an unknown event is answered as such.
    const next = acks(s, 1);
    s.send(eventPacket(99, 'no:such-event', {}));
    expect(outcomes(await next)).toEqual(['VALIDATION_ERROR']);
  });
});

describe('plain /ws frames in flight', () => {
  it('answers 32 frames of a burst and refuses the rest at once, paired by request_id', async () => {
    const ws = await openWebSocket(`${server.url.replace(/^http/, 'ws')}/ws/${roomId}?token=${token}`);
    open.push(ws);
    const frames: Record<string, unknown>[] = [];
    const all = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${frames.length} answers`)), TIMEOUT_MS);
      ws.on('message', (data) => {
        frames.push(JSON.parse(data.toString()) as Record<string, unknown>);
        if (frames.length === 40) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    tcpOf(ws).write(
      textFrames(Array.from({ length: 40 }, (_, i) => JSON.stringify({ type: 'ping', request_id: `r${i}` }))),
    );
    await all;
    const byId = new Map(frames.map((f) => [f.request_id, f]));
    for (let i = 0; i < IN_FLIGHT; i += 1)
      expect(byId.get(`r${i}`)).toEqual({ type: 'pong', request_id: `r${i}` });
    for (let i = IN_FLIGHT; i < 40; i += 1) {
      expect(byId.get(`r${i}`)).toEqual({ type: 'error', request_id: `r${i}`, error: refusal.error });
    }
  });
});
