/**
 * What the fuzz suites found, pinned down case by case.
 *
 * 1. A Socket.IO binary attachment sent as a payload (a Buffer) was checked key by key: the schema
 *    enumerated its every byte as an unknown field. A 400 KB attachment took seconds of the event
 *    loop (every client waited) and answered a 17 MB ack, which cut the sender as a slow consumer.
 * 2. An object of tens of thousands of keys (a Socket.IO payload, an HTTP body, a `/ws` frame)
 *    was answered with one detail per key: a megabyte in took a second and answered megabytes.
 * 3. A field holding an object whose `length` cannot be compared (`{"length": {"toString": ""}}`)
 *    made zod's length checks throw a TypeError: 500 INTERNAL_ERROR on every transport.
 * 4. Zod counts a string's length in code points: text of emoji passed every limit at up to twice
 *    the documented length (limits count UTF-16 code units), and was stored.
 * 5. A malformed WebSocket handshake (not GET, no key, another version) was refused by `ws` only
 *    after the user had been admitted and joined to the room, with a bare text answer: see
 *    `malformedUpgrade` below and the `.failing` test in ./plain-ws.test.ts.
 */
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { ChatError } from '../../../shared/errors';
import { MAX_PAYLOAD_FIELDS, refuseUnboundedPayload } from '../../../shared/schemas/payload-guard';
import { malformedUpgrade } from '../../../server/realtime/plain-ws/handshake';
import { emitRaw, okData } from '../../helpers/events';
import type { ClientSocket, TestServer } from '../../helpers/server';
import { startFuzzServer, type FuzzServer } from './fuzz-server';

/** The one detail a refused unbounded payload carries. */
const wholePayload = {
  code: 'VALIDATION_ERROR',
  message: expect.stringMatching(/\S/),
  details: [{ field: '', reason: expect.stringMatching(/\S/) }],
};

const manyKeys = (n: number): Record<string, number> =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 0]));

describe('refuseUnboundedPayload', () => {
  it('leaves primitives, arrays and plain objects of up to MAX_PAYLOAD_FIELDS keys to the schema', () => {
    for (const value of [
      undefined,
      null,
      1,
      'x',
      [],
      [1, 2],
      {},
      manyKeys(MAX_PAYLOAD_FIELDS),
      Object.create(null),
    ]) {
      expect(() => refuseUnboundedPayload(value)).not.toThrow();
    }
    expect(() => refuseUnboundedPayload(JSON.parse('{"__proto__":{"a":1},"constructor":1}'))).not.toThrow();
  });

  it.each([
    ['a Buffer', Buffer.alloc(10)],
    ['a Uint8Array', new Uint8Array(4)],
    ['a Date', new Date()],
    ['a Map', new Map()],
    [`an object of ${MAX_PAYLOAD_FIELDS + 1} keys`, manyKeys(MAX_PAYLOAD_FIELDS + 1)],
  ])('refuses %s with one VALIDATION_ERROR detail for the whole payload', (_label, value) => {
    let thrown: unknown;
    try {
      refuseUnboundedPayload(value);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ChatError);
    expect((thrown as ChatError).toBody()).toEqual(wholePayload);
  });
});

