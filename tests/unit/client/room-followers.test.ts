import type { Message } from 'chat-service-contract';
import type { ChangeEvent } from '../../../shared/client/change-events';
import { RoomFollowers } from '../../../shared/client/room-followers';
import { FakeHistory, flush, message } from './fake-history';

function setup() {
  const histories = new Map([
    ['room1', new FakeHistory(100, 'room1')],
    ['room2', new FakeHistory(100, 'room2')],
  ]);
  const delivered: Message[] = [];
  const changes: ChangeEvent[] = [];
  const failures: { roomId: string; error: unknown }[] = [];
  const followers = new RoomFollowers({
    fetchAfter: (roomId, afterSeq) => {
      const history = histories.get(roomId);
      if (!history) return Promise.reject(new Error(`no room ${roomId}`));
      return history.fetchAfter(afterSeq);
    },
    fetchChanges: (roomId, afterVersion) => {
      const history = histories.get(roomId);
      if (!history) return Promise.reject(new Error(`no room ${roomId}`));
      return history.fetchChanges(afterVersion);
    },
    deliver: (m) => delivered.push(m),
    deliverChange: (change) => changes.push(change),
    onFailure: (roomId, error) => failures.push({ roomId, error }),
  });
  const history = (roomId: string): FakeHistory => {
    const found = histories.get(roomId);
    if (!found) throw new Error(roomId);
    return found;
  };
  return { followers, delivered, changes, failures, history, ids: () => delivered.map((m) => m.id) };
}

describe('RoomFollowers', () => {
  it('passes messages of rooms it does not follow straight on, in arrival order, duplicates included', () => {
    const { followers, ids } = setup();
    followers.receive(message(3, 'room9'));
    followers.receive(message(1, 'room9'));
    followers.receive(message(1, 'room9'));
    expect(ids()).toEqual(['room9-m3', 'room9-m1', 'room9-m1']);
    expect(followers.lastSeq('room9')).toBeUndefined();
  });

  it('follows a room from a starting seq: catches up after it, then orders its live messages', async () => {
    const { followers, history, ids } = setup();
    history('room1').add(3);
    await followers.follow('room1', 1);
    expect(ids()).toEqual(['room1-m2', 'room1-m3']);
    followers.receive(message(3, 'room1'));
    followers.receive(message(4, 'room1'));
    expect(ids()).toEqual(['room1-m2', 'room1-m3', 'room1-m4']);
    expect(followers.lastSeq('room1')).toBe(4);
  });

  it('keeps the position of a room already followed and only catches it up', async () => {
    const { followers, history, ids } = setup();
    history('room1').add(2);
    await followers.follow('room1', 0);
    await followers.follow('room1', 0);
    expect(ids()).toEqual(['room1-m1', 'room1-m2']);
  });

  it('does not follow a room whose starting point failed, and passes on what it held meanwhile', async () => {
    const { followers, ids } = setup();
    let refuse: (error: Error) => void = () => undefined;
    const followed = followers.follow('room1', new Promise<number>((_, reject) => (refuse = reject)));
    followers.receive(message(2, 'room1'));
    followers.receive(message(1, 'room1'));
    expect(ids()).toEqual([]);
    refuse(new Error('NOT_FOUND'));
    await expect(followed).rejects.toThrow('NOT_FOUND');
    expect(followers.has('room1')).toBe(false);
    expect(ids()).toEqual(['room1-m1', 'room1-m2']);
  });

  it('catches up every followed room and answers the failures by room', async () => {
    const { followers, history, ids } = setup();
    await followers.follow('room1', 0);
    await followers.follow('room2', 0);
    history('room1').add(2);
    history('room2').add(1);
    const failure = new Error('timed out');
    history('room2').failNext = failure;
    expect(await followers.catchUpAll()).toEqual([{ roomId: 'room2', error: failure }]);
    expect(ids()).toEqual(['room1-m1', 'room1-m2']);
    expect(await followers.catchUpAll()).toEqual([]);
    expect(ids()).toEqual(['room1-m1', 'room1-m2', 'room2-m1']);
  });

  it('reports a failed gap fetch with its room', async () => {
    const { followers, history, failures } = setup();
    await followers.follow('room1', 0);
    history('room1').add(2);
    const failure = new Error('timed out');
    history('room1').failNext = failure;
    followers.receive(message(2, 'room1'));
    await flush();
    expect(failures).toEqual([{ roomId: 'room1', error: failure }]);
  });

  it('after unfollow, passes on what it held and then every message as it comes', async () => {
    const { followers, history, ids } = setup();
    await followers.follow('room1', 0);
    history('room1').gate();
    followers.receive(message(2, 'room1')); // a gap: held while history is fetched
    followers.unfollow('room1');
    expect(ids()).toEqual(['room1-m2']);
    history('room1').open();
    await flush();
    followers.receive(message(1, 'room1'));
    expect(ids()).toEqual(['room1-m2', 'room1-m1']);
    expect(followers.has('room1')).toBe(false);
  });

  it('passes changes of rooms it does not follow straight on, and holds those of a room catching up', async () => {
    const { followers, history, changes } = setup();
    await followers.follow('room1', { seq: 0, version: 0 });
    const [m1] = history('room1').add(1);
    if (!m1) throw new Error('fixture');
    followers.receive(m1);
    const unfollowed: ChangeEvent = {
      event: 'message:deleted',
      payload: { room_id: 'room9', message_id: 'room9-m1', seq: 1, version: 7 },
    };
    followers.receiveChange(unfollowed);
    expect(changes).toEqual([unfollowed]);

    history('room1').gate();
    const catchingUp = followers.catchUp('room1');
    const edit = history('room1').edit(1, 'held while catching up');
    followers.receiveChange(edit);
    expect(changes).toHaveLength(1);
    history('room1').open();
    await catchingUp;
    // The sync read the edit's state first: replayed as message:updated and reaction:updated.
    expect(changes.slice(1).map((c) => c.event)).toEqual(['message:updated', 'reaction:updated']);
    expect(followers.lastVersion('room1')).toBe(2);
  });

  it('after unfollow, passes on the changes it held, then every change as it comes', async () => {
    const { followers, history, changes } = setup();
    await followers.follow('room1', { seq: 0, version: 0 });
    const [m1] = history('room1').add(1);
    if (!m1) throw new Error('fixture');
    followers.receive(m1);
    history('room1').gate();
    const catchingUp = followers.catchUp('room1');
    const held = history('room1').edit(1, 'held');
    followers.receiveChange(held);
    followers.unfollow('room1');
    expect(changes).toEqual([held]);
    const after = history('room1').remove(1);
    followers.receiveChange(after);
    expect(changes).toEqual([held, after]);
    expect(followers.lastVersion('room1')).toBeUndefined();
    history('room1').open();
    await catchingUp;
    expect(changes).toEqual([held, after]);
  });

  it('delivers nothing more after clear', async () => {
    const { followers, history, ids } = setup();
    await followers.follow('room1', 0);
    history('room1').add(1);
    history('room1').gate();
    const pending = followers.catchUp('room1');
    followers.clear();
    history('room1').open();
    await pending;
    expect(ids()).toEqual([]);
  });
});
