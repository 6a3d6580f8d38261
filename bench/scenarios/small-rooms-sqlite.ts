import type { LadderOptions } from '../ladder';
import type { ServerKind } from '../servers';
import { alternate, withServer, type BenchContext, type ByServer } from './context';
import { smallRoomsRound, type SmallRoomsRound } from './small-rooms';

/** Acknowledged sends per second, over all 500 clients. */
const LADDER: LadderOptions = { start: 200, factor: 1.5, max: 50_000, refinements: 2 };

/** (b): small rooms on one node, chat-service on SQLite (durable sends) vs the bare reference. */
export function runSmallRooms(ctx: BenchContext): Promise<ByServer<SmallRoomsRound>> {
  const firstSustained = new Map<ServerKind, number>();
  return alternate(ctx, 'small rooms (b)', (kind) =>
    withServer(ctx, kind, ({ origins, pids }) =>
      smallRoomsRound(ctx, { origins, serverPids: pids }, LADDER, kind, firstSustained),
    ),
  );
}
