import type { HistoryPage, HttpError, Message, Reaction, ReactionsState } from '../../shared/index';
import { httpError, validationError } from '../helpers/errors';
import { errorOf, okData, record, waitFor } from '../helpers/events';
import { connectUsers, createRoom } from '../helpers/fixtures';
import { startServer, type ClientSocket, type TestServer } from '../helpers/server';

/**
 * Emoji reactions over Socket.IO (`reaction:add` / `reaction:remove`) and HTTP (`POST /api/reactions`,
 * `DELETE /api/messages/{id}/reactions/{emoji}`): emoji validation, one reaction per (user, message,
 * emoji), aggregation, `reaction:updated` broadcasts, reactions on every Message, visibility rules and
 * deleted messages.
 */

const ACCEPTED = ['👍', '👍🏽', '👨‍👩‍👧', '🇫🇷', ':party_parrot:'];
const REFUSED: [string, string][] = [
  ['plain text', 'abc'],
  ['two emoji', '👍👍'],
  ['a 40-char string', 'x'.repeat(40)],
  ['a 40-char short code', `:${'a'.repeat(38)}:`],
];

const emojiError = validationError('emoji');

const reactionPath = (messageId: string, emoji: string): string =>
  `/api/messages/${encodeURIComponent(messageId)}/reactions/${encodeURIComponent(emoji)}`;

