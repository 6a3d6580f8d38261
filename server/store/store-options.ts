import { DEFAULT_LIMITS } from '../../shared/limits';

/** What every store is told when it opens, from the configured limits. */
export interface StoreOptions {
  /** A reaction lists at most this many `user_ids` (the first to react); its `count` stays exact. */
  reactionUsersShown: number;
  /**
   * Group commit: writes that arrive within this many milliseconds of the first one go to storage
   * as one transaction (0: those that arrive within the same event-loop turn, plus all that arrive
   * while the previous batch commits). Every caller still hears back only once its batch is durable.
   */
  writeWindowMs: number;
}

export const DEFAULT_STORE_OPTIONS: Readonly<StoreOptions> = Object.freeze({
  reactionUsersShown: DEFAULT_LIMITS.reactionUsersShown,
  writeWindowMs: 0,
});
