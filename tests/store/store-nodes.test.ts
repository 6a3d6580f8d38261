import type { ChatStore } from '../../server/store/types';
import { storeFactories, type StoreHandle } from './store-factories';
import { at, createStoreHelpers, member, owner, range, room, type StoreHelpers } from './store-fixtures';

/**
 * Two stores open on the same storage at once, as two nodes of one service are: what one commits
 * the other reads, and the guarantees that concurrency could break (gap-free seqs, one message per
 * client_id, a reply count per reply, a room never left without an owner) hold across them.
 */
describe.each(storeFactories)('ChatStore on two nodes: $name', (factory) => {
  let handle: StoreHandle;
  let nodeA: ChatStore;
  let nodeB: ChatStore;
  let message: StoreHelpers['message'];
  /** Alternates between the two nodes, starting with A. */
  const node = (i: number): ChatStore => (i % 2 === 0 ? nodeA : nodeB);

  beforeEach(async () => {
    handle = await factory.open();
    nodeA = handle.store;
    nodeB = await handle.openSibling();
    ({ message } = createStoreHelpers(nodeA));
    await nodeA.createRoom(room('r1'), [owner('alice'), member('bob', at(1))]);
  });

  afterEach(async () => {
    await handle.cleanup();
  });

  it('numbers 200 messages sent at once through two nodes 1..200, with no gap or duplicate', async () => {
    const inputs = range(1, 200).map((i) => message('r1', i % 3 === 0 ? 'alice' : 'bob'));
    const results = await Promise.all(inputs.map((m, i) => node(i).insertMessage(m)));

    expect(results.every((r) => r.created)).toBe(true);
    expect(results.map((r) => r.message.seq).sort((a, b) => a - b)).toEqual(range(1, 200));
    expect(results.map((r) => r.message.id)).toEqual(inputs.map((m) => m.id));
    // Both nodes read the same history, each message under the seq its sender was answered with.
    const seqOf = new Map(results.map((r) => [r.message.id, r.message.seq]));
    for (const reader of [nodeA, nodeB]) {
      const history = [
        ...(
          await reader.listMessages({
            room_id: 'r1',
            parent_id: null,
            before_seq: null,
            after_seq: 0,
            limit: 100,
          })
        ).messages,
        ...(
          await reader.listMessages({
            room_id: 'r1',
            parent_id: null,
            before_seq: null,
            after_seq: 100,
            limit: 100,
          })
        ).messages,
      ];
      expect(history.map((m) => m.seq)).toEqual(range(1, 200));
      expect(history.every((m) => seqOf.get(m.id) === m.seq)).toBe(true);
      expect(await reader.getRoom('r1', 'alice')).toMatchObject({ last_message_seq: 200 });
    }
  });

  it('stores one message for the same client_id sent at once through both nodes', async () => {
    const inputs = range(1, 20).map(() => message('r1', 'alice', { client_id: 'burst' }));
    const results = await Promise.all(inputs.map((m, i) => node(i).insertMessage(m)));

    expect(results.filter((r) => r.created)).toHaveLength(1);
    const original = results.find((r) => r.created)?.message;
    for (const r of results) expect(r.message).toStrictEqual(original);
    expect(original).toMatchObject({ seq: 1, client_id: 'burst' });
    for (const reader of [nodeA, nodeB]) {
      expect(await reader.getRoom('r1', 'alice')).toMatchObject({ last_message_seq: 1 });
    }
    // The repeats consumed no seq.
    expect((await nodeB.insertMessage(message('r1', 'bob'))).message.seq).toBe(2);
  });

  it('counts every reply sent at once through both nodes on the parent', async () => {
    const parent = (await nodeA.insertMessage(message('r1', 'alice'))).message;
    const replies = range(1, 20).map(() => message('r1', 'bob', { parent_id: parent.id }));
    const results = await Promise.all(replies.map((m, i) => node(i).insertMessage(m)));

    // Each reply saw its own increment: the parents they returned count 1..20 between them.
    expect(results.map((r) => r.parent?.reply_count).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      range(1, 20),
    );
    expect(await nodeB.getMessage(parent.id)).toMatchObject({ reply_count: 20 });
  });

  it('keeps a room owned when both of its owners leave at once on different nodes', async () => {
    await nodeA.addMembers('r1', [owner('carol', at(2)), member('dan', at(3))]);

    const [alice, carol] = await Promise.all([
      nodeA.removeMember('r1', 'alice'),
      nodeB.removeMember('r1', 'carol'),
    ]);

    expect([alice.removed, carol.removed]).toEqual([true, true]);
    // Whichever leave came second found no owner left and promoted bob, the longest-standing member.
    expect([alice.newOwnerId, carol.newOwnerId].sort()).toEqual(['bob', null].sort());
    expect((await nodeB.listMembers('r1')).map((m) => [m.user_id, m.role])).toEqual([
      ['bob', 'owner'],
      ['dan', 'member'],
    ]);
  });

  it('ends at the highest read position when reads arrive at once through both nodes', async () => {
    for (let i = 0; i < 5; i += 1) await nodeA.insertMessage(message('r1', 'alice'));
    const seqs = [2, 5, 1, 4, 3, 0, 5, 2];
    await Promise.all(seqs.map((seq, i) => node(i).markRead('r1', 'bob', seq)));
    for (const reader of [nodeA, nodeB]) {
      expect(await reader.getRoom('r1', 'bob')).toMatchObject({ last_read_seq: 5, unread_count: 0 });
    }
  });
});
