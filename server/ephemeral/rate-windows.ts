import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { ChatError } from '../../shared/errors';
import {
  DEFAULT_RATE_BUDGETS,
  RATE_LIMIT_KINDS,
  type RateBudgets,
  type RateLimitKind,
} from '../domain/rate-limits';

export type { RateBudgets } from '../domain/rate-limits';

export type RateWindow = { points: number; duration: number };

/** Each kind's budget: `points` per fixed window of `duration` seconds (in-process or in Redis alike). */
export function rateWindows(given: RateBudgets): Record<RateLimitKind, RateWindow> {
  const b = { ...DEFAULT_RATE_BUDGETS, ...definedOnly(given) };
  return {
    message: { points: b.messagesPerSecond, duration: 1 },
    typing: { points: b.typingPerSecond, duration: 1 },
    reaction: { points: b.reactionsPerSecond, duration: 1 },
    read: { points: b.readsPerSecond, duration: 1 },
    membership: { points: b.membershipPerSecond, duration: 1 },
    room: { points: b.roomsPerMinute, duration: 60 },
    invite: { points: b.invitesPerMinute, duration: 60 },
    unauthenticated: { points: b.unauthenticatedPerMinute, duration: 60 },
    handshake: { points: b.handshakesPerMinute, duration: 60 },
    adminLogin: { points: b.adminLoginsPerMinute, duration: 60 },
  };
}

/** One limiter per kind, built by `make` from the kind's window. */
export function limitersByKind<L>(
  budgets: RateBudgets,
  make: (kind: RateLimitKind, window: RateWindow) => L,
): Record<RateLimitKind, L> {
  const windows = rateWindows(budgets);
  return Object.fromEntries(RATE_LIMIT_KINDS.map((kind) => [kind, make(kind, windows[kind])])) as Record<
    RateLimitKind,
    L
  >;
}

const WHAT: Record<RateLimitKind, string> = {
  message: 'messages',
  typing: 'typing updates',
  reaction: 'reactions',
  read: 'reads',
  membership: 'joins, leaves and read receipts',
  room: 'rooms created',
  invite: 'invitations',
  unauthenticated: 'unauthenticated requests',
  handshake: 'connections from this address',
  adminLogin: 'Admin UI login attempts',
};

/** Spends `points`; a spent budget becomes RATE_LIMITED carrying how long to wait. */
export async function consumeOrRefuse(
  limiter: RateLimiterAbstract,
  kind: RateLimitKind,
  key: string,
  points = 1,
): Promise<void> {
  try {
    await limiter.consume(key, points);
  } catch (err) {
    if (!(err instanceof RateLimiterRes)) throw err;
    throw rateLimited(kind, err.msBeforeNext);
  }
}

/** The refusal of a spent budget of `kind`, which lasts `msBeforeNext` more. */
export function rateLimited(kind: RateLimitKind, msBeforeNext: number): ChatError {
  const retryAfterMs = Math.max(1, Math.ceil(msBeforeNext));
  return new ChatError(
    'RATE_LIMITED',
    `Too many ${WHAT[kind]}; retry in ${retryAfterMs} ms`,
    undefined,
    retryAfterMs,
  );
}

function definedOnly(budgets: RateBudgets): Partial<RateBudgets> {
  return Object.fromEntries(Object.entries(budgets).filter(([, v]) => v !== undefined));
}
