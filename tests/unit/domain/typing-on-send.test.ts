import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_LIMITS, type TypingUser } from '../../../shared/index';
import type { DomainDeps } from '../../../server/domain/deps';
import type { Notifier } from '../../../server/domain/notifier';
import { createServices, type Services } from '../../../server/domain/services';
import type { TypingTracker } from '../../../server/domain/typing';
import { UserDirectory } from '../../../server/domain/user-directory';
import { LocalPresence } from '../../../server/ephemeral/local-presence';
import { LocalRateLimiter } from '../../../server/ephemeral/local-rate-limiter';
import { LocalTypingTracker } from '../../../server/ephemeral/local-typing';
import { openStore } from '../../../server/store/open-store';
import type { ChatStore } from '../../../server/store/types';

/** The shared typing state (Redis with several nodes), with every call to it counted. */
class CountedTracker implements TypingTracker {
  calls = 0;
  constructor(private readonly inner: TypingTracker) {}
  get lifetimeMs(): number {
    return this.inner.lifetimeMs;
  }
  set(roomId: string, user: TypingUser, isTyping: boolean): Promise<TypingUser[] | null> {
    this.calls += 1;
    return this.inner.set(roomId, user, isTyping);
  }
  clearUser(userId: string): Promise<Map<string, TypingUser[]>> {
    this.calls += 1;
    return this.inner.clearUser(userId);
  }
  list(roomId: string): Promise<TypingUser[]> {
    this.calls += 1;
    return this.inner.list(roomId);
  }
  onExpired(listener: (roomId: string, users: TypingUser[]) => void): void {
    this.inner.onExpired(listener);
  }
  close(): void {
    this.inner.close();
  }
}

/** The typing lists announced, by room. */
class TypingAnnouncements implements Notifier {
  lists: string[][] = [];
  toRoom(_roomId: string, event: string, payload: unknown): void {
    if (event !== 'typing:update') return;
    this.lists.push((payload as { typing_users: TypingUser[] }).typing_users.map((u) => u.user_id));
  }
  toRooms(): void {}
  toUsers(): void {}
  joinRoom(): void {}
  leaveRoom(): void {}
}

/**
 * A sent message ends its sender's typing; the node asks the shared typing state only when the
 * sender started typing through it, so an ordinary send costs no typing round trip.
 */
describe('typing ended by a send', () => {
  const alice = { id: 'alice', name: 'Alice' };
  const bob = { id: 'bob', name: 'Bob' };
  let dir: string;
  let store: ChatStore;
  let tracker: CountedTracker;
  let notices: TypingAnnouncements;
  let roomId: string;
  /** Two nodes: their own services over one store and one shared tracker. */
  let nodeA: Services;
  let nodeB: Services;

  const node = (): Services => {
    const deps: DomainDeps = {
      store,
      notifier: notices,
      presence: new LocalPresence(),
      typing: tracker,
      rateLimiter: new LocalRateLimiter({
        messagesPerSecond: 1000,
        typingPerSecond: 1000,
        unauthenticatedPerMinute: 1,
      }),
      users: new UserDirectory(store),
      limits: DEFAULT_LIMITS,
      now: () => new Date(),
      newId: (() => {
        let n = 0;
        return () => `${Math.random().toString(36).slice(2)}-${++n}`;
      })(),
    };
    return createServices(deps);
  };

  const send = (services: Services, actor: typeof alice, content: string) =>
    services.messages.send(actor, { room_id: roomId, content, message_type: 'text' });

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chat-typing-'));
    store = await openStore({ kind: 'sqlite', path: path.join(dir, 'chat.db') });
    tracker = new CountedTracker(new LocalTypingTracker(60_000));
    notices = new TypingAnnouncements();
    [nodeA, nodeB] = [node(), node()];
    roomId = (await nodeA.rooms.create(alice, { name: 'r', is_private: false, invited_users: [] })).id;
    await nodeA.rooms.join(bob, roomId);
  });

  afterEach(async () => {
    tracker.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks the typing state nothing when the sender was not typing', async () => {
    await send(nodeA, alice, 'one');
    await send(nodeA, alice, 'two');
    expect(tracker.calls).toBe(0);
    expect(notices.lists).toEqual([]);
  });

  it('ends the typing the sender started through this node, once', async () => {
    await nodeA.typing.update(alice, { room_id: roomId, is_typing: true });
    tracker.calls = 0;
    await send(nodeA, alice, 'done typing');
    expect(tracker.calls).toBe(1);
    expect(notices.lists).toEqual([['alice'], []]);
    expect(await tracker.list(roomId)).toEqual([]);
    tracker.calls = 0;
    await send(nodeA, alice, 'again');
    expect(tracker.calls).toBe(0);
  });

  it('asks nothing after the sender stopped typing themselves, and only for the sender', async () => {
    await nodeA.typing.update(alice, { room_id: roomId, is_typing: true });
    await nodeA.typing.update(bob, { room_id: roomId, is_typing: true });
    await nodeA.typing.update(alice, { room_id: roomId, is_typing: false });
    tracker.calls = 0;
    await send(nodeA, alice, 'after stopping');
    expect(tracker.calls).toBe(0);
    await send(nodeA, bob, 'bob was typing');
    expect(tracker.calls).toBe(1);
    expect(notices.lists.at(-1)).toEqual([]);
  });

  it('leaves typing started through another node to expire by itself', async () => {
    await nodeB.typing.update(alice, { room_id: roomId, is_typing: true });
    tracker.calls = 0;
    await send(nodeA, alice, 'sent through A');
    expect(tracker.calls).toBe(0);
    expect((await tracker.list(roomId)).map((u) => u.user_id)).toEqual(['alice']);
    // Through the node it started on, a send ends it as always.
    await send(nodeB, alice, 'sent through B');
    expect(await tracker.list(roomId)).toEqual([]);
  });
});
