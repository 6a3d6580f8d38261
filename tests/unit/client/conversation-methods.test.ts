import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server, type Socket as ServerSocket } from 'socket.io';
import { ChatError, clientEvents, type ClientEventName, type ErrorBody } from 'chat-service-contract';
import { createChatClient, type ChatClient } from 'chat-service-contract/client';
import * as ex from '../../../server/docs/examples';

const WAIT_MS = 5000;

/**
 * The typed client's methods for direct messages, mentions, search, pins and moderation, against a
 * stand-in `/chat` namespace that records what each event carried and answers with the contract's
 * examples (or an error): each method sends its own event with the payload as given and resolves
 * with the ack's data; a refusal rejects with the server's error; the new server events reach
 * listeners.
 */

interface Received {
  event: string;
  payload: unknown;
}

/** What the stand-in answers each event with: `{ ok: true, data }` or `{ ok: false, error }`. */
type Answer = { ok: true; data: unknown } | { ok: false; error: ErrorBody };

const ANSWERS: Partial<Record<ClientEventName, unknown>> = {
  'dm:open': ex.dmDetailExample,
  'mention:list': ex.mentionListExample,
  'message:search': ex.searchPageExample,
  'message:pin': ex.pinnedMessageExample,
  'message:unpin': ex.messageExample,
  'room:pins': ex.pinListExample,
  'member:role': { ...ex.moderationEventExample, action: 'promote', muted_until: null },
  'member:remove': { ...ex.moderationEventExample, action: 'remove', muted_until: null },
  'member:ban': { ...ex.moderationEventExample, action: 'ban', muted_until: null },
  'member:unban': { ...ex.moderationEventExample, action: 'unban', muted_until: null },
  'member:mute': ex.moderationEventExample,
  'member:unmute': { ...ex.moderationEventExample, action: 'unmute', muted_until: null },
};

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('typed client: conversation methods', () => {
  let http: HttpServer;
  let io: Server;
  let client: ChatClient;
  let serverSocket: ServerSocket;
  const received: Received[] = [];
  /** Answers that replace the examples for the next call of an event. */
  const refusals = new Map<string, ErrorBody>();

  beforeAll(async () => {
    http = createServer();
    io = new Server(http);
    const connected = new Promise<ServerSocket>((resolve) => io.of('/chat').on('connection', resolve));
    io.of('/chat').on('connection', (socket) => {
      socket.onAny((event: string, payload: unknown, ack: (answer: Answer) => void) => {
        received.push({ event, payload });
        const refusal = refusals.get(event);
        refusals.delete(event);
        if (refusal) ack({ ok: false, error: refusal });
        else ack({ ok: true, data: ANSWERS[event as ClientEventName] ?? {} });
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const { port } = http.address() as AddressInfo;
    client = createChatClient({ url: `http://127.0.0.1:${port}`, token: 'not-checked-here' });
    await within(new Promise<void>((resolve) => client.on('connected', resolve)), 'the client to connect');
    serverSocket = await within(connected, 'the server side of the connection');
  });

  afterAll(async () => {
    client.close();
    await io.close();
  });

  beforeEach(() => {
    received.length = 0;
  });

  const calls: [string, ClientEventName, (c: ChatClient) => Promise<unknown>, unknown][] = [
    ['openDirectMessage', 'dm:open', (c) => c.openDirectMessage({ user_id: 'bob' }), { user_id: 'bob' }],
    ['listMentions', 'mention:list', (c) => c.listMentions({ limit: 20 }), { limit: 20 }],
    [
      'searchMessages',
      'message:search',
      (c) => c.searchMessages({ q: 'deploy', room_id: ex.roomExample.id }),
      { q: 'deploy', room_id: ex.roomExample.id },
    ],
    ['pinMessage', 'message:pin', (c) => c.pinMessage({ message_id: 'm1' }), { message_id: 'm1' }],
    ['unpinMessage', 'message:unpin', (c) => c.unpinMessage({ message_id: 'm1' }), { message_id: 'm1' }],
    ['listPins', 'room:pins', (c) => c.listPins({ room_id: 'r1' }), { room_id: 'r1' }],
    [
      'setMemberRole',
      'member:role',
      (c) => c.setMemberRole({ room_id: 'r1', user_id: 'bob', role: 'moderator' }),
      { room_id: 'r1', user_id: 'bob', role: 'moderator' },
    ],
    [
      'removeMember',
      'member:remove',
      (c) => c.removeMember({ room_id: 'r1', user_id: 'bob' }),
      { room_id: 'r1', user_id: 'bob' },
    ],
    [
      'banUser',
      'member:ban',
      (c) => c.banUser({ room_id: 'r1', user_id: 'mallory' }),
      { room_id: 'r1', user_id: 'mallory' },
    ],
    [
      'unbanUser',
      'member:unban',
      (c) => c.unbanUser({ room_id: 'r1', user_id: 'mallory' }),
      { room_id: 'r1', user_id: 'mallory' },
    ],
    [
      'muteMember',
      'member:mute',
      (c) => c.muteMember({ room_id: 'r1', user_id: 'bob', duration_ms: 600_000 }),
      { room_id: 'r1', user_id: 'bob', duration_ms: 600_000 },
    ],
    [
      'unmuteMember',
      'member:unmute',
      (c) => c.unmuteMember({ room_id: 'r1', user_id: 'bob' }),
      { room_id: 'r1', user_id: 'bob' },
    ],
  ];

  it.each(calls)(
    '%s sends %s with its payload as given and resolves with the ack’s data',
    async (_name, event, call, payload) => {
      const data = await within(call(client), event);
      expect(received).toEqual([{ event, payload }]);
      expect(data).toEqual(ANSWERS[event]);
      // What the stand-in answered is what the contract acks the event with.
      expect(clientEvents[event].ack.safeParse(data).success).toBe(true);
    },
  );

  it('asks for the first page of mentions when given no payload', async () => {
    await within(client.listMentions(), 'mention:list');
    expect(received).toEqual([{ event: 'mention:list', payload: {} }]);
  });

  it('rejects with the server’s error as a ChatError: its code, message and details', async () => {
    refusals.set('dm:open', {
      code: 'VALIDATION_ERROR',
      message: 'Invalid field "user_id": cannot open a direct message with yourself',
      details: [{ field: 'user_id', reason: 'cannot open a direct message with yourself' }],
    });
    const error: unknown = await within(
      client.openDirectMessage({ user_id: 'me' }).then(
        () => undefined,
        (e: unknown) => e,
      ),
      'dm:open',
    );
    expect(error).toBeInstanceOf(ChatError);
    expect(error).toMatchObject({
      code: 'VALIDATION_ERROR',
      details: [{ field: 'user_id', reason: 'cannot open a direct message with yourself' }],
    });

    refusals.set('member:mute', {
      code: 'FORBIDDEN',
      message: 'only the owner can mute a moderator',
    });
    await expect(
      within(client.muteMember({ room_id: 'r1', user_id: 'carol', duration_ms: 1000 }), 'member:mute'),
    ).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'only the owner can mute a moderator' });
  });

  it('does not follow the direct message it opens (history() or follow() does)', async () => {
    const room = await within(client.openDirectMessage({ user_id: 'bob' }), 'dm:open');
    // `sync` refuses a room that is not followed.
    await expect(within(client.sync({ room_id: room.id }), 'sync')).rejects.toMatchObject({
      code: 'VALIDATION_ERROR',
      details: [{ field: 'room_id', reason: 'is not a followed room: follow it first' }],
    });
    expect(received.map((r) => r.event)).toEqual(['dm:open']);
  });

  it('hands mention:new and room:moderated to their listeners with the payload the server sent', async () => {
    const mention = new Promise((resolve) => client.on('mention:new', resolve));
    const moderated = new Promise((resolve) => client.on('room:moderated', resolve));
    serverSocket.emit('mention:new', ex.mentionExample);
    serverSocket.emit('room:moderated', ex.moderationEventExample);
    expect(await within(mention, 'mention:new')).toEqual(ex.mentionExample);
    expect(await within(moderated, 'room:moderated')).toEqual(ex.moderationEventExample);
  });
});
