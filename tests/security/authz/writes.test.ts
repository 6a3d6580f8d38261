import { isTokenless } from './actors';
import { startHarness, type Harness } from './harness';
import { OPERATIONS } from './operations';
import { expand, type Row } from './rows';
import { runRow } from './run-row';
import { targetOf } from './scenes';
import { buildWorld, type World } from './world';

/**
 * The authorization matrix (./operations.ts), part 2: the rows whose operation changes the world
 * (joins, leaves, invitations, sends, edits, deletes, reactions, typing, receipts, pins,
 * moderation, /ws). Each signed-in row that must succeed gets a world of its own, so no row sees
 * another's effects (a ban, a removal, an unpin). The rows that must be refused change nothing
 * when the server is right, so those of one operation share a world: one that wrongly changes
 * something fails its own row first (later rows of that operation may then fail in its wake).
 * The tokenless rows, refused at the door, share one world.
 */

const { rows } = expand(OPERATIONS);

let h: Harness;
let shared: World;
const refusals = new Map<string, Promise<World>>();

beforeAll(async () => {
  h = await startHarness();
  shared = await buildWorld(h);
});

afterAll(() => h?.server.close());

function worldFor(row: Row): Promise<World> {
  if (isTokenless(row.actor)) return Promise.resolve(shared);
  if (row.expected === 'ok') return buildWorld(h);
  let world = refusals.get(row.op.id);
  if (!world) {
    world = buildWorld(h);
    refusals.set(row.op.id, world);
  }
  return world;
}

const table = rows.filter((r) => r.op.mutates).map((r) => [r.name, r] as const);
test.each(table)('%s', async (_name, row) => {
  const world = await worldFor(row);
  await runRow(h, row, world, targetOf(row.actor, world));
});