describe('unbounded payloads on every transport', () => {
  let fuzz: FuzzServer;
  let server: TestServer;
  let token: string;
  let socket: ClientSocket;
  let roomId: string;

  beforeAll(async () => {
    fuzz = await startFuzzServer();
    server = fuzz.server;
    token = await server.token('alice', 'Alice');
    socket = await server.connect(token);
    roomId = okData(await socket.emitWithAck('room:create', { name: 'regressions' })).id;
  });

  afterAll(() => fuzz.close());

  it('answers a 400 KB binary attachment as a payload with a small ack and keeps the socket', async () => {
    const before = fuzz.state.contents();
    const ack = await emitRaw(socket, 'message:send', Buffer.alloc(400_000, 0x61));
    expect(ack).toEqual({ ok: false, error: wholePayload });
    expect(JSON.stringify(ack).length).toBeLessThan(1000);
    expect(socket.connected).toBe(true);
    okData(await socket.emitWithAck('room:get', { room_id: roomId }));
    fuzz.state.expectUnchangedSince(before, 'the attachment');
  });

  it('answers a payload of 50,000 keys with one detail, not one per key', async () => {
    const ack = await emitRaw(socket, 'room:join', { room_id: roomId, ...manyKeys(50_000) });
    expect(ack).toEqual({ ok: false, error: wholePayload });
    expect(socket.connected).toBe(true);
  });

  it('answers an HTTP body of many keys 400 with one detail', async () => {
    const res = await server.http('POST', '/api/rooms', { token, body: { name: 'x', ...manyKeys(50_000) } });
    expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: { error: wholePayload } });
  });

  it('answers a /ws frame of 50,000 keys with one error frame of one detail', async () => {
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/${roomId}`, ['bearer', token]);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const answer = new Promise<unknown>((resolve) =>
      ws.once('message', (data) => resolve(JSON.parse(String(data)))),
    );
    ws.send(JSON.stringify({ type: 'ping', request_id: 'big', ...manyKeys(50_000) }));
    expect(await answer).toEqual({ type: 'error', request_id: 'big', error: wholePayload });
    ws.terminate();
  });
});

describe('fields that are not what they claim to be, and text outside the BMP', () => {
  let fuzz: FuzzServer;
  let server: TestServer;
  let token: string;
  let socket: ClientSocket;
  let roomId: string;
  const lookalike = (): unknown => JSON.parse('{"length":{"toString":""}}');
  const refused = (field: string) => ({
    code: 'VALIDATION_ERROR',
    message: expect.stringMatching(/\S/),
    details: [{ field, reason: expect.stringMatching(/\S/) }],
  });

  beforeAll(async () => {
    fuzz = await startFuzzServer();
    server = fuzz.server;
    token = await server.token('alice', 'Alice');
    socket = await server.connect(token);
    roomId = okData(await socket.emitWithAck('room:create', { name: 'lookalikes' })).id;
  });

  afterAll(() => fuzz.close());

  it('answers a `length` that cannot be compared VALIDATION_ERROR on every transport', async () => {
    const before = fuzz.state.contents();
    expect(await emitRaw(socket, 'message:send', { room_id: roomId, content: lookalike() })).toEqual({
      ok: false,
      error: refused('content'),
    });
    expect(await emitRaw(socket, 'room:create', { name: 'x', invited_users: lookalike() })).toEqual({
      ok: false,
      error: refused('invited_users'),
    });
    const res = await server.http('POST', '/api/messages', {
      token,
      body: { room_id: roomId, content: 'hi', user_id: lookalike() },
    });
    expect({ status: res.status, body: res.body }).toEqual({
      status: 400,
      body: { error: refused('user_id') },
    });
    const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/${roomId}`, ['bearer', token]);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const answer = new Promise<unknown>((resolve) =>
      ws.once('message', (data) => resolve(JSON.parse(String(data)))),
    );
    ws.send(JSON.stringify({ type: 'typing', is_typing: true, username: lookalike() }));
    expect(await answer).toEqual({ type: 'error', error: refused('username') });
    ws.terminate();
    fuzz.state.expectUnchangedSince(before, 'a lookalike field');
  });

  it('counts limits in UTF-16 code units: 2,001 emoji are over the 4,000 of content, 51 over a name of 100', async () => {
    const before = fuzz.state.contents();
    const content = '😀'.repeat(2001);
    expect(await emitRaw(socket, 'message:send', { room_id: roomId, content })).toEqual({
      ok: false,
      error: refused('content'),
    });
    const res = await server.http('POST', '/api/rooms', { token, body: { name: '😀'.repeat(51) } });
    expect({ status: res.status, body: res.body }).toEqual({ status: 400, body: { error: refused('name') } });
    fuzz.state.expectUnchangedSince(before, 'text over its limit in code units');
    // Exactly at the limit, every pair complete, is accepted.
    okData(await socket.emitWithAck('room:create', { name: '😀'.repeat(50) }));
  });
});

describe('malformedUpgrade', () => {
  const request = (method: string, headers: Record<string, string>): IncomingMessage =>
    ({ method, headers }) as unknown as IncomingMessage;
  const good = {
    upgrade: 'websocket',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'sec-websocket-version': '13',
  };

  it('passes a handshake `ws` completes, with or without subprotocols', () => {
    expect(malformedUpgrade(request('GET', good))).toBeUndefined();
    expect(malformedUpgrade(request('GET', { ...good, upgrade: 'WebSocket' }))).toBeUndefined();
    expect(
      malformedUpgrade(request('GET', { ...good, 'sec-websocket-protocol': 'bearer, a.b-c_d' })),
    ).toBeUndefined();
    expect(malformedUpgrade(request('GET', { ...good, 'sec-websocket-version': '8' }))).toBeUndefined();
  });

  it('answers another method NOT_FOUND, as the HTTP API answers a method a path does not have', () => {
    expect(malformedUpgrade(request('POST', good))).toMatchObject({ code: 'NOT_FOUND' });
  });

  it.each([
    ['no key', { 'sec-websocket-key': undefined }, 'sec-websocket-key'],
    ['a key of the wrong length', { 'sec-websocket-key': 'bm90IGEga2V5' }, 'sec-websocket-key'],
    ['another version', { 'sec-websocket-version': '12' }, 'sec-websocket-version'],
    ['no version', { 'sec-websocket-version': undefined }, 'sec-websocket-version'],
    ['another upgrade', { upgrade: 'h2c' }, 'upgrade'],
    ['a duplicated subprotocol', { 'sec-websocket-protocol': 'bearer, x, bearer' }, 'sec-websocket-protocol'],
    ['an empty subprotocol', { 'sec-websocket-protocol': 'bearer,,x' }, 'sec-websocket-protocol'],
    ['a subprotocol with a space', { 'sec-websocket-protocol': 'bearer, a b' }, 'sec-websocket-protocol'],
  ])('answers %s VALIDATION_ERROR naming the header', (_label, override, field) => {
    const headers = Object.fromEntries(
      Object.entries({ ...good, ...override }).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
    expect(malformedUpgrade(request('GET', headers))).toEqual({
      code: 'VALIDATION_ERROR',
      message: expect.stringMatching(/\S/),
      details: [{ field, reason: expect.stringMatching(/\S/) }],
    });
  });
});
