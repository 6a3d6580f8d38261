import type { ClientEventName } from '../../../shared/events';
import { ACTOR_IDS, type ActorId } from './actors';
import type { Operation } from './operations';
import {
  cellFor,
  describeOutcome,
  isNotApplicable,
  TRANSPORTS,
  type Outcome,
  type Transport,
} from './outcomes';

/** One (operation, actor, transport) of the matrix, with what it must answer. */
export interface Row {
  op: Operation;
  actor: ActorId;
  transport: Transport;
  expected: Outcome;
  /** `room.get · nonMemberPrivate · http → NOT_FOUND (room_id)`: the test's name. */
  name: string;
}

/** A cell left out of the run, and why. */
export interface SkippedRow {
  op: Operation;
  actor: ActorId;
  transport: Transport;
  reason: string;
}

export function transportsOf(op: Operation): Transport[] {
  return TRANSPORTS.filter((t) => (t === 'socket.io' ? op.socket : t === 'http' ? op.http : op.ws));
}

/** Every cell of the table as a row to run or a row left out with its reason. */
export function expand(operations: readonly Operation[]): { rows: Row[]; skipped: SkippedRow[] } {
  const rows: Row[] = [];
  const skipped: SkippedRow[] = [];
  for (const op of operations) {
    const transports = transportsOf(op);
    if (transports.length === 0) throw new Error(`${op.id} has no transport`);
    for (const actor of ACTOR_IDS) {
      for (const transport of transports) {
        const cell = cellFor(op.expect[actor], transport, `${op.id} · ${actor}`);
        if (isNotApplicable(cell)) {
          skipped.push({ op, actor, transport, reason: cell.na });
          continue;
        }
        const name = `${op.id} · ${actor} · ${transport} → ${describeOutcome(cell)}`;
        rows.push({ op, actor, transport, expected: cell, name });
      }
    }
  }
  return { rows, skipped };
}

/** Client events the matrix leaves out, with the reason. None: every event is authorized somewhere. */
export const EVENTS_NOT_APPLICABLE: Partial<Record<ClientEventName, string>> = {};

/**
 * Registered routes the matrix leaves out: none of them acts for a user or shows a user's data,
 * and none needs a token (docs/http-api.md). Every `/api` route must be in the matrix.
 */
export const ROUTES_NOT_APPLICABLE: readonly { pattern: RegExp; reason: string }[] = [
  { pattern: /^GET \/(healthz|readyz)?$/, reason: 'health checks: public, no user data' },
  { pattern: /^GET \/metrics$/, reason: 'Prometheus metrics: public by design (docs/operations.md)' },
  {
    pattern: /^GET \/(openapi\.json|docs|redoc)(\/.*)?$/,
    reason: 'the API documents and their pages: public',
  },
  { pattern: /^GET \/demo(\/.*)?$/, reason: "the browser demo's static files: public" },
  {
    pattern: /^GET \/admin(\/.*)?$/,
    reason: 'the Socket.IO Admin UI: its own login (tests/security/admin-login)',
  },
];

export function routeNotApplicable(route: string): string | undefined {
  if (route.includes(' /api/')) return undefined;
  return ROUTES_NOT_APPLICABLE.find((r) => r.pattern.test(route))?.reason;
}
