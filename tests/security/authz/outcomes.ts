import type { ErrorCode } from '../../../shared/errors';

/** The three doors to the one service layer. */
export const TRANSPORTS = ['socket.io', 'http', 'ws'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/**
 * What a request must answer: success, an error code, or an error code whose `details` name a
 * field. Over HTTP an error is also checked to come with the status the contract maps it to; over
 * Socket.IO a tokenless actor's error is the `connect_error` of its handshake, on /ws the upgrade's
 * refusal.
 */
export type Outcome = 'ok' | ErrorCode | { code: ErrorCode; field: string };

/** A cell left out of the run, with the reason it does not apply. */
export interface NotApplicable {
  na: string;
}

export type Cell = Outcome | NotApplicable;

/** A cell, or one cell per transport where the transports differ (each of the operation's must be given). */
export type Expected = Cell | Partial<Record<Transport, Cell>>;

export const na = (reason: string): NotApplicable => ({ na: reason });
export const notFound = (field: string): Outcome => ({ code: 'NOT_FOUND', field });

export function isNotApplicable(cell: unknown): cell is NotApplicable {
  return typeof cell === 'object' && cell !== null && 'na' in cell;
}

function isOutcome(cell: Expected): cell is Outcome {
  return typeof cell === 'string' || 'code' in cell;
}

/** The cell of one transport (throws when a per-transport cell leaves it out: the table is incomplete). */
export function cellFor(expected: Expected, transport: Transport, where: string): Cell {
  if (isOutcome(expected) || isNotApplicable(expected)) return expected;
  const cell = expected[transport];
  if (!cell) throw new Error(`${where}: no expected outcome for ${transport}`);
  return cell;
}

export function codeOf(outcome: Outcome): 'ok' | ErrorCode {
  return typeof outcome === 'string' ? outcome : outcome.code;
}

export function describeOutcome(outcome: Outcome): string {
  return typeof outcome === 'string' ? outcome : `${outcome.code} (${outcome.field})`;
}
