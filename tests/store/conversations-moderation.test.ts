import type { ModerationActionKind, ModerationEvent } from '../../shared/schemas/objects';
import type { NewModerationAction } from '../../server/store/conversation-types';
import type { ChatStore } from '../../server/store/types';
import { conversationHelpers, future, outboxAfter, outboxMark } from './conversations-fixtures';
import { storeFactories, type StoreHandle } from './store-factories';
import { at, member, owner, room, type StoreHelpers } from './store-fixtures';

/**
 * Moderation, run against every store: what each action changes and when it changes nothing (null,
 * nothing recorded), the owner out of reach, bans and mutes as state that outlives membership, and
 * the record and outbox entry each change leaves.
 */

function action(
  kind: ModerationActionKind,
  userId: string,
  overrides: Partial<NewModerationAction> = {},
): NewModerationAction {
  return {
    room_id: 'r1',
    action: kind,
    user_id: userId,
    by: 'alice',
    muted_until: kind === 'mute' ? future(60) : null,
    at: at(20),
    ...overrides,
  };
}

describe.each(storeFactories)('ChatStore moderation: $name', (factory) => {
  let handle: StoreHandle;
  let store: ChatStore;
  let viewRoom: StoreHelpers['viewRoom'];

  beforeEach(async () => {
    handle = await factory.open();
    store = handle.store;
    ({ viewRoom } = conversationHelpers(store));
    await store.rememberUser({ id: 'bob', name: 'Bob' });
    await store.createRoom(room('r1'), [owner('alice'), member('bob', at(1)), member('carol', at(2))]);
  });

  afterEach(async () => {
    await handle.cleanup();
  });

  const roleOf = async (userId: string): Promise<string | null> =>
    (await store.getMember('r1', userId))?.role ?? null;

  /** The `member.moderated` entries after `mark`: [target, the record they name]. */
  async function moderatedSince(mark: number): Promise<[string | null, ModerationEvent | null][]> {
    const entries = (await outboxAfter(store, mark)).filter((e) => e.type === 'member.moderated');
    return Promise.all(
      entries.map(async (e): Promise<[string | null, ModerationEvent | null]> => {
        expect(e).toMatchObject({ room_id: 'r1', version: null, message_id: null });
        if (e.action_id === null) throw new Error('a member.moderated entry without its action_id');
        return [e.user_id, await store.getModerationAction(e.action_id)];
      }),
    );
  }

  describe('roles', () => {
    it('promotes a member to moderator and demotes them back, each once', async () => {
      const promoted = await store.moderate(action('promote', 'bob'));
      expect(promoted).toStrictEqual({
        room_id: 'r1',
        action: 'promote',
        user_id: 'bob',
        username: 'Bob',
        by: 'alice',
        muted_until: null,
        timestamp: at(20),
      });
      expect(await roleOf('bob')).toBe('moderator');
      expect((await store.listMembers('r1')).map((m) => [m.user_id, m.role])).toEqual([
        ['alice', 'owner'],
        ['bob', 'moderator'],
        ['carol', 'member'],
      ]);
      expect(await store.roomAccess('r1', 'bob')).toMatchObject({ role: 'moderator' });
      expect(await store.moderate(action('promote', 'bob', { at: at(21) }))).toBeNull();

      const demoted = await store.moderate(action('demote', 'bob', { at: at(22) }));
      expect(demoted).toMatchObject({ action: 'demote', user_id: 'bob', timestamp: at(22) });
      expect(await store.roomAccess('r1', 'bob')).toMatchObject({ role: 'member' });
      expect(await store.moderate(action('demote', 'bob', { at: at(23) }))).toBeNull();
    });

    it('changes nothing for a non-member or a member who does not have the role to lose', async () => {
      const mark = await outboxMark(store);
      expect(await store.moderate(action('promote', 'dave'))).toBeNull();
      expect(await store.moderate(action('demote', 'carol'))).toBeNull();
      expect(await store.getMember('r1', 'dave')).toBeNull();
      expect(await roleOf('carol')).toBe('member');
      expect(await outboxAfter(store, mark)).toEqual([]);
    });
  });

  it('never targets the owner: every action on them answers null and records nothing', async () => {
    await store.moderate(action('promote', 'bob'));
    const mark = await outboxMark(store);
    for (const kind of ['promote', 'demote', 'remove', 'ban', 'mute'] as const) {
      expect([kind, await store.moderate(action(kind, 'alice', { by: 'bob' }))]).toEqual([kind, null]);
    }
    expect(await store.roomAccess('r1', 'alice')).toStrictEqual({
      is_private: false,
      role: 'owner',
      is_dm: false,
      muted_until: null,
    });
    expect(await store.isBanned('r1', 'alice')).toBe(false);
    expect(await outboxAfter(store, mark)).toEqual([]);
  });

  describe('remove', () => {
    it('removes a member as a leave, recorded with the left and moderated entries', async () => {
      const mark = await outboxMark(store);
      const removed = await store.moderate(action('remove', 'bob', { by: 'alice' }));
      expect(removed).toMatchObject({ action: 'remove', user_id: 'bob', username: 'Bob', muted_until: null });
      expect(await store.getMember('r1', 'bob')).toBeNull();
      expect(await viewRoom('r1', 'bob')).toMatchObject({ is_member: false, member_count: 2 });
      expect(await store.roomIdsOf('bob')).toEqual([]);
      expect(await roleOf('alice')).toBe('owner');

      const entries = await outboxAfter(store, mark);
      expect(entries.map((e) => [e.type, e.user_id]).sort()).toEqual([
        ['member.left', 'bob'],
        ['member.moderated', 'bob'],
      ]);
      expect(await moderatedSince(mark)).toEqual([['bob', removed]]);

      // Not a ban: they may come back.
      expect(await store.isBanned('r1', 'bob')).toBe(false);
      expect(await store.addMembers('r1', [member('bob', at(30))])).toHaveLength(1);
    });

    it('answers null for a user who is not a member', async () => {
      expect(await store.moderate(action('remove', 'dave'))).toBeNull();
      await store.moderate(action('remove', 'bob'));
      expect(await store.moderate(action('remove', 'bob', { at: at(21) }))).toBeNull();
    });
  });

  describe('ban', () => {
    it('removes a banned member and records the ban; a second ban changes nothing; unban lifts it', async () => {
      const mark = await outboxMark(store);
      const banned = await store.moderate(action('ban', 'bob'));
      expect(banned).toMatchObject({ action: 'ban', user_id: 'bob', by: 'alice', muted_until: null });
      expect(await store.isBanned('r1', 'bob')).toBe(true);
      expect(await store.isBanned('r1', 'carol')).toBe(false);
      expect(await store.getMember('r1', 'bob')).toBeNull();
      expect((await outboxAfter(store, mark)).map((e) => [e.type, e.user_id]).sort()).toEqual([
        ['member.left', 'bob'],
        ['member.moderated', 'bob'],
      ]);
      expect(await store.moderate(action('ban', 'bob', { at: at(21) }))).toBeNull();

      const unbanned = await store.moderate(action('unban', 'bob', { at: at(22) }));
      expect(unbanned).toMatchObject({ action: 'unban', user_id: 'bob', timestamp: at(22) });
      expect(await store.isBanned('r1', 'bob')).toBe(false);
      // Lifting the ban does not give the membership back.
      expect(await store.getMember('r1', 'bob')).toBeNull();
      expect(await store.moderate(action('unban', 'bob', { at: at(23) }))).toBeNull();
    });

    it('bans a non-member too, dropping their pending invite', async () => {
      await store.addInvites('r1', ['dave'], 'alice', at(5));
      const banned = await store.moderate(action('ban', 'dave', { by: 'carol' }));
      expect(banned).toStrictEqual({
        room_id: 'r1',
        action: 'ban',
        user_id: 'dave',
        // Never seen: named by id, as members are.
        username: 'dave',
        by: 'carol',
        muted_until: null,
        timestamp: at(20),
      });
      expect(await store.isBanned('r1', 'dave')).toBe(true);
      expect(await store.hasInvite('r1', 'dave')).toBe(false);
      expect(await store.listInvites('dave', { limit: 10, after: null })).toEqual([]);
      expect(await store.acceptInvite('r1', member('dave', at(30)))).toBeNull();

      expect(await store.moderate(action('ban', 'erin'))).toMatchObject({ action: 'ban', user_id: 'erin' });
      expect(await store.isBanned('r1', 'erin')).toBe(true);
      // A ban is per room.
      await store.createRoom(room('r2'), [owner('alice')]);
      expect(await store.isBanned('r2', 'erin')).toBe(false);
    });
  });

  describe('mute', () => {
    it('mutes a member until the time given, seen in roomAccess and in the member’s own view of the room', async () => {
      const muted = await store.moderate(action('mute', 'bob', { muted_until: future(60) }));
      expect(muted).toStrictEqual({
        room_id: 'r1',
        action: 'mute',
        user_id: 'bob',
        username: 'Bob',
        by: 'alice',
        muted_until: future(60),
        timestamp: at(20),
      });
      expect(await store.roomAccess('r1', 'bob')).toStrictEqual({
        is_private: false,
        role: 'member',
        is_dm: false,
        muted_until: future(60),
      });
      expect(await viewRoom('r1', 'bob')).toMatchObject({ muted_until: future(60) });
      expect((await store.listRooms('bob')).map((r) => r.muted_until)).toEqual([future(60)]);
      // Only bob is muted.
      expect(await viewRoom('r1', 'carol')).toMatchObject({ muted_until: null });
      expect(await store.roomAccess('r1', 'carol')).toMatchObject({ muted_until: null });
      expect(await store.isBanned('r1', 'bob')).toBe(false);
      expect(await store.getMember('r1', 'bob')).not.toBeNull();
    });

    it('replaces an earlier mute with a new one', async () => {
      await store.moderate(action('mute', 'bob', { muted_until: future(60) }));
      const longer = await store.moderate(action('mute', 'bob', { muted_until: future(600), at: at(21) }));
      expect(longer).toMatchObject({ action: 'mute', muted_until: future(600), timestamp: at(21) });
      expect(await store.roomAccess('r1', 'bob')).toMatchObject({ muted_until: future(600) });
      const shorter = await store.moderate(action('mute', 'bob', { muted_until: future(30), at: at(22) }));
      expect(shorter).toMatchObject({ muted_until: future(30) });
      expect(await viewRoom('r1', 'bob')).toMatchObject({ muted_until: future(30) });
    });

    it('keeps the mute when the member leaves and rejoins', async () => {
      await store.moderate(action('mute', 'bob', { muted_until: future(60) }));
      await store.removeMember('r1', 'bob');
      await store.addMembers('r1', [member('bob', at(40))]);
      expect(await store.roomAccess('r1', 'bob')).toMatchObject({ role: 'member', muted_until: future(60) });
      expect(await viewRoom('r1', 'bob')).toMatchObject({ is_member: true, muted_until: future(60) });
    });

    it('unmutes once; a non-member cannot be muted', async () => {
      await store.moderate(action('mute', 'bob', { muted_until: future(60) }));
      const unmuted = await store.moderate(action('unmute', 'bob', { at: at(25) }));
      expect(unmuted).toMatchObject({
        action: 'unmute',
        user_id: 'bob',
        muted_until: null,
        timestamp: at(25),
      });
      // Lifted: no mute at all, or one that ended when it was lifted.
      const access = await store.roomAccess('r1', 'bob');
      const until = access?.muted_until ?? null;
      if (until !== null) expect(Date.parse(until)).toBeLessThanOrEqual(Date.parse(at(25)));
      expect(await viewRoom('r1', 'bob')).toMatchObject({ muted_until: null });
      expect(await store.moderate(action('unmute', 'bob', { at: at(26) }))).toBeNull();
      expect(await store.moderate(action('unmute', 'carol'))).toBeNull();

      expect(await store.moderate(action('mute', 'dave'))).toBeNull();
      expect(await store.roomAccess('r1', 'dave')).toMatchObject({ role: null, muted_until: null });
    });
  });

  it('keeps each change as a record named by its member.moderated outbox entry, in order', async () => {
    const mark = await outboxMark(store);
    const done = [
      await store.moderate(action('promote', 'carol', { at: at(20) })),
      await store.moderate(action('mute', 'bob', { by: 'carol', at: at(21) })),
      await store.moderate(action('unmute', 'bob', { by: 'carol', at: at(22) })),
      await store.moderate(action('ban', 'dave', { at: at(23) })),
      await store.moderate(action('unban', 'dave', { at: at(24) })),
      await store.moderate(action('demote', 'carol', { at: at(25) })),
      await store.moderate(action('remove', 'carol', { at: at(26) })),
    ];
    expect(done.every((e) => e !== null)).toBe(true);
    expect(await moderatedSince(mark)).toEqual([
      ['carol', done[0]],
      ['bob', done[1]],
      ['bob', done[2]],
      ['dave', done[3]],
      ['dave', done[4]],
      ['carol', done[5]],
      ['carol', done[6]],
    ]);
    const ids = (await outboxAfter(store, mark)).flatMap((e) => (e.action_id === null ? [] : [e.action_id]));
    expect(new Set(ids).size).toBe(7);
    // Other entries name no action.
    const others = (await store.readOutbox(0, 1000)).filter((e) => e.type !== 'member.moderated');
    expect(others.every((e) => e.action_id === null)).toBe(true);
    expect(await store.getModerationAction(Math.max(...ids) + 1000)).toBeNull();
  });

  it('keeps roles, bans and mutes across a restart', async () => {
    await store.moderate(action('promote', 'carol'));
    await store.moderate(action('ban', 'dave'));
    await store.moderate(action('mute', 'bob', { muted_until: future(60) }));
    const reopened = await handle.reopen();
    expect(await reopened.roomAccess('r1', 'carol')).toMatchObject({ role: 'moderator' });
    expect(await reopened.isBanned('r1', 'dave')).toBe(true);
    expect(await reopened.roomAccess('r1', 'bob')).toMatchObject({ muted_until: future(60) });
  });
});
