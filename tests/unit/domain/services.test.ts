import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_LIMITS, type ServerEventName } from '../../../shared/index';
import type { DomainDeps } from '../../../server/domain/deps';
import type { Notifier } from '../../../server/domain/notifier';
import { createServices, type Services } from '../../../server/domain/services';
import { UserDirectory } from '../../../server/domain/user-directory';
import { LocalPresence } from '../../../server/ephemeral/local-presence';
import { LocalRateLimiter } from '../../../server/ephemeral/local-rate-limiter';
import { LocalTypingTracker } from '../../../server/ephemeral/local-typing';
import { SqliteStore } from '../../../server/store/sqlite/sqlite-store';

type Notice =
  | { kind: 'room'; roomId: string; event: ServerEventName; except: readonly string[] }
  | { kind: 'rooms'; roomIds: readonly string[]; event: ServerEventName }
  | { kind: 'users'; userIds: readonly string[]; event: ServerEventName }
  | { kind: 'join' | 'leave'; userIds: readonly string[]; roomId: string };

/** Records what the domain asks the transport to do; the store underneath is a real SQLite file. */
class RecordingNotifier implements Notifier {
  notices: Notice[] = [];
  toRoom(roomId: string, event: ServerEventName, _payload: unknown, except: readonly string[] = []): void {
    this.notices.push({ kind: 'room', roomId, event, except });
  }
  toRooms(roomIds: readonly string[], event: ServerEventName): void {
    this.notices.push({ kind: 'rooms', roomIds, event });
  }
  toUsers(userIds: readonly string[], event: ServerEventName): void {
    this.notices.push({ kind: 'users', userIds, event });
  }
  joinRoom(userIds: readonly string[], roomId: string): void {
    this.notices.push({ kind: 'join', userIds, roomId });
  }
  leaveRoom(userIds: readonly string[], roomId: string): void {
    this.notices.push({ kind: 'leave', userIds, roomId });
  }
}

