import type { StorageConfig } from '../../server/config/env';
import { openStore } from '../../server/store/open-store';
import type { AddReactionOutcome, ChatStore, ReactionCaps } from '../../server/store/types';
import type { Message } from '../../shared/schemas/objects';
import { createTestSchema } from '../helpers/postgres';
import { storeFactories, tempSqliteFile, type StoreHandle } from './store-factories';
import { at, createStoreHelpers, member, owner, range, room } from './store-fixtures';

/**
 * The bounds on one message's reactions, run against every store: distinct emoji per message and
 * per user (addReaction's caps, atomic with the insert even across nodes), and reaction summaries
 * that list at most `reactionUsersShown` users while counting all of them.
 */

const SMALL: ReactionCaps = { perMessage: 5, perUser: 3 };
const DEFAULT_CAPS: ReactionCaps = { perMessage: 32, perUser: 10 };

const users = (n: number): string[] => range(1, n).map((i) => `u${i}`);
const shortCode = (i: number): string => `:code_${i}:`;
const count = (outcomes: readonly AddReactionOutcome[], which: AddReactionOutcome): number =>
  outcomes.filter((o) => o === which).length;

describe.each(storeFactories)('reaction caps and summaries: $name', (factory) => {
  let handle: StoreHandle;
  let store: ChatStore;
  let m1: Message;
  let m2: Message;

  beforeEach(async () => {
    handle = await factory.open();
    store = handle.store;
    const { post } = createStoreHelpers(store);
    await store.createRoom(room('r1'), [owner('alice'), member('bob'), member('carol')]);
    m1 = await post('r1', 'alice');
    m2 = await post('r1', 'alice');
  });

  afterEach(async () => {
    await handle.cleanup();
  });

  const add = (messageId: string, user: string, emoji: string, caps = SMALL): Promise<AddReactionOutcome> =>
    store.addReaction(messageId, user, emoji, at(1), caps);
  const emojisOn = async (messageId: string): Promise<string[]> =>
    (await store.reactionsOf(messageId)).map((r) => r.emoji);

  describe('distinct emoji per user on one message', () => {
    it('refuses the user’s next distinct emoji with user_full, storing nothing', async () => {
      for (const i of range(1, 3)) expect(await add(m1.id, 'bob', shortCode(i))).toBe('added');
      expect(await add(m1.id, 'bob', shortCode(4))).toBe('user_full');
      expect(await emojisOn(m1.id)).toEqual([shortCode(1), shortCode(2), shortCode(3)]);
    });

    it('counts an emoji others already use against the user’s own cap', async () => {
      await add(m1.id, 'carol', '👍');
      for (const i of range(1, 3)) await add(m1.id, 'bob', shortCode(i));
      expect(await add(m1.id, 'bob', '👍')).toBe('user_full');
      expect(await store.reactionsOf(m1.id)).toContainEqual({ emoji: '👍', count: 1, user_ids: ['carol'] });
    });

    it('answers exists for one of the user’s own, even at the cap', async () => {
      for (const i of range(1, 3)) await add(m1.id, 'bob', shortCode(i));
      expect(await add(m1.id, 'bob', shortCode(2))).toBe('exists');
    });

    it('frees a place when the user removes one, and applies per message', async () => {
      for (const i of range(1, 3)) await add(m1.id, 'bob', shortCode(i));
      expect(await add(m2.id, 'bob', shortCode(4))).toBe('added');
      expect(await store.removeReaction(m1.id, 'bob', shortCode(1))).toBe(true);
      expect(await add(m1.id, 'bob', shortCode(4))).toBe('added');
      expect(await emojisOn(m1.id)).toEqual([shortCode(2), shortCode(3), shortCode(4)]);
    });
  });

  describe('distinct emoji per message', () => {
    beforeEach(async () => {
      // Five distinct emoji: the message is full.
      for (const i of range(1, 3)) await add(m1.id, 'alice', shortCode(i));
      for (const i of range(4, 5)) await add(m1.id, 'bob', shortCode(i));
    });

    it('refuses a new emoji with message_full, whoever adds it, storing nothing', async () => {
      expect(await add(m1.id, 'carol', '🆕')).toBe('message_full');
      expect(await add(m1.id, 'bob', '🆕')).toBe('message_full');
      expect(await emojisOn(m1.id)).toEqual(range(1, 5).map(shortCode));
    });

    it('still lets others add an emoji already on the message', async () => {
      expect(await add(m1.id, 'carol', shortCode(1))).toBe('added');
      expect((await store.reactionsOf(m1.id))[0]).toEqual({
        emoji: shortCode(1),
        count: 2,
        user_ids: ['alice', 'carol'],
      });
    });

    it('takes a new emoji again once one leaves the list, and leaves other messages alone', async () => {
      expect(await add(m2.id, 'carol', '🆕')).toBe('added');
      expect(await store.removeReaction(m1.id, 'bob', shortCode(4))).toBe(true);
      expect(await add(m1.id, 'carol', '🆕')).toBe('added');
      expect(await add(m1.id, 'carol', '🆕')).toBe('exists');
      expect(await add(m1.id, 'carol', '🔥')).toBe('message_full');
    });
  });

  describe('concurrent adds from several nodes', () => {
    it('never put more than the per-message cap of distinct emoji on a message', async () => {
      const nodes = [store, await handle.openSibling(), await handle.openSibling()];
      // Six users, ten distinct emoji each (each within their own cap): 60 new emoji for 32 places.
      const attempts = users(6).flatMap((user, u) =>
        range(1, 10).map((i) => ({ user, emoji: shortCode(u * 10 + i) })),
      );
      const outcomes = await Promise.all(
        attempts.map(({ user, emoji }, i) =>
          (nodes[i % nodes.length] as ChatStore).addReaction(m1.id, user, emoji, at(i), DEFAULT_CAPS),
        ),
      );
      expect([count(outcomes, 'added'), count(outcomes, 'message_full')]).toEqual([32, 28]);
      const reactions = await store.reactionsOf(m1.id);
      expect(reactions).toHaveLength(32);
      expect(reactions.every((r) => r.count === 1)).toBe(true);
    });

    it('never put more than the per-user cap of distinct emoji from one user on a message', async () => {
      const nodes = [store, await handle.openSibling(), await handle.openSibling()];
      const outcomes = await Promise.all(
        range(1, 30).map((i) =>
          (nodes[i % nodes.length] as ChatStore).addReaction(m1.id, 'bob', shortCode(i), at(i), DEFAULT_CAPS),
        ),
      );
      expect([count(outcomes, 'added'), count(outcomes, 'user_full')]).toEqual([10, 20]);
      expect(await store.reactionsOf(m1.id)).toHaveLength(10);
    });
  });

  describe('bounded summaries (reactionUsersShown, default 10)', () => {
    it('lists the first 10 users of an emoji and counts them all, in every Message', async () => {
      const reactors = users(14);
      for (const [i, user] of reactors.entries()) {
        await store.addReaction(m1.id, user, '👍', at(i), DEFAULT_CAPS);
      }
      await store.addReaction(m1.id, 'carol', '🎉', at(20), DEFAULT_CAPS);
      const expected = [
        { emoji: '👍', count: 14, user_ids: reactors.slice(0, 10) },
        { emoji: '🎉', count: 1, user_ids: ['carol'] },
      ];
      expect(await store.reactionsOf(m1.id)).toStrictEqual(expected);
      expect((await store.getMessage(m1.id))?.reactions).toStrictEqual(expected);
      const page = await store.listMessages({
        room_id: 'r1',
        parent_id: null,
        before_seq: null,
        after_seq: null,
        limit: 10,
      });
      expect(page.messages.map((m) => m.reactions)).toStrictEqual([expected, []]);
      expect((await store.editMessage(m1.id, 'edited', at(30), []))?.reactions).toStrictEqual(expected);

      // When one of the listed users takes theirs back, the next one in reaction order is listed.
      expect(await store.removeReaction(m1.id, 'u3', '👍')).toBe(true);
      expect((await store.reactionsOf(m1.id))[0]).toStrictEqual({
        emoji: '👍',
        count: 13,
        user_ids: [...reactors.slice(0, 2), ...reactors.slice(3, 11)],
      });
    });
  });
});

