import type { MembershipEvent, PresenceUpdate, ServerEventName } from '../../../shared/index';
import { CoalescingNotifier } from '../../../server/domain/coalescing-notifier';
import type { Notifier } from '../../../server/domain/notifier';

type Sent =
  | { to: 'room'; roomId: string; event: ServerEventName; payload: unknown }
  | { to: 'rooms'; roomIds: readonly string[]; event: ServerEventName; payload: unknown }
  | { to: 'users'; userIds: readonly string[]; event: ServerEventName }
  | { to: 'join' | 'leave'; userIds: readonly string[]; roomId: string };

/** What reaches the transport, in order. */
class RecordingNotifier implements Notifier {
  sent: Sent[] = [];
  toRoom(roomId: string, event: ServerEventName, payload: unknown): void {
    this.sent.push({ to: 'room', roomId, event, payload });
  }
  toRooms(roomIds: readonly string[], event: ServerEventName, payload: unknown): void {
    this.sent.push({ to: 'rooms', roomIds, event, payload });
  }
  toUsers(userIds: readonly string[], event: ServerEventName): void {
    this.sent.push({ to: 'users', userIds, event });
  }
  joinRoom(userIds: readonly string[], roomId: string): void {
    this.sent.push({ to: 'join', userIds, roomId });
  }
  leaveRoom(userIds: readonly string[], roomId: string): void {
    this.sent.push({ to: 'leave', userIds, roomId });
  }
  /** The events sent so far, as `event` or `event(user ids)` for joins and presence. */
  summary(): string[] {
    return this.sent.map((s) => {
      if (s.to === 'room') return `${s.roomId} ${s.event}${usersOf(s.payload)}`;
      if (s.to === 'rooms') return `${s.roomIds.join('+')} ${s.event}${usersOf(s.payload)}`;
      if (s.to === 'users') return 'users:';
      return `${s.to}:${s.roomId}`;
    });
  }
}

function usersOf(payload: unknown): string {
  const p = payload as { user_id?: string; users?: { user_id: string }[]; updates?: PresenceUpdate[] };
  if (p.users) return `(${p.users.map((u) => u.user_id).join(',')})`;
  if (p.updates) return `(${p.updates.map((u) => `${u.user_id}:${u.status}`).join(',')})`;
  if (p.user_id) return `(${p.user_id})`;
  return '';
}

const WINDOW_MS = 50;
const BURST = 2;

function joined(roomId: string, userId: string): MembershipEvent {
  return {
    room_id: roomId,
    user_id: userId,
    username: userId.toUpperCase(),
    timestamp: new Date().toISOString(),
  };
}

function presence(userId: string, status: 'online' | 'offline'): PresenceUpdate {
  return { user_id: userId, username: userId.toUpperCase(), status, last_seen: new Date().toISOString() };
}

