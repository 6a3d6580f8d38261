import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_LIMITS, type ServerEventName } from '../../../shared';
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

  let typing: LocalTypingTracker;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chat-domain-'));
    store = new SqliteStore(path.join(dir, 'chat.db'));
    notifier = new RecordingNotifier();
    const presence = new LocalPresence();
    await presence.connected('alice');
    typing = new LocalTypingTracker(60_000);
    services = createServices({
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
  });

  afterEach(async () => {
    typing.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a room: the creator is owner, invitees deduplicated without the creator, sockets joined, invitees told', async () => {
    const room = await services.rooms.create(alice, {
      name: 'general',
      is_private: true,
      invited_users: ['bob', 'bob', 'alice'],
    });
    expect(room).toMatchObject({ id: 'id1', created_at: '2026-01-01T00:00:00.000Z', member_count: 2 });
    expect(room.members).toEqual([
      {
        user_id: 'alice',
        username: 'Alice',
        role: 'owner',
        joined_at: '2026-01-01T00:00:00.000Z',
        online: true,
      },
      {
        user_id: 'bob',
        username: 'bob',
        role: 'member',
        joined_at: '2026-01-01T00:00:00.000Z',
        online: false,
      },
    ]);
    expect(notifier.notices).toEqual([
      { kind: 'join', userIds: ['alice', 'bob'], roomId: 'id1' },
      // Members at the same read position share one room:updated, each with their own view.
      { kind: 'users', userIds: ['alice', 'bob'], event: 'room:updated' },
    ]);
  });

  it('does not announce a repeated join or an invite of existing members', async () => {
    const room = await services.rooms.create(alice, { name: 'g', is_private: false, invited_users: [] });
    await services.rooms.join(bob, room.id);
    notifier.notices = [];
    await services.rooms.join(bob, room.id);
    await services.rooms.invite(alice, room.id, ['bob']);
    expect(notifier.notices).toEqual([]);
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
