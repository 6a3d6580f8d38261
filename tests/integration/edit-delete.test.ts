import type { HistoryPage, Message, MessageDeleted } from '../../shared/index';
import { httpError, validationError } from '../helpers/errors';
import { errorOf, okData, record, waitFor } from '../helpers/events';
import { connectUsers, createRoom } from '../helpers/fixtures';
import { startServer, type ClientSocket, type HttpResult, type TestServer } from '../helpers/server';

/**
 * Editing (`message:edit`, `PATCH /api/messages/{id}`) and deleting (`message:delete`,
 * `DELETE /api/messages/{id}`) messages: who may do what over both transports, validation of the new
 * content, the `message:updated` / `message:deleted` broadcasts, the tombstone a deletion leaves, and
 * threads whose parent was deleted.
 */

const contentError = validationError('content');

const isoTime = (value: string | null): boolean => value !== null && new Date(value).toISOString() === value;

describe('message edit and delete', () => {
  let server: TestServer;
  let tokens: Record<string, string>;
  let sockets: Record<string, ClientSocket>;
  let roomId: string;

  beforeEach(async () => {
    server = await startServer();
    ({ tokens, sockets } = await connectUsers(server, ['alice', 'bob', 'carol', 'dave']));
    // alice owns a public room; bob and carol are plain members; dave is signed in but not a member.
    roomId = await createRoom(alice(), 'general', { joinedBy: [bob(), carol()] });
  });

  afterEach(() => server.close());

  const socketOf = (id: string): ClientSocket => sockets[id] as ClientSocket;
  const tokenOf = (id: string): string => tokens[id] as string;
  const alice = () => socketOf('alice');
  const bob = () => socketOf('bob');
  const carol = () => socketOf('carol');
  const dave = () => socketOf('dave');

  async function send(
    user: string,
    content: string,
    extra: { parent_id?: string; message_type?: 'text' | 'image' | 'file'; room_id?: string } = {},
  ): Promise<Message> {
    return okData(await socketOf(user).emitWithAck('message:send', { room_id: roomId, content, ...extra }));
  }

  async function get(id: string, user = 'alice'): Promise<Message> {
    const res = await server.http<Message>('GET', `/api/messages/${id}`, { token: tokenOf(user) });
    expect(res.status).toBe(200);
    return res.body;
  }

  function patch(user: string, id: string, body: unknown): Promise<HttpResult<Message>> {
    return server.http<Message>('PATCH', `/api/messages/${id}`, { token: tokenOf(user), body });
  }

  function remove(user: string, id: string): Promise<HttpResult<unknown>> {
    return server.http('DELETE', `/api/messages/${id}`, { token: tokenOf(user) });
  }

  describe('edit', () => {
    it('lets the author edit over Socket.IO: content trimmed, edited_at set, message:updated to the room', async () => {
      const original = await send('bob', 'helo');
      const bobSecond = await server.connect(tokenOf('bob'));
      const receivers = [alice(), carol(), bob(), bobSecond];
      const updates = Promise.all(receivers.map((s) => waitFor(s, 'message:updated')));
      const edited = okData(
        await bob().emitWithAck('message:edit', { message_id: original.id, content: '  hello  ' }),
      );
      // The edit is the room's next change.
      expect(edited).toEqual({
        ...original,
        content: 'hello',
        edited_at: expect.any(String),
        version: original.version + 1,
      });
      expect(isoTime(edited.edited_at)).toBe(true);
      expect(Date.parse(edited.edited_at ?? '')).toBeGreaterThanOrEqual(Date.parse(original.timestamp));
      for (const update of await updates) expect(update).toEqual(edited);
      expect(await get(original.id, 'carol')).toEqual(edited);
      const page = okData(await carol().emitWithAck('message:history', { room_id: roomId }));
      expect(page.messages).toEqual([edited]);
    });

    it('lets the author edit over HTTP with PATCH (200 Message), broadcast to sockets as message:updated', async () => {
      const original = await send('bob', 'first draft');
      const update = waitFor(alice(), 'message:updated');
      const res = await patch('bob', original.id, { content: 'second draft' });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        ...original,
        content: 'second draft',
        edited_at: expect.any(String),
        version: original.version + 1,
      });
      expect(isoTime(res.body.edited_at)).toBe(true);
      expect(await update).toEqual(res.body);
      const overHttp = await server.http<HistoryPage>('GET', `/api/rooms/${roomId}/messages`, {
        token: tokenOf('carol'),
      });
      expect(overHttp.body.messages).toEqual([res.body]);

      // Editing again over the socket moves edited_at on and keeps everything else.
      const again = okData(
        await bob().emitWithAck('message:edit', { message_id: original.id, content: 'final' }),
      );
      expect(again).toMatchObject({ id: original.id, seq: original.seq, content: 'final' });
      expect(Date.parse(again.edited_at ?? '')).toBeGreaterThanOrEqual(Date.parse(res.body.edited_at ?? ''));
    });

    it('applies the send limits to the new content over both transports, leaving the message unchanged', async () => {
      const original = await send('bob', 'keep me');
      const told = record(alice(), 'message:updated');
      for (const content of ['', '   ', 'x'.repeat(4001)]) {
        const ack = await bob().emitWithAck('message:edit', { message_id: original.id, content });
        expect([content.length, errorOf(ack)]).toEqual([content.length, contentError]);
        const res = await patch('bob', original.id, { content });
        expect([content.length, res.status, res.body]).toEqual([
          content.length,
          400,
          { error: contentError },
        ]);
      }
      const missing = await patch('bob', original.id, {});
      expect(httpError(missing)).toEqual([400, 'VALIDATION_ERROR']);
      const unknownKey = await bob().emitWithAck('message:edit', {
        message_id: original.id,
        content: 'x',
        message_type: 'image',
      } as never);
      expect(errorOf(unknownKey).code).toBe('VALIDATION_ERROR');
      expect(await get(original.id)).toEqual(original);

      // The longest allowed content is accepted, and its broadcast is the only one.
      const longest = 'y'.repeat(4000);
      const marker = waitFor(alice(), 'message:updated');
      const edited = okData(
        await bob().emitWithAck('message:edit', { message_id: original.id, content: longest }),
      );
      expect(edited.content).toBe(longest);
      await marker;
      expect(told.seen.map((m) => m.content)).toEqual([longest]);
    });

    it('requires an http(s) URL for image and file messages over both transports', async () => {
      const image = await send('bob', 'https://example.com/cat.png', { message_type: 'image' });
      const file = await send('bob', 'http://example.com/report.pdf', { message_type: 'file' });
      for (const target of [image, file]) {
        for (const content of ['not a url', 'ftp://example.com/x', 'javascript:alert(1)']) {
          const ack = await bob().emitWithAck('message:edit', { message_id: target.id, content });
          expect([target.message_type, content, errorOf(ack)]).toEqual([
            target.message_type,
            content,
            contentError,
          ]);
          const res = await patch('bob', target.id, { content });
          expect([target.message_type, content, res.status, res.body]).toEqual([
            target.message_type,
            content,
            400,
            { error: contentError },
          ]);
        }
        expect(await get(target.id)).toEqual(target);
      }
      const newImage = okData(
        await bob().emitWithAck('message:edit', {
          message_id: image.id,
          content: 'https://example.com/dog.png',
        }),
      );
      expect(newImage).toMatchObject({ message_type: 'image', content: 'https://example.com/dog.png' });
      const newFile = await patch('bob', file.id, { content: 'https://example.com/report-v2.pdf' });
      expect(newFile.status).toBe(200);
      expect(newFile.body).toMatchObject({
        message_type: 'file',
        content: 'https://example.com/report-v2.pdf',
      });
      // A text message may say anything, URL or not.
      const text = await send('bob', 'https://example.com');
      expect(
        okData(await bob().emitWithAck('message:edit', { message_id: text.id, content: 'not a url' })),
      ).toMatchObject({ message_type: 'text', content: 'not a url' });
    });

    it('refuses any other member, the room owner included, with FORBIDDEN over both transports', async () => {
      const original = await send('bob', 'mine');
      const told = record(carol(), 'message:updated');
      for (const user of ['carol', 'alice']) {
        const ack = await socketOf(user).emitWithAck('message:edit', {
          message_id: original.id,
          content: 'hijacked',
        });
        expect([user, errorOf(ack).code]).toEqual([user, 'FORBIDDEN']);
        const res = await patch(user, original.id, { content: 'hijacked' });
        expect([user, ...httpError(res)]).toEqual([user, 403, 'FORBIDDEN']);
      }
      expect(await get(original.id)).toEqual(original);
      // Barrier: the author's own edit is broadcast after anything the refusals could have sent.
      const marker = waitFor(carol(), 'message:updated');
      okData(await bob().emitWithAck('message:edit', { message_id: original.id, content: 'still mine' }));
      await marker;
      expect(told.seen.map((m) => m.content)).toEqual(['still mine']);
    });

    it('refuses a non-member of a public room and an author who left it with FORBIDDEN', async () => {
      const original = await send('bob', 'before leaving');
      const ack = await dave().emitWithAck('message:edit', { message_id: original.id, content: 'x' });
      expect(errorOf(ack).code).toBe('FORBIDDEN');
      expect(httpError(await patch('dave', original.id, { content: 'x' }))).toEqual([403, 'FORBIDDEN']);

      okData(await bob().emitWithAck('room:leave', { room_id: roomId }));
      const left = await bob().emitWithAck('message:edit', { message_id: original.id, content: 'x' });
      expect(errorOf(left).code).toBe('FORBIDDEN');
      expect(httpError(await patch('bob', original.id, { content: 'x' }))).toEqual([403, 'FORBIDDEN']);
      expect(await get(original.id)).toEqual(original);
    });

    it('answers NOT_FOUND for a message of a private room the caller is not in, as for an unknown one', async () => {
      const secret = okData(await bob().emitWithAck('room:create', { name: 'secret', is_private: true }));
      const hidden = await send('bob', 'shh', { room_id: secret.id });
      for (const id of [hidden.id, 'no-such-message']) {
        const ack = await dave().emitWithAck('message:edit', { message_id: id, content: 'x' });
        expect([id, errorOf(ack).code]).toEqual([id, 'NOT_FOUND']);
        expect([id, ...httpError(await patch('dave', id, { content: 'x' }))]).toEqual([id, 404, 'NOT_FOUND']);
      }
      expect(await get(hidden.id, 'bob')).toEqual(hidden);
    });

    it('refuses editing a deleted message with CONFLICT over both transports', async () => {
      const original = await send('bob', 'soon gone');
      okData(await bob().emitWithAck('message:delete', { message_id: original.id }));
      const ack = await bob().emitWithAck('message:edit', { message_id: original.id, content: 'back!' });
      expect(errorOf(ack).code).toBe('CONFLICT');
      expect(httpError(await patch('bob', original.id, { content: 'back!' }))).toEqual([409, 'CONFLICT']);
      expect(await get(original.id)).toMatchObject({ content: '', deleted: true, edited_at: null });
    });
  });

  describe('delete', () => {
    /** The message's tombstone; the deletion takes a later version of the room's. */
    function tombstoneOf(message: Message): Message {
      return { ...message, content: '', deleted: true, reactions: [], version: expect.any(Number) as number };
    }

    it('lets the author delete over Socket.IO: ack {}, message:deleted to the room, tombstone in place', async () => {
      const before = await send('carol', 'before');
      const doomed = await send('bob', 'regret');
      const after = await send('carol', 'after');
      const bobSecond = await server.connect(tokenOf('bob'));
      const receivers = [alice(), carol(), bob(), bobSecond];
      const deletions = Promise.all(receivers.map((s) => waitFor(s, 'message:deleted')));
      expect(okData(await bob().emitWithAck('message:delete', { message_id: doomed.id }))).toEqual({});
      const tombstone = await get(doomed.id, 'carol');
      expect(tombstone).toEqual(tombstoneOf(doomed));
      // The deletion is the room's latest change: the version after `after`'s.
      expect(tombstone.version).toBe(after.version + 1);
      const expected: MessageDeleted = {
        room_id: roomId,
        message_id: doomed.id,
        seq: doomed.seq,
        version: tombstone.version,
      };
      for (const event of await deletions) expect(event).toEqual(expected);

      const page = okData(await carol().emitWithAck('message:history', { room_id: roomId }));
      expect(page.messages).toEqual([before, tombstone, after]);
      const overHttp = await server.http<HistoryPage>('GET', `/api/rooms/${roomId}/messages`, {
        token: tokenOf('dave'),
      });
      expect(overHttp.body.messages).toEqual(page.messages);
    });

    it('lets the author delete over HTTP (204, no body), announced by message:deleted', async () => {
      const doomed = await send('bob', 'oops');
      const deletion = waitFor(alice(), 'message:deleted');
      const res = await remove('bob', doomed.id);
      expect(res.status).toBe(204);
      expect(res.body).toBeUndefined();
      const tombstone = await get(doomed.id);
      expect(tombstone).toEqual(tombstoneOf(doomed));
      expect(await deletion).toEqual({
        room_id: roomId,
        message_id: doomed.id,
        seq: doomed.seq,
        version: tombstone.version,
      });
    });

    it('lets the room owner delete someone else’s message over both transports', async () => {
      const first = await send('bob', 'spam 1');
      const second = await send('carol', 'spam 2');
      const deletions = record(bob(), 'message:deleted');
      const bothSeen = waitFor(bob(), 'message:deleted', (d) => d.message_id === second.id);
      expect(okData(await alice().emitWithAck('message:delete', { message_id: first.id }))).toEqual({});
      expect((await remove('alice', second.id)).status).toBe(204);
      await bothSeen;
      expect(deletions.seen.map((d) => d.message_id)).toEqual([first.id, second.id]);
      expect(await get(first.id)).toEqual(tombstoneOf(first));
      expect(await get(second.id)).toEqual(tombstoneOf(second));
    });

    it('refuses another plain member with FORBIDDEN over both transports, without a broadcast', async () => {
      const target = await send('bob', 'not yours');
      const ownersMessage = await send('alice', 'not yours either');
      const told = record(alice(), 'message:deleted');
      for (const id of [target.id, ownersMessage.id]) {
        const ack = await carol().emitWithAck('message:delete', { message_id: id });
        expect([id, errorOf(ack).code]).toEqual([id, 'FORBIDDEN']);
        expect([id, ...httpError(await remove('carol', id))]).toEqual([id, 403, 'FORBIDDEN']);
      }
      expect(await get(target.id)).toEqual(target);
      expect(await get(ownersMessage.id)).toEqual(ownersMessage);
      // Barrier: a real deletion is broadcast after anything the refusals could have sent.
      const marker = waitFor(alice(), 'message:deleted');
      okData(await bob().emitWithAck('message:delete', { message_id: target.id }));
      await marker;
      expect(told.seen.map((d) => d.message_id)).toEqual([target.id]);
    });

    it('refuses a non-member of a public room, and an author who left it, with FORBIDDEN', async () => {
      const target = await send('bob', 'still here');
      expect(errorOf(await dave().emitWithAck('message:delete', { message_id: target.id })).code).toBe(
        'FORBIDDEN',
      );
      expect(httpError(await remove('dave', target.id))).toEqual([403, 'FORBIDDEN']);
      okData(await bob().emitWithAck('room:leave', { room_id: roomId }));
      expect(errorOf(await bob().emitWithAck('message:delete', { message_id: target.id })).code).toBe(
        'FORBIDDEN',
      );
      expect(httpError(await remove('bob', target.id))).toEqual([403, 'FORBIDDEN']);
      expect(await get(target.id)).toEqual(target);
    });

    it('answers NOT_FOUND for a message of a private room the caller is not in, as for an unknown one', async () => {
      const secret = okData(await bob().emitWithAck('room:create', { name: 'secret', is_private: true }));
      const hidden = await send('bob', 'shh', { room_id: secret.id });
      for (const id of [hidden.id, 'no-such-message']) {
        const ack = await dave().emitWithAck('message:delete', { message_id: id });
        expect([id, errorOf(ack).code]).toEqual([id, 'NOT_FOUND']);
        expect([id, ...httpError(await remove('dave', id))]).toEqual([id, 404, 'NOT_FOUND']);
      }
      expect(await get(hidden.id, 'bob')).toEqual(hidden);
    });

    it('treats deleting twice as a no-op over both transports: one message:deleted only', async () => {
      const doomed = await send('bob', 'twice');
      const told = record(carol(), 'message:deleted');
      const first = waitFor(carol(), 'message:deleted');
      okData(await bob().emitWithAck('message:delete', { message_id: doomed.id }));
      await first;
      expect(okData(await bob().emitWithAck('message:delete', { message_id: doomed.id }))).toEqual({});
      expect((await remove('bob', doomed.id)).status).toBe(204);
      expect(okData(await alice().emitWithAck('message:delete', { message_id: doomed.id }))).toEqual({});
      expect((await remove('alice', doomed.id)).status).toBe(204);
      expect(await get(doomed.id)).toEqual(tombstoneOf(doomed));

      // Barrier: a later message reaches carol after anything the repeats could have broadcast.
      const marker = waitFor(carol(), 'message:new', (m) => m.content === 'marker');
      await send('alice', 'marker');
      await marker;
      expect(told.seen).toEqual([
        { room_id: roomId, message_id: doomed.id, seq: doomed.seq, version: expect.any(Number) as number },
      ]);
    });

    it('keeps id, seq, parent_id and reply_count in the tombstone, and clears content and reactions', async () => {
      const root = await send('bob', 'root');
      const reply = await send('carol', 'reply 1', { parent_id: root.id });
      await send('alice', 'reply 2', { parent_id: root.id });
      okData(await alice().emitWithAck('reaction:add', { message_id: root.id, emoji: '👍' }));
      okData(await bob().emitWithAck('reaction:add', { message_id: reply.id, emoji: '🎉' }));
      const withReactions = await get(root.id);
      expect(withReactions).toMatchObject({ reply_count: 2, reactions: [{ emoji: '👍', count: 1 }] });

      okData(await bob().emitWithAck('message:delete', { message_id: root.id }));
      expect(await get(root.id)).toEqual({
        ...withReactions,
        content: '',
        deleted: true,
        reactions: [],
        // After the root's reaction: bob's reaction on the reply, then the deletion.
        version: withReactions.version + 2,
      });
      const deletedReply = await remove('carol', reply.id);
      expect(deletedReply.status).toBe(204);
      const replyTombstone = await get(reply.id);
      expect(replyTombstone).toMatchObject({
        id: reply.id,
        seq: reply.seq,
        parent_id: root.id,
        content: '',
        deleted: true,
        reactions: [],
      });
    });
  });

  describe('threads under a deleted parent', () => {
    let root: Message;
    let replies: Message[];

    beforeEach(async () => {
      root = await send('bob', 'question');
      replies = [await send('carol', 'answer 1', { parent_id: root.id })];
      replies.push(await send('alice', 'answer 2', { parent_id: root.id }));
      okData(await bob().emitWithAck('message:delete', { message_id: root.id }));
    });

    it('keeps the replies readable in the thread over both transports', async () => {
      const thread = okData(
        await carol().emitWithAck('message:history', { room_id: roomId, parent_id: root.id }),
      );
      expect(thread.messages).toEqual(replies);
      const overHttp = await server.http<HistoryPage>(
        'GET',
        `/api/rooms/${roomId}/messages?parent_id=${root.id}`,
        { token: tokenOf('carol') },
      );
      expect(overHttp.status).toBe(200);
      expect(overHttp.body.messages).toEqual(replies);
      const room = okData(await carol().emitWithAck('message:history', { room_id: roomId }));
      expect(room.messages.map((m) => [m.seq, m.deleted, m.content, m.parent_id])).toEqual([
        [1, true, '', null],
        [2, false, 'answer 1', root.id],
        [3, false, 'answer 2', root.id],
      ]);
    });

    it('accepts new replies over both transports, counted on the tombstone', async () => {
      const socketReply = await send('carol', 'late answer', { parent_id: root.id });
      expect(socketReply).toMatchObject({ parent_id: root.id, content: 'late answer', deleted: false });
      const httpReply = await server.http<Message>('POST', '/api/messages', {
        token: tokenOf('alice'),
        body: { room_id: roomId, content: 'later answer', parent_id: root.id },
      });
      expect(httpReply.status).toBe(201);
      expect(httpReply.body).toMatchObject({ parent_id: root.id, content: 'later answer' });
      // A reply to a reply is filed under the (deleted) root as well.
      const nested = await send('bob', 'nested', { parent_id: replies[0]?.id });
      expect(nested.parent_id).toBe(root.id);

      const thread = okData(
        await bob().emitWithAck('message:history', { room_id: roomId, parent_id: root.id }),
      );
      expect(thread.messages.map((m) => m.content)).toEqual([
        'answer 1',
        'answer 2',
        'late answer',
        'later answer',
        'nested',
      ]);
      expect(await get(root.id)).toMatchObject({ id: root.id, deleted: true, content: '', reply_count: 5 });
    });
  });
});