describe('CoalescingNotifier', () => {
  let inner: RecordingNotifier;
  let notifier: CoalescingNotifier;

  beforeEach(() => {
    jest.useFakeTimers();
    inner = new RecordingNotifier();
    notifier = new CoalescingNotifier(inner, { windowMs: WINDOW_MS, burst: BURST });
  });

  afterEach(() => {
    notifier.close();
    jest.useRealTimers();
  });

  const join = (roomId: string, userId: string) =>
    notifier.toRoom(roomId, 'room:user_joined', joined(roomId, userId));

  it('sends the first joins of a quiet room at once, then holds the rest for one batch at the window’s end', () => {
    join('r', 'u1');
    join('r', 'u2');
    expect(inner.summary()).toEqual(['r room:user_joined(u1)', 'r room:user_joined(u2)']);
    join('r', 'u3');
    join('r', 'u4');
    join('r', 'u5');
    expect(inner.sent).toHaveLength(2);
    jest.advanceTimersByTime(WINDOW_MS - 1);
    expect(inner.sent).toHaveLength(2);
    jest.advanceTimersByTime(1);
    expect(inner.summary().slice(2)).toEqual(['r room:users_joined(u3,u4,u5)']);
    const [batch] = inner.sent.slice(2);
    expect(batch).toMatchObject({
      payload: {
        room_id: 'r',
        users: [{ user_id: 'u3', username: 'U3', timestamp: expect.any(String) }, {}, {}],
      },
    });
  });

  it('keeps a busy room batching window after window, and makes it quiet after a window with nothing held', () => {
    for (const u of ['u1', 'u2', 'u3']) join('r', u);
    jest.advanceTimersByTime(WINDOW_MS);
    // Busy: the next window holds from its first join.
    join('r', 'u4');
    join('r', 'u5');
    expect(inner.sent).toHaveLength(3);
    jest.advanceTimersByTime(WINDOW_MS);
    expect(inner.summary().slice(3)).toEqual(['r room:users_joined(u4,u5)']);
    // A window with nothing held ends the burst; the next join goes out at once.
    jest.advanceTimersByTime(WINDOW_MS);
    join('r', 'u6');
    expect(inner.summary().slice(4)).toEqual(['r room:user_joined(u6)']);
  });

  it('sends a batch of one as the single event', () => {
    for (const u of ['u1', 'u2', 'u3']) join('r', u);
    jest.advanceTimersByTime(WINDOW_MS);
    expect(inner.summary()).toEqual([
      'r room:user_joined(u1)',
      'r room:user_joined(u2)',
      'r room:user_joined(u3)',
    ]);
    expect(inner.sent[2]).toMatchObject({
      to: 'room',
      payload: { room_id: 'r', user_id: 'u3', username: 'U3' },
    });
  });

  it('sends what is held before anything else reaches the room, and keeps holding afterwards', () => {
    for (const u of ['u1', 'u2', 'u3', 'u4']) join('r', u);
    notifier.toRoom('r', 'typing:update', {
      room_id: 'r',
      typing_users: [],
      timestamp: new Date().toISOString(),
    });
    expect(inner.summary().slice(2)).toEqual(['r room:users_joined(u3,u4)', 'r typing:update']);
    join('r', 'u5');
    notifier.toRooms(['x', 'r'], 'receipt:updated', { room_id: 'r', user_id: 'u1', last_read_seq: 1 });
    expect(inner.summary().slice(4)).toEqual(['r room:user_joined(u5)', 'x+r receipt:updated(u1)']);
    join('r', 'u6');
    notifier.toRoom('r', 'room:user_left', joined('r', 'u6'));
    expect(inner.summary().slice(6)).toEqual(['r room:user_joined(u6)', 'r room:user_left(u6)']);
    join('r', 'u7');
    notifier.leaveRoom(['u7'], 'r');
    expect(inner.summary().slice(8)).toEqual(['r room:user_joined(u7)', 'leave:r']);
    jest.advanceTimersByTime(WINDOW_MS);
    expect(inner.sent).toHaveLength(10);
  });

  it('coalesces each room on its own', () => {
    for (const u of ['u1', 'u2', 'u3']) join('a', u);
    join('b', 'v1');
    notifier.toRoom('b', 'message:deleted', { room_id: 'b', message_id: 'm', seq: 1, version: 2 });
    expect(inner.summary()).toEqual([
      'a room:user_joined(u1)',
      'a room:user_joined(u2)',
      'b room:user_joined(v1)',
      'b message:deleted',
    ]);
    jest.advanceTimersByTime(WINDOW_MS);
    expect(inner.summary().slice(4)).toEqual(['a room:user_joined(u3)']);
  });

  it('holds presence like joins: each user once, latest state, joins first; busy rooms hold while quiet ones send', () => {
    for (const u of ['u1', 'u2']) join('busy', u);
    join('busy', 'u3');
    notifier.toRooms(['busy', 'quiet'], 'presence:update', presence('p1', 'online'));
    notifier.toRooms(['busy'], 'presence:update', presence('p2', 'online'));
    notifier.toRooms(['busy'], 'presence:update', presence('p1', 'offline'));
    expect(inner.summary().slice(2)).toEqual(['quiet presence:update(p1)']);
    jest.advanceTimersByTime(WINDOW_MS);
    expect(inner.summary().slice(3)).toEqual([
      'busy room:user_joined(u3)',
      'busy presence:updates(p2:online,p1:offline)',
    ]);
  });

  it('passes per-user broadcasts and channel joins straight through', () => {
    for (const u of ['u1', 'u2', 'u3']) join('r', u);
    notifier.joinRoom(['u9'], 'r');
    notifier.toUsers(['u9'], 'room:updated', {} as never);
    expect(inner.summary().slice(2)).toEqual(['join:r', 'users:']);
  });

  it('on close sends what is held, stops every timer and passes everything through afterwards', () => {
    for (const u of ['u1', 'u2', 'u3', 'u4']) join('a', u);
    join('b', 'v1');
    expect(jest.getTimerCount()).toBe(2);
    notifier.close();
    expect(jest.getTimerCount()).toBe(0);
    expect(inner.summary().slice(3)).toEqual(['a room:users_joined(u3,u4)']);
    for (const u of ['u5', 'u6', 'u7']) join('a', u);
    expect(inner.sent).toHaveLength(7);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('with a window of 0 holds nothing', () => {
    const direct = new CoalescingNotifier(inner, { windowMs: 0 });
    for (const u of ['u1', 'u2', 'u3', 'u4', 'u5', 'u6']) {
      direct.toRoom('r', 'room:user_joined', joined('r', u));
    }
    expect(inner.sent).toHaveLength(6);
    expect(jest.getTimerCount()).toBe(0);
  });
});