describe('reactions', () => {
  let server: TestServer;
  let tokens: Record<string, string>;
  let sockets: Record<string, ClientSocket>;
  let roomId: string;
  let message: Message;

  beforeEach(async () => {
    server = await startServer();
    ({ tokens, sockets } = await connectUsers(server, ['alice', 'bob', 'carol', 'dave']));
    // alice owns a public room that bob and carol joined; dave is signed in but not a member.
    roomId = await createRoom(alice(), 'general', { joinedBy: [bob(), carol()] });
    message = okData(await alice().emitWithAck('message:send', { room_id: roomId, content: 'react to me' }));
  });

  afterEach(() => server.close());

  const socketOf = (id: string): ClientSocket => sockets[id] as ClientSocket;
  const tokenOf = (id: string): string => tokens[id] as string;
  const alice = () => socketOf('alice');
  const bob = () => socketOf('bob');
  const carol = () => socketOf('carol');
  const dave = () => socketOf('dave');

  async function addOverSocket(user: string, emoji: string, messageId = message.id): Promise<ReactionsState> {
    return okData(await socketOf(user).emitWithAck('reaction:add', { message_id: messageId, emoji }));
  }

  async function removeOverSocket(user: string, emoji: string): Promise<ReactionsState> {
    return okData(await socketOf(user).emitWithAck('reaction:remove', { message_id: message.id, emoji }));
  }

  async function addOverHttp(user: string, emoji: string): Promise<ReactionsState> {
    const res = await server.http<ReactionsState>('POST', '/api/reactions', {
      token: tokenOf(user),
      body: { message_id: message.id, emoji },
    });
    expect([res.status, emoji]).toEqual([200, emoji]);
    return res.body;
  }

  async function removeOverHttp(user: string, emoji: string): Promise<ReactionsState> {
    const res = await server.http<ReactionsState>('DELETE', reactionPath(message.id, emoji), {
      token: tokenOf(user),
    });
    expect([res.status, emoji]).toEqual([200, emoji]);
    return res.body;
  }

  async function getMessage(id = message.id): Promise<Message> {
    const res = await server.http<Message>('GET', `/api/messages/${id}`, { token: tokenOf('alice') });
    expect(res.status).toBe(200);
    return res.body;
  }

  /** The state with these reactions; each change's exact version is checked on its own below. */
  const state = (reactions: Reaction[]): ReactionsState => ({
    room_id: roomId,
    message_id: message.id,
    reactions,
    version: expect.any(Number) as number,
  });

  describe('emoji validation', () => {
    it('accepts 👍, 👍🏽, 👨‍👩‍👧, 🇫🇷 and :party_parrot: over both transports, stored exactly as sent', async () => {
      const expected: Reaction[] = [];
      for (const emoji of ACCEPTED) {
        expected.push({ emoji, count: 1, user_ids: ['bob'] });
        expect(await addOverSocket('bob', emoji)).toEqual(state(expected));
      }
      for (const [i, emoji] of ACCEPTED.entries()) {
        expected[i] = { emoji, count: 2, user_ids: ['bob', 'carol'] };
        expect(await addOverHttp('carol', emoji)).toEqual(state(expected));
      }
      expect((await getMessage()).reactions).toEqual(expected);

      // Removal names the emoji URL-encoded in the path (HTTP) or in the payload (socket).
      for (const [i, emoji] of ACCEPTED.entries()) {
        expected[i] = { emoji, count: 1, user_ids: ['bob'] };
        expect(await removeOverHttp('carol', emoji)).toEqual(state(expected));
      }
      for (const emoji of ACCEPTED) {
        expected.shift();
        expect(await removeOverSocket('bob', emoji)).toEqual(state(expected));
      }
      expect((await getMessage()).reactions).toEqual([]);
    });

    it('accepts a keycap and a short code of the longest length (32 characters)', async () => {
      const longest = `:${'a'.repeat(30)}:`;
      await addOverSocket('bob', '1️⃣');
      const res = await addOverHttp('bob', longest);
      expect(res.reactions.map((r) => r.emoji)).toEqual(['1️⃣', longest]);
    });

    it.each(REFUSED)(
      'refuses %s with VALIDATION_ERROR on emoji over every socket event and HTTP route',
      async (_label, emoji) => {
        const told = record(alice(), 'reaction:updated');
        for (const event of ['reaction:add', 'reaction:remove'] as const) {
          const ack = await bob().emitWithAck(event, { message_id: message.id, emoji });
          expect([event, errorOf(ack)]).toEqual([event, emojiError]);
        }
        const posted = await server.http<HttpError>('POST', '/api/reactions', {
          token: tokenOf('bob'),
          body: { message_id: message.id, emoji },
        });
        expect({ status: posted.status, body: posted.body }).toEqual({
          status: 400,
          body: { error: emojiError },
        });
        const deleted = await server.http<HttpError>('DELETE', reactionPath(message.id, emoji), {
          token: tokenOf('bob'),
        });
        expect({ status: deleted.status, body: deleted.body }).toEqual({
          status: 400,
          body: { error: emojiError },
        });

        expect((await getMessage()).reactions).toEqual([]);
        // Barrier: a valid reaction's broadcast arrives after any the refused ones could have caused.
        const marker = waitFor(alice(), 'reaction:updated');
        await addOverSocket('bob', '👍');
        await marker;
        expect(told.seen).toHaveLength(1);
      },
    );

    it('refuses an empty emoji and a short code with capitals or spaces', async () => {
      for (const emoji of ['', ':Party:', ':party parrot:', '::']) {
        const ack = await bob().emitWithAck('reaction:add', { message_id: message.id, emoji });
        expect([emoji, errorOf(ack)]).toEqual([emoji, emojiError]);
        const res = await server.http<HttpError>('POST', '/api/reactions', {
          token: tokenOf('bob'),
          body: { message_id: message.id, emoji },
        });
        expect([emoji, res.status, res.body.error]).toEqual([emoji, 400, emojiError]);
      }
      expect((await getMessage()).reactions).toEqual([]);
    });
  });

  describe('one reaction per user, message and emoji', () => {
    it('treats adding twice as a no-op over both transports: same state, count 1, one broadcast', async () => {
      const told = record(carol(), 'reaction:updated');
      const once = state([{ emoji: '👍', count: 1, user_ids: ['bob'] }]);
      expect(await addOverSocket('bob', '👍')).toEqual(once);
      expect(await addOverSocket('bob', '👍')).toEqual(once);
      expect(await addOverHttp('bob', '👍')).toEqual(once);
      expect((await getMessage()).reactions).toEqual(once.reactions);

      // Barrier: alice's reaction is broadcast after anything the repeats could have sent.
      const marker = waitFor(carol(), 'reaction:updated', (s) => s.reactions.length === 2);
      await addOverSocket('alice', '🎉');
      await marker;
      expect(told.seen.map((s) => s.reactions.map((r) => [r.emoji, r.count]))).toEqual([
        [['👍', 1]],
        [
          ['👍', 1],
          ['🎉', 1],
        ],
      ]);
    });

    it('gives each change the room’s next version, in the ack, the broadcast and the message; a no-op keeps it', async () => {
      const before = (await getMessage()).version;
      const told = waitFor(carol(), 'reaction:updated');
      const added = await addOverSocket('bob', '👍');
      expect(added.version).toBe(before + 1);
      expect((await told).version).toBe(added.version);
      expect((await addOverHttp('bob', '👍')).version).toBe(added.version);
      const removed = await removeOverHttp('bob', '👍');
      expect(removed.version).toBe(before + 2);
      expect((await removeOverSocket('bob', '👍')).version).toBe(removed.version);
      expect((await getMessage()).version).toBe(removed.version);
    });

    it('treats removing a reaction one does not have as a no-op over both transports, without a broadcast', async () => {
      const seenByCarol = waitFor(carol(), 'reaction:updated');
      await addOverSocket('alice', '👍');
      await seenByCarol;
      const told = record(carol(), 'reaction:updated');
      const current = state([{ emoji: '👍', count: 1, user_ids: ['alice'] }]);
      // bob never reacted with 👍 nor 🎉: nothing of alice's may be removed, nothing is broadcast.
      expect(await removeOverSocket('bob', '👍')).toEqual(current);
      expect(await removeOverHttp('bob', '👍')).toEqual(current);
      expect(await removeOverSocket('bob', '🎉')).toEqual(current);
      expect(await removeOverHttp('bob', '🎉')).toEqual(current);
      // Removing twice: the second is a no-op too.
      const empty = state([]);
      expect(await removeOverSocket('alice', '👍')).toEqual(empty);
      expect(await removeOverHttp('alice', '👍')).toEqual(empty);

      const marker = waitFor(carol(), 'reaction:updated', (s) => s.reactions.length === 1);
      await addOverSocket('bob', '🔥');
      await marker;
      expect(told.seen.map((s) => s.reactions)).toEqual([[], [{ emoji: '🔥', count: 1, user_ids: ['bob'] }]]);
    });
  });

  describe('aggregation', () => {
    it('counts users per emoji in order of first use, and drops an emoji whose count reaches 0', async () => {
      await addOverSocket('alice', '👍');
      await addOverHttp('bob', '🎉');
      await addOverSocket('carol', '👍');
      await addOverHttp('bob', '👍');
      const last = await addOverSocket('carol', ':party_parrot:');
      const all: Reaction[] = [
        { emoji: '👍', count: 3, user_ids: ['alice', 'carol', 'bob'] },
        { emoji: '🎉', count: 1, user_ids: ['bob'] },
        { emoji: ':party_parrot:', count: 1, user_ids: ['carol'] },
      ];
      expect(last).toEqual(state(all));

      // 👍 loses a user but stays; 🎉 reaches 0 and leaves the list.
      await removeOverHttp('carol', '👍');
      const afterRemoval = await removeOverSocket('bob', '🎉');
      expect(afterRemoval).toEqual(
        state([
          { emoji: '👍', count: 2, user_ids: ['alice', 'bob'] },
          { emoji: ':party_parrot:', count: 1, user_ids: ['carol'] },
        ]),
      );
      // An emoji that left the list and comes back is a new first use: it goes last.
      const final = state([
        { emoji: '👍', count: 2, user_ids: ['alice', 'bob'] },
        { emoji: ':party_parrot:', count: 1, user_ids: ['carol'] },
        { emoji: '🎉', count: 1, user_ids: ['alice'] },
      ]);
      expect(await addOverSocket('alice', '🎉')).toEqual(final);
      expect((await getMessage()).reactions).toEqual(final.reactions);
    });

    it('keeps an emoji in its place while it is still used, after its first user removes theirs', async () => {
      await addOverSocket('alice', '👍');
      await addOverSocket('bob', '🎉');
      await addOverSocket('carol', '👍');
      // 👍 was used first and never left the list: it stays first, with carol alone.
      expect(await removeOverSocket('alice', '👍')).toEqual(
        state([
          { emoji: '👍', count: 1, user_ids: ['carol'] },
          { emoji: '🎉', count: 1, user_ids: ['bob'] },
        ]),
      );
    });

    it('keeps reactions per message: reacting to one message leaves the others untouched', async () => {
      const other = okData(await bob().emitWithAck('message:send', { room_id: roomId, content: 'another' }));
      await addOverSocket('alice', '👍');
      const onOther = await addOverSocket('alice', '🎉', other.id);
      expect(onOther).toEqual({
        room_id: roomId,
        message_id: other.id,
        reactions: [{ emoji: '🎉', count: 1, user_ids: ['alice'] }],
        // message, other, the first reaction, this one.
        version: 4,
      });
      expect((await getMessage()).reactions).toEqual([{ emoji: '👍', count: 1, user_ids: ['alice'] }]);
    });
  });

  describe('bounded summaries', () => {
    it('lists the first 10 users of an emoji and counts them all, in acks, reaction:updated and history', async () => {
      const crowd = Array.from({ length: 12 }, (_, i) => `fan${i + 1}`);
      const crowdTokens = await Promise.all(crowd.map((user) => server.token(user)));
      const joins = await Promise.all(
        crowdTokens.map((token) => server.http('POST', `/api/rooms/${roomId}/join`, { token })),
      );
      expect(joins.map((res) => res.status)).toEqual(crowd.map(() => 200));
      // One after the other: user_ids lists the first to react.
      for (const [i, token] of crowdTokens.entries()) {
        const reacted = await server.http('POST', '/api/reactions', {
          token,
          body: { message_id: message.id, emoji: '👍' },
        });
        expect([crowd[i], reacted.status]).toEqual([crowd[i], 200]);
      }
      const told = waitFor(carol(), 'reaction:updated', (s) => s.reactions[0]?.count === 13);
      const ack = await addOverSocket('bob', '👍');
      expect(ack).toEqual(state([{ emoji: '👍', count: 13, user_ids: crowd.slice(0, 10) }]));
      expect(await told).toEqual(ack);
      const page = okData(await carol().emitWithAck('message:history', { room_id: roomId }));
      expect(page.messages.map((m) => m.reactions)).toEqual([ack.reactions]);
      expect((await getMessage()).reactions).toEqual(ack.reactions);
    });
  });

  describe('reaction:updated', () => {
    it('reaches every member socket of the room (the reactor’s other sockets too) for socket changes', async () => {
      const bobSecond = await server.connect(tokenOf('bob'));
      const receivers = [alice(), carol(), bob(), bobSecond];
      const added = Promise.all(receivers.map((s) => waitFor(s, 'reaction:updated')));
      const ack = await addOverSocket('bob', '👍');
      for (const event of await added) expect(event).toEqual(ack);

      const removed = Promise.all(receivers.map((s) => waitFor(s, 'reaction:updated')));
      const after = await removeOverSocket('bob', '👍');
      expect(after).toEqual(state([]));
      for (const event of await removed) expect(event).toEqual(after);
    });

    it('is broadcast for changes made over HTTP', async () => {
      const added = Promise.all([waitFor(alice(), 'reaction:updated'), waitFor(bob(), 'reaction:updated')]);
      const body = await addOverHttp('carol', '🇫🇷');
      expect(body).toEqual(state([{ emoji: '🇫🇷', count: 1, user_ids: ['carol'] }]));
      for (const event of await added) expect(event).toEqual(body);

      const removed = Promise.all([waitFor(alice(), 'reaction:updated'), waitFor(bob(), 'reaction:updated')]);
      expect(await removeOverHttp('carol', '🇫🇷')).toEqual(state([]));
      for (const event of await removed) expect(event).toEqual(state([]));
    });

    it('does not reach signed-in users who are not members of the room', async () => {
      const daveSees = record(dave(), 'reaction:updated');
      const marker = waitFor(carol(), 'reaction:updated');
      await addOverSocket('bob', '👍');
      await addOverHttp('bob', '🎉');
      await marker;
      // Barrier: dave's ack is sent after any broadcast the server could have addressed to him.
      okData(await dave().emitWithAck('room:list', {}));
      expect(daveSees.seen).toEqual([]);
    });
  });

  describe('every Message carries its reactions', () => {
    const expected: Reaction[] = [
      { emoji: '👍', count: 2, user_ids: ['bob', 'carol'] },
      { emoji: '👨‍👩‍👧', count: 1, user_ids: ['alice'] },
    ];

    beforeEach(async () => {
      await addOverSocket('bob', '👍');
      await addOverHttp('carol', '👍');
      await addOverSocket('alice', '👨‍👩‍👧');
    });

    it('in history over both transports and in GET /api/messages/{id}', async () => {
      const plain = okData(
        await bob().emitWithAck('message:send', { room_id: roomId, content: 'no reactions' }),
      );
      const page = okData(await carol().emitWithAck('message:history', { room_id: roomId }));
      expect(page.messages.map((m) => [m.id, m.reactions])).toEqual([
        [message.id, expected],
        [plain.id, []],
      ]);
      const overHttp = await server.http<HistoryPage>('GET', `/api/rooms/${roomId}/messages`, {
        token: tokenOf('carol'),
      });
      expect(overHttp.status).toBe(200);
      expect(overHttp.body.messages).toEqual(page.messages);
      // A non-member may read a public room, reactions included.
      const byNonMember = await server.http<Message>('GET', `/api/messages/${message.id}`, {
        token: tokenOf('dave'),
      });
      expect(byNonMember.status).toBe(200);
      expect(byNonMember.body.reactions).toEqual(expected);
    });

    it('in the edit’s ack and message:updated, and in message:updated for a new reply', async () => {
      const edited = waitFor(bob(), 'message:updated');
      const ack = okData(
        await alice().emitWithAck('message:edit', { message_id: message.id, content: 'edited' }),
      );
      expect(ack.reactions).toEqual(expected);
      expect(await edited).toEqual(ack);

      const replied = waitFor(bob(), 'message:updated');
      okData(
        await carol().emitWithAck('message:send', {
          room_id: roomId,
          content: 'reply',
          parent_id: message.id,
        }),
      );
      expect(await replied).toMatchObject({ id: message.id, reply_count: 1, reactions: expected });
    });

    it('and keeps them across a server restart', async () => {
      await server.close({ keepData: true });
      server = await startServer({ storage: server.storage });
      const res = await server.http<Message>('GET', `/api/messages/${message.id}`, {
        token: await server.token('alice', 'Alice'),
      });
      expect(res.status).toBe(200);
      expect(res.body.reactions).toEqual(expected);
    });
  });

  describe('membership and visibility', () => {
    it('refuses a signed-in non-member of a public room with FORBIDDEN over every path', async () => {
      await addOverSocket('alice', '👍');
      for (const event of ['reaction:add', 'reaction:remove'] as const) {
        const ack = await dave().emitWithAck(event, { message_id: message.id, emoji: '👍' });
        expect([event, errorOf(ack).code]).toEqual([event, 'FORBIDDEN']);
      }
      const posted = await server.http('POST', '/api/reactions', {
        token: tokenOf('dave'),
        body: { message_id: message.id, emoji: '👍' },
      });
      expect(httpError(posted)).toEqual([403, 'FORBIDDEN']);
      const deleted = await server.http('DELETE', reactionPath(message.id, '👍'), { token: tokenOf('dave') });
      expect(httpError(deleted)).toEqual([403, 'FORBIDDEN']);
      expect((await getMessage()).reactions).toEqual([{ emoji: '👍', count: 1, user_ids: ['alice'] }]);

      // After joining, the same calls succeed.
      okData(await dave().emitWithAck('room:join', { room_id: roomId }));
      expect((await addOverSocket('dave', '👍')).reactions).toEqual([
        { emoji: '👍', count: 2, user_ids: ['alice', 'dave'] },
      ]);
    });

    it('refuses a member who left the room with FORBIDDEN', async () => {
      await addOverSocket('bob', '👍');
      okData(await bob().emitWithAck('room:leave', { room_id: roomId }));
      expect(
        errorOf(await bob().emitWithAck('reaction:add', { message_id: message.id, emoji: '🎉' })).code,
      ).toBe('FORBIDDEN');
      const deleted = await server.http('DELETE', reactionPath(message.id, '👍'), { token: tokenOf('bob') });
      expect(httpError(deleted)).toEqual([403, 'FORBIDDEN']);
    });

    it('answers NOT_FOUND for a message of a private room the caller is not in, as for an unknown message', async () => {
      const secret = okData(
        await alice().emitWithAck('room:create', {
          name: 'secret',
          is_private: true,
          invited_users: ['bob'],
        }),
      );
      okData(await bob().emitWithAck('room:join', { room_id: secret.id }));
      const hidden = okData(
        await alice().emitWithAck('message:send', { room_id: secret.id, content: 'shh' }),
      );
      for (const messageId of [hidden.id, 'no-such-message']) {
        for (const event of ['reaction:add', 'reaction:remove'] as const) {
          const ack = await dave().emitWithAck(event, { message_id: messageId, emoji: '👍' });
          expect([event, messageId, errorOf(ack).code]).toEqual([event, messageId, 'NOT_FOUND']);
        }
        const posted = await server.http('POST', '/api/reactions', {
          token: tokenOf('dave'),
          body: { message_id: messageId, emoji: '👍' },
        });
        expect([messageId, ...httpError(posted)]).toEqual([messageId, 404, 'NOT_FOUND']);
        const deleted = await server.http('DELETE', reactionPath(messageId, '👍'), {
          token: tokenOf('dave'),
        });
        expect([messageId, ...httpError(deleted)]).toEqual([messageId, 404, 'NOT_FOUND']);
      }
      // The member who accepted the invite can react to it, and members of the private room are told.
      const told = waitFor(alice(), 'reaction:updated', (s) => s.message_id === hidden.id);
      const ack = await addOverSocket('bob', '👍', hidden.id);
      expect(await told).toEqual(ack);
      expect(ack).toEqual({
        room_id: secret.id,
        message_id: hidden.id,
        reactions: [{ emoji: '👍', count: 1, user_ids: ['bob'] }],
        version: hidden.version + 1,
      });
    });

    it('refuses a user_id in the HTTP body other than the token’s with FORBIDDEN, and accepts the same one', async () => {
      const other = await server.http('POST', '/api/reactions', {
        token: tokenOf('bob'),
        body: { message_id: message.id, emoji: '👍', user_id: 'carol' },
      });
      expect(httpError(other)).toEqual([403, 'FORBIDDEN']);
      expect((await getMessage()).reactions).toEqual([]);
      const same = await server.http<ReactionsState>('POST', '/api/reactions', {
        token: tokenOf('bob'),
        body: { message_id: message.id, emoji: '👍', user_id: 'bob' },
      });
      expect(same.status).toBe(200);
      expect(same.body).toEqual(state([{ emoji: '👍', count: 1, user_ids: ['bob'] }]));
    });
  });

  describe('deleted messages', () => {
    beforeEach(async () => {
      await addOverSocket('bob', '👍');
      await addOverHttp('carol', '🎉');
      okData(await alice().emitWithAck('message:delete', { message_id: message.id }));
    });

    it('clears the reactions of a deleted message (GET and history show none)', async () => {
      const got = await getMessage();
      expect(got).toMatchObject({ id: message.id, deleted: true, content: '', reactions: [] });
      const page = okData(await bob().emitWithAck('message:history', { room_id: roomId }));
      expect(page.messages.map((m) => [m.id, m.deleted, m.reactions])).toEqual([[message.id, true, []]]);
    });

    it('refuses a reaction to a deleted message with CONFLICT over both transports, without a broadcast', async () => {
      const told = record(carol(), 'reaction:updated');
      const ack = await bob().emitWithAck('reaction:add', { message_id: message.id, emoji: '🔥' });
      expect(errorOf(ack).code).toBe('CONFLICT');
      const res = await server.http('POST', '/api/reactions', {
        token: tokenOf('carol'),
        body: { message_id: message.id, emoji: '🔥' },
      });
      expect(httpError(res)).toEqual([409, 'CONFLICT']);
      expect((await getMessage()).reactions).toEqual([]);

      // Barrier: a reaction to another message is broadcast after anything the refusals could have sent.
      const other = okData(await bob().emitWithAck('message:send', { room_id: roomId, content: 'alive' }));
      const marker = waitFor(carol(), 'reaction:updated', (s) => s.message_id === other.id);
      await addOverSocket('bob', '🔥', other.id);
      await marker;
      expect(told.seen.map((s) => s.message_id)).toEqual([other.id]);
    });
  });
});

