import { clientEvents, type ClientEventName } from '../../../shared/events';
import { registeredRoutes } from '../../docs/registered-routes';
import { ACTOR_IDS } from './actors';
import { startHarness, type Harness } from './harness';
import { OPERATIONS } from './operations';
import { TRANSPORTS } from './outcomes';
import { EVENTS_NOT_APPLICABLE, expand, routeNotApplicable, transportsOf } from './rows';
import { runRow } from './run-row';
import { targetOf } from './scenes';
import { buildWorld, type World } from './world';

/**
 * The authorization matrix (./operations.ts), part 1: that it is complete, and its rows whose
 * operation leaves the world as it was, all run against one world built once. The rows that
 * change it run in ./writes.test.ts, each on a fresh world; who hears which broadcast, in
 * ./broadcasts.test.ts.
 */

const { rows, skipped } = expand(OPERATIONS);

let h: Harness;
let world: World;

beforeAll(async () => {
  h = await startHarness();
  world = await buildWorld(h);
});

afterAll(() => h?.server.close());

describe('the matrix is complete', () => {
  test('every client event of the contract is an operation of the matrix, or not applicable with a reason', () => {
    const covered = new Set(OPERATIONS.flatMap((op) => (op.socket ? [op.socket.event] : [])));
    const events = Object.keys(clientEvents) as ClientEventName[];
    expect(events.filter((e) => !covered.has(e) && !EVENTS_NOT_APPLICABLE[e])).toEqual([]);
    // Nothing in the table that the contract does not have.
    expect([...covered].filter((e) => !events.includes(e))).toEqual([]);
  });

  test('every registered route is an operation of the matrix, or not applicable with a reason', () => {
    const registered = registeredRoutes(h.server.app.expressApp);
    const covered = new Set(OPERATIONS.flatMap((op) => (op.http ? [op.http.route] : [])));
    expect(registered.filter((r) => !covered.has(r) && !routeNotApplicable(r))).toEqual([]);
    expect([...covered].filter((r) => !registered.includes(r))).toEqual([]);
  });

  test('every (operation, actor, transport) is a row, or not applicable with a reason', () => {
    const cells = OPERATIONS.reduce((n, op) => n + transportsOf(op).length * ACTOR_IDS.length, 0);
    expect(rows.length + skipped.length).toBe(cells);
    expect(skipped.filter((s) => s.reason.trim().length < 10)).toEqual([]);
    // Every actor is put to the test on every transport, but where it cannot be: socket payloads
    // have no identity field to forge, and a /ws connection carries no message id to act on.
    const untested = Object.fromEntries(
      TRANSPORTS.map((t) => {
        const actors = new Set(rows.filter((r) => r.transport === t).map((r) => r.actor));
        return [t, ACTOR_IDS.filter((a) => !actors.has(a))];
      }),
    );
    expect(untested).toEqual({ 'socket.io': ['impersonator'], http: [], ws: ['author', 'otherMember'] });
  });
});

describe('operations that change nothing, on one world', () => {
  const table = rows.filter((r) => !r.op.mutates).map((r) => [r.name, r] as const);
  test.each(table)('%s', async (_name, row) => {
    await runRow(h, row, world, targetOf(row.actor, world));
  });
});
