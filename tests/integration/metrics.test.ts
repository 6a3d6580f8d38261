import WebSocket from 'ws';
import type { Message } from '../../shared/index';
import { closeAndSettle, emitRaw, okData, waitFor } from '../helpers/events';
import { connectUsers, mintTokens } from '../helpers/fixtures';
import { startServer, type ClientSocket, type TestServer } from '../helpers/server';

/**
 * `/metrics`: Prometheus text for scrapers, without a token. Each series is read back after real
 * traffic and must have moved by exactly what that traffic did.
 */

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

type Labels = Record<string, string>;

interface Scrape {
  status: number;
  contentType: string | null;
  text: string;
  /** The value of the series `name` with exactly these labels; undefined when it is not exposed. */
  value(name: string, labels?: Labels): number | undefined;
}

function parseLabels(raw: string): Labels {
  const labels: Labels = {};
  for (const [, key, value] of raw.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
    if (key !== undefined && value !== undefined) labels[key] = value;
  }
  return labels;
}

function sameLabels(a: Labels, b: Labels): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

async function scrape(server: TestServer): Promise<Scrape> {
  const res = await fetch(`${server.url}/metrics`);
  const text = await res.text();
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    text,
    value: (name, labels = {}) => {
      for (const line of text.split('\n')) {
        const match = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
        if (match?.[1] === name && sameLabels(parseLabels(match[2] ?? ''), labels)) return Number(match[3]);
      }
      return undefined;
    },
  };
}

let server: TestServer;
let tokens: Record<'alice' | 'bob' | 'carol', string>;
let sockets: Record<'alice' | 'bob', ClientSocket>;
let roomId: string;

beforeEach(async () => {
  server = await startServer();
  const users = await connectUsers(server, ['alice', 'bob'] as const);
  sockets = users.sockets;
  tokens = { ...users.tokens, ...(await mintTokens(server, ['carol'] as const)) };
  roomId = okData(
    await sockets.alice.emitWithAck('room:create', { name: 'general', invited_users: ['bob', 'carol'] }),
  ).id;
  // Invitees are members once they accept (join); carol has no socket, so over HTTP.
  okData(await sockets.bob.emitWithAck('room:join', { room_id: roomId }));
  expect((await server.http('POST', `/api/rooms/${roomId}/join`, { token: tokens.carol })).status).toBe(200);
});

afterEach(() => server.close());

function send(socket: ClientSocket, content: string, clientId?: string): Promise<Message> {
  return socket
    .emitWithAck('message:send', { room_id: roomId, content, client_id: clientId })
    .then((ack) => okData(ack));
}

function postMessage(content: string, clientId?: string) {
  return server.http<Message>('POST', '/api/messages', {
    token: tokens.bob,
    body: { room_id: roomId, content, client_id: clientId },
  });
}