/**
 * The bounds on reactions, with small caps set through the environment: distinct emoji per user on
 * one message (MAX_REACTIONS_PER_USER) and per message (MAX_REACTIONS_PER_MESSAGE), refused with
 * RATE_LIMITED naming the emoji field and no retry hint (waiting does not lift a cap), and the
 * per-user `reaction` rate budget (default 10 a second) spent by adds and removes on both transports.
 */
describe('reaction bounds', () => {
  const PER_MESSAGE = 5;
  const PER_USER = 3;

  let server: TestServer;
  let tokens: Record<string, string>;
  let sockets: Record<string, ClientSocket>;
  let message: Message;

  beforeEach(async () => {
    server = await startServer({
      env: { MAX_REACTIONS_PER_MESSAGE: String(PER_MESSAGE), MAX_REACTIONS_PER_USER: String(PER_USER) },
    });
    ({ tokens, sockets } = await connectUsers(server, ['alice', 'bob', 'carol']));
    const roomId = await createRoom(socketOf('alice'), 'general', {
      joinedBy: [socketOf('bob'), socketOf('carol')],
    });
    message = okData(await socketOf('alice').emitWithAck('message:send', { room_id: roomId, content: 'hi' }));
  });

  afterEach(() => server.close());

  function socketOf(id: string): ClientSocket {
    return sockets[id] as ClientSocket;
  }

  const add = (user: string, emoji: string, messageId = message.id) =>
    socketOf(user).emitWithAck('reaction:add', { message_id: messageId, emoji });
  const remove = (user: string, emoji: string) =>
    socketOf(user).emitWithAck('reaction:remove', { message_id: message.id, emoji });
  const addOverHttp = (user: string, emoji: string) =>
    server.http<HttpError>('POST', '/api/reactions', {
      token: tokens[user] as string,
      body: { message_id: message.id, emoji },
    });
  const emojis = (s: ReactionsState): string[] => s.reactions.map((r) => r.emoji);

  /** RATE_LIMITED for a cap: names the emoji field and the cap, and carries no retry_after_ms. */
  const capError = (reason: string) => ({
    code: 'RATE_LIMITED',
    message: expect.stringContaining(reason.match(/\d+/)?.[0] ?? ''),
    details: [{ field: 'emoji', reason }],
  });

  async function expectHttpCapRefusal(user: string, emoji: string, reason: string): Promise<void> {
    const res = await addOverHttp(user, emoji);
    expect({ status: res.status, body: res.body }).toEqual({
      status: 429,
      body: { error: capError(reason) },
    });
    expect(res.headers.get('retry-after')).toBeNull();
  }

  it('refuses a user’s distinct emoji past the per-user cap over both transports, without a broadcast', async () => {
    const userCap = `at most ${PER_USER} distinct emoji per user on one message`;
    const told = record(socketOf('carol'), 'reaction:updated');
    for (const emoji of [':a:', ':b:', ':c:']) okData(await add('bob', emoji));
    expect(errorOf(await add('bob', ':d:'))).toEqual(capError(userCap));
    await expectHttpCapRefusal('bob', '👍', userCap);
    // Others may still add theirs; one of bob's own is still the usual no-op.
    expect(emojis(okData(await add('alice', ':d:')))).toEqual([':a:', ':b:', ':c:', ':d:']);
    expect(emojis(okData(await add('bob', ':a:')))).toEqual([':a:', ':b:', ':c:', ':d:']);

    // Removing one frees a place.
    okData(await remove('bob', ':a:'));
    const marker = waitFor(socketOf('carol'), 'reaction:updated', (s) =>
      s.reactions.some((r) => r.emoji === ':d:' && r.count === 2),
    );
    const last = okData(await add('bob', ':d:'));
    expect(last.reactions.filter((r) => r.user_ids.includes('bob')).map((r) => r.emoji)).toEqual([
      ':b:',
      ':c:',
      ':d:',
    ]);
    await marker;
    // Three adds, alice's, the removal and the last add: refusals and the repeat announced nothing.
    expect(told.seen).toHaveLength(6);
  });

  it('refuses a new emoji past the per-message cap, and still takes one already on the message', async () => {
    const messageCap = `at most ${PER_MESSAGE} distinct emoji per message`;
    for (const emoji of [':a:', ':b:', ':c:']) okData(await add('alice', emoji));
    for (const emoji of [':d:', ':e:']) okData(await add('bob', emoji));
    expect(errorOf(await add('carol', ':f:'))).toEqual(capError(messageCap));
    await expectHttpCapRefusal('carol', '🔥', messageCap);

    const joined = okData(await add('carol', ':a:'));
    expect(joined.reactions[0]).toEqual({ emoji: ':a:', count: 2, user_ids: ['alice', 'carol'] });
    // An emoji leaving the list makes room for a new one.
    okData(await remove('bob', ':e:'));
    expect(emojis(okData(await add('carol', ':f:')))).toEqual([':a:', ':b:', ':c:', ':d:', ':f:']);
  });

  it('spends the reaction budget on adds and removes over both transports, refusing the rest before any other check', async () => {
    const outcomes = await Promise.all(
      Array.from({ length: 12 }, async (_, i) => {
        if (i % 2 === 0) {
          const ack = await add('bob', '👍');
          return ack.ok ? null : ack.error;
        }
        const res = await server.http<HttpError>(
          'DELETE',
          `/api/messages/${encodeURIComponent(message.id)}/reactions/${encodeURIComponent('👍')}`,
          { token: tokens.bob as string },
        );
        return res.status === 200 ? null : res.body.error;
      }),
    );
    const refused = outcomes.filter((o) => o !== null);
    expect(outcomes.filter((o) => o === null)).toHaveLength(10);
    const rateLimited = {
      code: 'RATE_LIMITED',
      message: expect.stringMatching(/reactions/),
      retry_after_ms: expect.any(Number),
    };
    expect(refused).toEqual([rateLimited, rateLimited]);
    // Spent before anything else is looked at: even an unknown message answers RATE_LIMITED.
    expect(errorOf(await add('bob', '👍', 'no-such-message')).code).toBe('RATE_LIMITED');
    // Another user's budget is their own.
    okData(await add('carol', '👍'));
  });
});
