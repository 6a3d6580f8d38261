import type { Message } from '../../shared/index';
import { validationError } from '../helpers/errors';
import { emitRaw, record, waitFor } from '../helpers/events';
import { startServer, type TestServer } from '../helpers/server';
import {
  calls,
  ok,
  perform,
  refusal,
  roundTrip,
  say,
  secondSocket,
  signIn,
  TRANSPORTS,
  type Transport,
  type User,
} from './conversation-calls';

/**
 * Mentions: `@user_id` in a text message names a room member (Message.mentions), tells them with
 * `mention:new` (on send, and on an edit for those it newly names), counts in their
 * `unread_mentions` until read, and lists in `mention:list` / `GET /api/mentions`.
 */
describe.each(TRANSPORTS)('mentions over %s', (transport: Transport) => {
  let server: TestServer;
  let u: Record<'alice' | 'bob' | 'carol' | 'dave' | 'j.doe', User>;
  let roomId: string;

  beforeEach(async () => {
    server = await startServer();
    u = await signIn(server, ['alice', 'bob', 'carol', 'dave', 'j.doe']);
    // alice owns a public room that bob, carol and j.doe joined; dave is not a member.
    roomId = await newRoom(u.alice, 'general', [u.bob, u.carol, u['j.doe']]);
  });

  afterEach(() => server.close());

  async function newRoom(owner: User, name: string, members: User[], isPrivate = false): Promise<string> {
    const ack = await owner.socket.emitWithAck('room:create', {
      name,
      is_private: isPrivate,
      invited_users: members.map((m) => m.id),
    });
    if (!ack.ok) throw new Error(JSON.stringify(ack.error));
    for (const m of members) ok(await perform(server, m, 'socket', calls.join(ack.data.id)));
    return ack.data.id;
  }

  /** Sends over this suite's transport. */
  const send = async (by: User, content: string, room = roomId): Promise<Message> =>
    ok(await perform(server, by, transport, calls.send(room, content)));
  const edit = async (by: User, id: string, content: string): Promise<Message> =>
    ok(await perform(server, by, transport, calls.edit(id, content)));

  describe('what counts as a mention', () => {
    it.each([
      [
        'two members, in order of first appearance, each once',
        'hi @carol and @bob, @carol again',
        ['carol', 'bob'],
      ],
      ['a non-member left out', '@dave @bob', ['bob']],
      ['an unknown id left out', '@nobody here', []],
      ['an @ inside a word (an e-mail address) is not a mention', 'write to x@bob or mail@carol.com', []],
      ['after punctuation that cannot be in an id', '(@bob) [@carol]!', ['bob', 'carol']],
      [
        'a trailing period, colon or hyphen trimmed when the full token is not a member',
        'thanks @bob. @carol: @j.doe-',
        ['bob', 'carol', 'j.doe'],
      ],
      ['an id with a dot kept whole', 'ask @j.doe.', ['j.doe']],
      ['the author mentioning themself', '@alice note to self', ['alice']],
      ['at the very start and the very end', '@bob ... @carol', ['bob', 'carol']],
    ])('%s', async (_label, content, expected) => {
      const m = await send(u.alice, content);
      expect(m.mentions).toEqual(expected);
      // The stored message says the same as the answer.
      const res = await server.http<Message>('GET', `/api/messages/${m.id}`, { token: u.bob.token });
      expect(res.body.mentions).toEqual(expected);
    });

    it('reads only text messages: an image URL naming @bob mentions nobody', async () => {
      const image = ok(
        await perform(server, u.alice, transport, {
          event: 'message:send',
          payload: { room_id: roomId, content: 'https://img.example/@bob.png', message_type: 'image' },
          http: {
            method: 'POST',
            path: '/api/messages',
            body: { room_id: roomId, content: 'https://img.example/@bob.png', message_type: 'image' },
          },
        }),
      );
      expect(image.mentions).toEqual([]);
    });

    it('records at most 50 mentions, the first ones', async () => {
      const crowd = Array.from({ length: 55 }, (_, i) => `m${String(i).padStart(2, '0')}`);
      const joined = await Promise.all(
        crowd.map(async (id) => {
          const token = await server.token(id);
          return server.http('POST', `/api/rooms/${roomId}/join`, { token });
        }),
      );
      expect(joined.every((r) => r.status === 200)).toBe(true);
      const m = await send(u.alice, crowd.map((id) => `@${id}`).join(' '));
      expect(m.mentions).toEqual(crowd.slice(0, 50));
    });
  });

  describe('mention:new', () => {
    it('reaches every socket of each mentioned user, and nobody else (not the author mentioning themself)', async () => {
      const bobSecond = await secondSocket(server, u.bob);
      const told = [u.alice, u.carol, u.dave, u['j.doe']].map((x) => record(x.socket, 'mention:new'));
      const toBob = [u.bob.socket, bobSecond].map((s) => waitFor(s, 'mention:new'));
      const m = await send(u.alice, '@bob look, and @alice too');
      for (const event of await Promise.all(toBob)) expect(event).toEqual(m);
      await Promise.all([u.alice, u.carol, u.dave, u['j.doe']].map((x) => roundTrip(x.socket)));
      expect(told.map((t) => t.seen)).toEqual([[], [], [], []]);
    });

    it('is sent for a reply that mentions', async () => {
      const parent = await say(u.bob, roomId, 'question');
      const toBobAgain = waitFor(u.bob.socket, 'mention:new', (x) => x.parent_id === parent.id);
      const threaded = await say(u.carol, roomId, '@bob in the thread', parent.id);
      expect(await toBobAgain).toEqual(threaded);
      expect(threaded.mentions).toEqual(['bob']);
    });

    it('on an edit, reaches only the users the edit newly mentions; the message’s mentions follow the edit', async () => {
      const m = await send(u.alice, 'hey @bob');
      await roundTrip(u.bob.socket);
      const bobTold = record(u.bob.socket, 'mention:new');
      const toCarol = waitFor(u.carol.socket, 'mention:new');
      const edited = await edit(u.alice, m.id, 'hey @bob and @carol');
      expect(edited.mentions).toEqual(['bob', 'carol']);
      expect(await toCarol).toEqual(edited);
      const dropped = await edit(u.alice, m.id, 'never mind @carol');
      expect(dropped.mentions).toEqual(['carol']);
      await roundTrip(u.bob.socket);
      await roundTrip(u.carol.socket);
      expect(bobTold.seen).toEqual([]);
      // bob named again by a later edit is newly mentioned by it.
      const toBob = waitFor(u.bob.socket, 'mention:new');
      const back = await edit(u.alice, m.id, '@bob is back');
      expect(back.mentions).toEqual(['bob']);
      expect((await toBob).id).toBe(m.id);
    });
  });

  describe('unread_mentions', () => {
    it('counts unread messages mentioning the reader in room:get and room:list, lowered by room:read, 0 for others', async () => {
      const first = await send(u.alice, '@bob one');
      await send(u.alice, 'no mention');
      const third = await send(u.carol, '@bob three @carol');
      const deleted = await send(u.alice, '@bob deleted later');
      ok(await perform(server, u.alice, transport, calls.remove_message(deleted.id)));

      const bobView = ok(await perform(server, u.bob, transport, calls.get(roomId)));
      expect(bobView.unread_mentions).toBe(2);
      const listed = ok(await perform(server, u.bob, transport, calls.list())).rooms.find(
        (r) => r.id === roomId,
      );
      expect(listed?.unread_mentions).toBe(2);
      expect(ok(await perform(server, u['j.doe'], transport, calls.get(roomId))).unread_mentions).toBe(0);
      expect(ok(await perform(server, u.dave, transport, calls.get(roomId))).unread_mentions).toBe(0);

      const afterFirst = ok(await perform(server, u.bob, transport, calls.read(roomId, first.seq)));
      expect(afterFirst).toEqual({
        room_id: roomId,
        last_read_seq: first.seq,
        unread_count: expect.any(Number),
        unread_mentions: 1,
      });
      const allRead = ok(await perform(server, u.bob, transport, calls.read(roomId, third.seq)));
      expect(allRead.unread_mentions).toBe(0);
      expect(ok(await perform(server, u.bob, transport, calls.get(roomId))).unread_mentions).toBe(0);
    });
  });

  describe('mention:list and GET /api/mentions', () => {
    const list = (by: User, page: { limit?: number; cursor?: string } = {}) =>
      perform(server, by, transport, calls.mentions(page));

    it('lists the caller’s mentions newest first, a page at a time', async () => {
      const sent: Message[] = [];
      for (let i = 1; i <= 5; i += 1) sent.push(await say(u.alice, roomId, `@bob number ${i}`));
      await say(u.alice, roomId, '@carol not for bob');
      const newestFirst = sent.map((m) => m.id).reverse();

      const all = ok(await list(u.bob));
      expect(all.messages.map((m) => m.id)).toEqual(newestFirst);
      expect(all.next_cursor).toBeNull();
      expect(all.messages[0]).toEqual(sent[4]);

      const seen: string[] = [];
      let cursor: string | undefined;
      for (const size of [2, 2, 1]) {
        const page = ok(await list(u.bob, { limit: 2, ...(cursor ? { cursor } : {}) }));
        expect(page.messages).toHaveLength(size);
        seen.push(...page.messages.map((m) => m.id));
        cursor = page.next_cursor ?? undefined;
      }
      expect(cursor).toBeUndefined();
      expect(seen).toEqual(newestFirst);
      expect(ok(await list(u.dave)).messages).toEqual([]);
    });

    it('leaves out deleted messages and rooms the caller has left', async () => {
      const other = await newRoom(u.carol, 'side', [u.bob], true);
      const kept = await say(u.alice, roomId, '@bob kept');
      const gone = await say(u.alice, roomId, '@bob deleted');
      const elsewhere = await say(u.carol, other, '@bob in the side room');
      expect(ok(await list(u.bob)).messages.map((m) => m.id)).toEqual([elsewhere.id, gone.id, kept.id]);

      ok(await perform(server, u.alice, transport, calls.remove_message(gone.id)));
      ok(await perform(server, u.bob, transport, calls.leave(other)));
      expect(ok(await list(u.bob)).messages.map((m) => m.id)).toEqual([kept.id]);
    });

    it('refuses a bad limit, cursor or unknown key with VALIDATION_ERROR', async () => {
      const bad: [string, Record<string, unknown>, string][] = [
        ['limit', { limit: 0 }, 'limit=0'],
        ['limit', { limit: 101 }, 'limit=101'],
        ['limit', { limit: 1.5 }, 'limit=abc'],
        ['cursor', { cursor: 'not a cursor' }, 'cursor=not%20a%20cursor'],
        ['before', { before: 'x' }, 'before=x'],
      ];
      for (const [field, payload, qs] of bad) {
        if (transport === 'socket') {
          expect([field, await emitRaw(u.bob.socket, 'mention:list', payload)]).toEqual([
            field,
            { ok: false, error: validationError(field) },
          ]);
        } else {
          const res = await server.http('GET', `/api/mentions?${qs}`, { token: u.bob.token });
          expect([field, res.status, res.body]).toEqual([field, 400, { error: validationError(field) }]);
        }
      }
      expect(refusal(await list(u.bob, { limit: 0 })).code).toBe('VALIDATION_ERROR');
    });
  });
});