/** A fresh storage of the factory's kind, as openStore takes it, and how to remove it. */
async function freshStorage(kind: string): Promise<{ config: StorageConfig; remove(): Promise<void> }> {
  if (kind === 'postgres') {
    const schema = await createTestSchema();
    return { config: { kind: 'postgres', url: schema.url }, remove: schema.drop };
  }
  const { file, remove } = await tempSqliteFile();
  return { config: { kind: 'sqlite', path: file }, remove };
}

describe.each(storeFactories.map((f) => f.name))('openStore with reactionUsersShown: %s', (kind) => {
  it('lists that many users per reaction, count exact', async () => {
    const storage = await freshStorage(kind);
    const store = await openStore(storage.config, undefined, { reactionUsersShown: 2 });
    try {
      const { post } = createStoreHelpers(store);
      await store.createRoom(room('r1'), [owner('alice')]);
      const message = await post('r1', 'alice');
      for (const [i, user] of users(4).entries()) {
        await store.addReaction(message.id, user, '👍', at(i), DEFAULT_CAPS);
      }
      expect(await store.reactionsOf(message.id)).toStrictEqual([
        { emoji: '👍', count: 4, user_ids: ['u1', 'u2'] },
      ]);
    } finally {
      await store.close();
      await storage.remove();
    }
  });
});