describe('domain services (real SQLite store)', () => {
  let dir: string;
  let store: SqliteStore;
  let notifier: RecordingNotifier;
  let services: Services;
  let ids = 0;
  const alice = { id: 'alice', name: 'Alice' };
  const bob = { id: 'bob', name: 'Bob' };
  const carol = { id: 'carol', name: 'Carol' };

  let typing: LocalTypingTracker;
  let presence: LocalPresence;

  /** The domain's dependencies over this test's store and notifier. */
  const deps = (): DomainDeps => ({
    store,
    notifier,
    presence,
    typing,
    rateLimiter: new LocalRateLimiter({
      messagesPerSecond: 1000,
      typingPerSecond: 1000,
      unauthenticatedPerMinute: 10,
    }),
    users: new UserDirectory(store),
    limits: DEFAULT_LIMITS,
    now: () => new Date('2026-01-01T00:00:00.000Z'),
    newId: () => `id${++ids}`,
  });

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chat-domain-'));
    store = new SqliteStore(path.join(dir, 'chat.db'));
    notifier = new RecordingNotifier();
    presence = new LocalPresence();
    await presence.connected('alice');
    typing = new LocalTypingTracker(60_000);
    services = createServices(deps());
  });

  afterEach(async () => {
    typing.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a room: the creator is its one member (owner); invitees, deduplicated without the creator, are invited and told', async () => {
    const room = await services.rooms.create(alice, {
      name: 'general',
      is_private: true,
      invited_users: ['bob', 'bob', 'alice'],
    });
    expect(room).toMatchObject({ id: 'id1', created_at: '2026-01-01T00:00:00.000Z', member_count: 1 });
    expect(room.members).toEqual([
      {
        user_id: 'alice',
        username: 'Alice',
        role: 'owner',
        joined_at: '2026-01-01T00:00:00.000Z',
        online: true,
      },
    ]);
    expect((await store.listInvites('bob', { limit: 10, after: null })).map((i) => i.room_id)).toEqual([
      'id1',
    ]);
    expect(notifier.notices).toEqual([
      { kind: 'join', userIds: ['alice'], roomId: 'id1' },
      // Only the invitee's own channel hears of the invite.
      { kind: 'users', userIds: ['bob'], event: 'room:invited' },
      { kind: 'users', userIds: ['alice'], event: 'room:updated' },
    ]);
  });

  it('joining accepts the invite: the invitee becomes a member, joins the channel and is announced', async () => {
    const room = await services.rooms.create(alice, { name: 'g', is_private: true, invited_users: ['bob'] });
    notifier.notices = [];
    const joined = await services.rooms.join(bob, room.id);
    expect(joined.members.map((m) => m.user_id)).toEqual(['alice', 'bob']);
    expect(await store.hasInvite(room.id, 'bob')).toBe(false);
    expect(notifier.notices).toEqual([
      { kind: 'join', userIds: ['bob'], roomId: room.id },
      { kind: 'room', roomId: room.id, event: 'room:user_joined', except: [] },
    ]);
  });

  it('does not announce a repeated join, an invite of existing members or a repeated invite', async () => {
    const room = await services.rooms.create(alice, { name: 'g', is_private: false, invited_users: [] });
    await services.rooms.join(bob, room.id);
    await services.rooms.invite(alice, room.id, ['carol']);
    notifier.notices = [];
    await services.rooms.join(bob, room.id);
    await services.rooms.invite(alice, room.id, ['bob', 'carol']);
    expect(notifier.notices).toEqual([]);
  });

  it('spends the rate budget of each call’s kind, invites one point per distinct invitee', async () => {
    const spent: [string, string, number][] = [];
    const limiter = new LocalRateLimiter({
      messagesPerSecond: 1000,
      typingPerSecond: 1000,
      unauthenticatedPerMinute: 10,
    });
    services = createServices({
      ...deps(),
      rateLimiter: {
        consume: (kind, key, points = 1) => {
          spent.push([kind, key, points]);
          return limiter.consume(kind, key, points);
        },
      },
    });
    const room = await services.rooms.create(alice, {
      name: 'g',
      is_private: false,
      invited_users: ['bob', 'carol', 'bob', 'alice'],
    });
    await services.rooms.create(alice, { name: 'h', is_private: false, invited_users: [] });
    await services.rooms.invite(alice, room.id, ['dave', 'dave', 'erin']);
    await services.rooms.list(alice, {});
    await services.rooms.get(alice, room.id);
    await services.invites.list(bob, {});
    await services.rooms.join(bob, room.id);
    await services.rooms.markRead(bob, room.id, 0);
    await services.invites.decline(carol, room.id);
    await services.rooms.leave(bob, room.id);
    expect(spent).toEqual([
      ['room', 'alice', 1],
      ['invite', 'alice', 2],
      ['room', 'alice', 1],
      ['invite', 'alice', 2],
      ['read', 'alice', 1],
      ['read', 'alice', 1],
      ['read', 'bob', 1],
      ['membership', 'bob', 1],
      ['membership', 'bob', 1],
      ['membership', 'carol', 1],
      ['membership', 'bob', 1],
    ]);
  });

  it('sends: notifies message:new once, and not for a client_id repeat', async () => {
    const room = await services.rooms.create(alice, { name: 'g', is_private: false, invited_users: [] });
    notifier.notices = [];
    const input = { room_id: room.id, content: 'hi', message_type: 'text' as const, client_id: 'k' };
    const first = await services.messages.send(alice, input);
    const again = await services.messages.send(alice, input);
    expect(first.created).toBe(true);
    expect(again).toEqual({ message: first.message, created: false });
    expect(notifier.notices).toEqual([{ kind: 'room', roomId: room.id, event: 'message:new', except: [] }]);
  });

  it('announces the parent with message:updated when a reply is sent', async () => {
    const room = await services.rooms.create(alice, { name: 'g', is_private: false, invited_users: [] });
    const parent = await services.messages.send(alice, {
      room_id: room.id,
      content: 'q',
      message_type: 'text',
    });
    notifier.notices = [];
    await services.messages.send(alice, {
      room_id: room.id,
      content: 'a',
      message_type: 'text',
      parent_id: parent.message.id,
    });
    expect(notifier.notices.map((n) => n.kind === 'room' && n.event)).toEqual([
      'message:new',
      'message:updated',
    ]);
  });

  it('uses the default page size from the limits when history has no limit', async () => {
    const room = await services.rooms.create(alice, { name: 'g', is_private: false, invited_users: [] });
    for (let i = 0; i < DEFAULT_LIMITS.historyDefault + 1; i++) {
      await services.messages.send(alice, { room_id: room.id, content: `m${i}`, message_type: 'text' });
    }
    const page = await services.messages.history(alice, { room_id: room.id });
    expect(page.messages).toHaveLength(DEFAULT_LIMITS.historyDefault);
    expect(page.has_more).toBe(true);
  });
});