/** A plain WebSocket of carol in the room, resolved once open. */
function plainConnection(): Promise<WebSocket> {
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/${roomId}?token=${tokens.carol}`);
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** Sends a frame and resolves with the first frame of `type` that arrives next (broadcasts interleave). */
function frame(ws: WebSocket, text: string, type: string): Promise<{ type: string }> {
  return new Promise((resolve) => {
    const listener = (data: WebSocket.RawData): void => {
      const received = JSON.parse(String(data)) as { type: string };
      if (received.type !== type) return;
      ws.off('message', listener);
      resolve(received);
    };
    ws.on('message', listener);
    ws.send(text);
  });
}

describe('/metrics', () => {
  it('serves Prometheus text without a token, with the process metrics and every chat series declared', async () => {
    const { status, contentType, text } = await scrape(server);
    expect(status).toBe(200);
    expect(contentType).toBe(PROMETHEUS_TEXT);
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(text).toContain(`\n${name} `);
    }
    for (const [name, type] of [
      ['chat_connected_sockets', 'gauge'],
      ['chat_events_total', 'counter'],
      ['chat_event_duration_seconds', 'histogram'],
      ['http_request_duration_seconds', 'histogram'],
      ['chat_messages_stored_total', 'counter'],
      ['chat_connections_closed_total', 'counter'],
    ]) {
      expect(text).toContain(`# TYPE ${name} ${type}\n`);
    }
  });

  it('counts every new message once, over every transport, and no client_id repeat', async () => {
    expect((await scrape(server)).value('chat_messages_stored_total')).toBe(0);
    await send(sockets.alice, 'one');
    await send(sockets.alice, 'two', 'k-1');
    await send(sockets.alice, 'two again', 'k-1');
    expect((await postMessage('three', 'k-2')).status).toBe(201);
    expect((await postMessage('three again', 'k-2')).status).toBe(200);
    const ws = await plainConnection();
    expect(await frame(ws, JSON.stringify({ type: 'message', content: 'four' }), 'ack')).toMatchObject({
      data: { content: 'four' },
    });
    // Refused sends store nothing.
    expect(
      (await sockets.alice.emitWithAck('message:send', { room_id: 'no-such-room', content: 'x' })).ok,
    ).toBe(false);
    ws.close();

    expect((await scrape(server)).value('chat_messages_stored_total')).toBe(4);
  });

  it('counts and times Socket.IO events by name and outcome, the error code when refused', async () => {
    await send(sockets.alice, 'a');
    await send(sockets.bob, 'b');
    expect((await sockets.alice.emitWithAck('message:send', { room_id: 'nope', content: 'x' })).ok).toBe(
      false,
    );
    expect((await sockets.alice.emitWithAck('message:send', { room_id: roomId, content: ' ' })).ok).toBe(
      false,
    );
    await emitRaw(sockets.bob, 'no:such-event', {});

    const m = await scrape(server);
    expect(m.value('chat_events_total', { event: 'room:create', outcome: 'ok' })).toBe(1);
    expect(m.value('chat_events_total', { event: 'message:send', outcome: 'ok' })).toBe(2);
    expect(m.value('chat_events_total', { event: 'message:send', outcome: 'NOT_FOUND' })).toBe(1);
    expect(m.value('chat_events_total', { event: 'message:send', outcome: 'VALIDATION_ERROR' })).toBe(1);
    // An unknown name is counted under one fixed label, never under what the client sent.
    expect(m.value('chat_events_total', { event: 'unknown', outcome: 'VALIDATION_ERROR' })).toBe(1);
    expect(m.text).not.toContain('no:such-event');
    expect(m.value('chat_event_duration_seconds_count', { event: 'message:send' })).toBe(4);
    expect(m.value('chat_event_duration_seconds_sum', { event: 'message:send' })).toBeGreaterThan(0);
    expect(m.value('chat_event_duration_seconds_bucket', { event: 'message:send', le: '+Inf' })).toBe(4);
  });

  it('counts plain WebSocket frames as ws:<type> events', async () => {
    const ws = await plainConnection();
    expect(await frame(ws, JSON.stringify({ type: 'ping' }), 'pong')).toEqual({ type: 'pong' });
    expect(await frame(ws, 'not json', 'error')).toMatchObject({ error: { code: 'VALIDATION_ERROR' } });
    ws.close();
    const m = await scrape(server);
    expect(m.value('chat_events_total', { event: 'ws:ping', outcome: 'ok' })).toBe(1);
    expect(m.value('chat_events_total', { event: 'ws:invalid', outcome: 'VALIDATION_ERROR' })).toBe(1);
  });

  it('times HTTP requests by method, route pattern and status, never by raw URL', async () => {
    const get = (path: string) => server.http('GET', path, { token: tokens.alice });
    expect((await get(`/api/rooms/${roomId}`)).status).toBe(200);
    expect((await get(`/api/rooms/${roomId}`)).status).toBe(200);
    // Matched, then refused by the handler: still labelled with its route.
    expect((await get('/api/rooms/no-such-room')).status).toBe(404);
    expect((await postMessage('over http')).status).toBe(201);
    expect((await get('/no/such/path')).status).toBe(404);
    await scrape(server);

    const m = await scrape(server);
    const count = (method: string, route: string, status: string) =>
      m.value('http_request_duration_seconds_count', { method, route, status });
    expect(count('GET', '/api/rooms/:room_id', '200')).toBe(2);
    expect(count('GET', '/api/rooms/:room_id', '404')).toBe(1);
    expect(count('POST', '/api/messages', '201')).toBe(1);
    expect(count('GET', 'unmatched', '404')).toBe(1);
    expect(count('GET', '/metrics', '200')).toBe(1);
    expect(m.text).not.toContain(roomId);
    expect(m.text).not.toContain('no-such-room');
    expect(m.text).not.toContain('/no/such/path');
  });

  it('gauges live connections by transport', async () => {
    const gauge = async (transport: string) =>
      (await scrape(server)).value('chat_connected_sockets', { transport });
    expect(await gauge('socket.io')).toBe(2);
    expect(await gauge('websocket')).toBe(0);

    const online = waitFor(sockets.alice, 'presence:update', (u) => u.user_id === 'carol');
    const ws = await plainConnection();
    await online;
    expect(await gauge('websocket')).toBe(1);

    await closeAndSettle(server, sockets.bob);
    expect(await gauge('socket.io')).toBe(1);

    const offline = waitFor(sockets.alice, 'presence:update', (u) => u.user_id === 'carol');
    ws.close();
    await offline;
    expect(await gauge('websocket')).toBe(0);
  });

  it("keeps each app's series apart when one process runs several", async () => {
    const other = await startServer();
    try {
      await send(sockets.alice, 'only on the first');
      expect((await scrape(server)).value('chat_messages_stored_total')).toBe(1);
      const theirs = await scrape(other);
      expect(theirs.status).toBe(200);
      expect(theirs.value('chat_messages_stored_total')).toBe(0);
      expect(theirs.value('chat_connected_sockets', { transport: 'socket.io' })).toBe(0);
    } finally {
      await other.close();
    }
  });
});
