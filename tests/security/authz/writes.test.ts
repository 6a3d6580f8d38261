import { isTokenless } from './actors';
import { startHarness, type Harness } from './harness';
import { OPERATIONS } from './operations';
import { expand } from './rows';
import { runRow } from './run-row';
import { targetOf } from './scenes';
import { buildWorld, type World } from './world';

/**
 * The authorization matrix (./operations.ts), part 2: the rows whose operation changes the world
 * (joins, leaves, invitations, sends, edits, deletes, reactions, typing, receipts, /ws). Each
 * signed-in row gets a world of its own, so no row sees another's effects; the tokenless rows,
 * refused at the door, share one.
 */

const { rows } = expand(OPERATIONS);

let h: Harness;
let shared: World;

beforeAll(async () => {
  h = await startHarness();
  shared = await buildWorld(h.server.app.services);
});

afterAll(() => h?.server.close());

const table = rows.filter((r) => r.op.mutates).map((r) => [r.name, r] as const);
test.each(table)('%s', async (_name, row) => {
  const world = isTokenless(row.actor) ? shared : await buildWorld(h.server.app.services);
  await runRow(h, row, world, targetOf(row.actor, world));
});
