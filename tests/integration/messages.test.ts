import { okData, record, waitFor } from '../helpers/events';
import { createRoom } from '../helpers/fixtures';
import { startServer, type ClientSocket, type TestServer } from '../helpers/server';

describe('messages over Socket.IO and HTTP', () => {
  let server: TestServer;
  let aliceToken: string;
  let bobToken: string;
  let alice: ClientSocket;
  let bob: ClientSocket;
  let roomId: string;

  beforeEach(async () => {
    server = await startServer();
    aliceToken = await server.token('alice', 'Alice');
    bobToken = await server.token('bob', 'Bob');
    alice = await server.connect(aliceToken);
    bob = await server.connect(bobToken);
    roomId = await createRoom(alice, 'general', { joinedBy: [bob] });
  });

  afterEach(() => server.close());

  it('sends a message that every member socket receives as message:new', async () => {
    const aliceSecond = await server.connect(aliceToken);
    const arrivals = Promise.all([
      waitFor(bob, 'message:new'),
      waitFor(aliceSecond, 'message:new'),
      waitFor(alice, 'message:new'),
    ]);
    const sent = okData(await alice.emitWithAck('message:send', { room_id: roomId, content: '  hello  ' }));
    expect(sent).toMatchObject({
      room_id: roomId,
      seq: 1,
      user_id: 'alice',
      username: 'Alice',
      content: 'hello',
      message_type: 'text',
      parent_id: null,
      reply_count: 0,
      reactions: [],
      client_id: null,
      edited_at: null,
      deleted: false,
    });
    expect(new Date(sent.timestamp).toISOString()).toBe(sent.timestamp);
    for (const received of await arrivals) expect(received).toEqual(sent);
  });

  it('delivers a message sent over HTTP to sockets as message:new', async () => {
    const arrival = waitFor(bob, 'message:new');
    const res = await server.http('POST', '/api/messages', {
      token: aliceToken,
      body: { room_id: roomId, content: 'from a bot', user_id: 'alice', username: 'ignored' },
    });
    expect(res.status).toBe(201);
    expect(await arrival).toEqual(res.body);
    expect(res.body).toMatchObject({ username: 'Alice', content: 'from a bot' });
  });

  it('stores one message and broadcasts once for a repeated client_id', async () => {
    const seen = record(bob, 'message:new');
    const first = okData(
      await alice.emitWithAck('message:send', { room_id: roomId, content: 'once', client_id: 'c-1' }),
    );
    const again = okData(
      await alice.emitWithAck('message:send', { room_id: roomId, content: 'once', client_id: 'c-1' }),
    );
    const overHttp = await server.http('POST', '/api/messages', {
      token: aliceToken,
      body: { room_id: roomId, content: 'once', client_id: 'c-1' },
    });
    expect(again).toEqual(first);
    expect(overHttp.status).toBe(200);
    expect(overHttp.body).toEqual(first);
    // Socket.IO keeps order per connection: once the marker arrives, any duplicate would have too.
    const marker = waitFor(bob, 'message:new', (m) => m.content === 'marker');
    okData(await alice.emitWithAck('message:send', { room_id: roomId, content: 'marker' }));
    await marker;
    expect(seen.seen.map((m) => m.content)).toEqual(['once', 'marker']);
    const history = okData(await bob.emitWithAck('message:history', { room_id: roomId }));
    expect(history.messages.map((m) => m.seq)).toEqual([1, 2]);
  });
});
