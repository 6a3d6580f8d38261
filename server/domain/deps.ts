import type { Limits } from '../../shared/limits';
import type { ChatStore } from '../store/types';
import type { Notifier } from './notifier';
import type { PresenceTracker } from './presence';
import type { RateLimiter } from './rate-limits';
import type { TypingTracker } from './typing';
import type { UserDirectory } from './user-directory';

/** What the domain counts; the metrics layer implements it, so the domain never sees prom-client. */
export interface DomainMetrics {
  /** A new message was stored (a repeated `client_id` is not one). */
  messageStored(): void;
}

/** What the domain services are built from; tests pass their own clock and ids. */
export interface DomainDeps {
  store: ChatStore;
  notifier: Notifier;
  presence: PresenceTracker;
  typing: TypingTracker;
  rateLimiter: RateLimiter;
  users: UserDirectory;
  limits: Limits;
  now: () => Date;
  newId: () => string;
  /** Absent: nothing is counted (unit tests). */
  metrics?: DomainMetrics;
}
