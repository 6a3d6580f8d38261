/**
 * Item 6 of the security review: lone UTF-16 surrogates passed the length limits (4,000 of them
 * counted as 4,000 characters and came back as 12,000 U+FFFD), a token `name` of 64 of them became
 * a 192-character username, and two different `client_id`s read back identical. Every user string
 * and every token claim must now be well-formed Unicode.
 */
import { errorOf, okData } from '../helpers/events';
import { httpError, validationError } from '../helpers/errors';
import { createRoom } from '../helpers/fixtures';
import { startServer, TEST_SECRET, type ClientSocket, type TestServer } from '../helpers/server';
import { nowSeconds, tokenSigner } from '../helpers/tokens';

const LONE = '\uD800';
const sign = tokenSigner(TEST_SECRET);

let server: TestServer;
let alice: ClientSocket;
let aliceToken: string;
let roomId: string;

beforeAll(async () => {
  server = await startServer();
  aliceToken = await server.token('alice', 'Alice');
  alice = await server.connect(aliceToken);
  roomId = await createRoom(alice, 'unicode');
});

afterAll(async () => {
  await server.close();
});

describe('lone surrogates are refused with VALIDATION_ERROR', () => {
  it('in message content, over Socket.IO and HTTP, and nothing is stored', async () => {
    const ack = await alice.emitWithAck('message:send', { room_id: roomId, content: LONE.repeat(4000) });
    expect(errorOf(ack)).toEqual(validationError('content'));
    const viaHttp = await server.http('POST', '/api/messages', {
      token: aliceToken,
      body: { room_id: roomId, content: `hello ${LONE} world` },
    });
    expect(httpError(viaHttp)).toEqual([400, 'VALIDATION_ERROR']);
    expect(viaHttp.body).toEqual({ error: validationError('content') });
    const history = okData(await alice.emitWithAck('message:history', { room_id: roomId }));
    expect(history.messages).toEqual([]);
  });

  it('in a trailing high surrogate and a leading low one alike', async () => {
    for (const content of [`abc\uD83D`, `\uDE00abc`, `a\uDE00\uD83Db`]) {
      const ack = await alice.emitWithAck('message:send', { room_id: roomId, content });
      expect(errorOf(ack)).toEqual(validationError('content'));
    }
  });

  it('in client_id: two ids that would read back identical are both refused', async () => {
    for (const clientId of ['\uD800', '\uDBFF']) {
      const ack = await alice.emitWithAck('message:send', {
        room_id: roomId,
        content: 'hi',
        client_id: clientId,
      });
      expect(errorOf(ack)).toEqual(validationError('client_id'));
    }
  });

  it('in room names and descriptions, edits and emoji', async () => {
    expect(errorOf(await alice.emitWithAck('room:create', { name: `r${LONE}` }))).toEqual(
      validationError('name'),
    );
    expect(
      errorOf(await alice.emitWithAck('room:create', { name: 'fine', description: `d${LONE}` })),
    ).toEqual(validationError('description'));
    const sent = okData(await alice.emitWithAck('message:send', { room_id: roomId, content: 'to edit' }));
    expect(
      errorOf(await alice.emitWithAck('message:edit', { message_id: sent.id, content: `x${LONE}` })),
    ).toEqual(validationError('content'));
    expect(errorOf(await alice.emitWithAck('reaction:add', { message_id: sent.id, emoji: LONE }))).toEqual(
      validationError('emoji'),
    );
  });

  it('while well-formed text outside the BMP is accepted and stored as sent', async () => {
    // 2,000 emoji are 4,000 UTF-16 code units: exactly the content limit, every pair complete.
    const content = '😀'.repeat(2000);
    const sent = okData(await alice.emitWithAck('message:send', { room_id: roomId, content }));
    expect(sent.content).toBe(content);
    const stored = await server.http<{ content: string }>('GET', `/api/messages/${sent.id}`, {
      token: aliceToken,
    });
    expect(stored.body.content).toBe(content);
  });
});

describe('token claims must be well-formed too', () => {
  const badName = LONE.repeat(64);

  it('a name of lone surrogates is UNAUTHORIZED over Socket.IO and HTTP, never a mangled username', async () => {
    const token = await sign({ sub: 'mallory', name: badName, exp: nowSeconds() + 60 });
    await expect(server.connect(token)).rejects.toThrow('UNAUTHORIZED');
    const res = await server.http('GET', '/api/rooms', { token });
    expect(httpError(res)).toEqual([401, 'UNAUTHORIZED']);
  });

  it('a well-formed name with emoji is accepted as the username', async () => {
    const token = await sign({ sub: 'emoji_user', name: 'Zoë 🚀', exp: nowSeconds() + 60 });
    const socket = await server.connect(token);
    okData(await socket.emitWithAck('room:join', { room_id: roomId }));
    const sent = okData(await socket.emitWithAck('message:send', { room_id: roomId, content: 'hi' }));
    expect(sent.username).toBe('Zoë 🚀');
  });
});
