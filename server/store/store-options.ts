import { DEFAULT_LIMITS } from '../../shared/limits';

/** What every store is told when it opens, from the configured limits. */
export interface StoreOptions {
  /** A reaction lists at most this many `user_ids` (the first to react); its `count` stays exact. */
  reactionUsersShown: number;
}

export const DEFAULT_STORE_OPTIONS: Readonly<StoreOptions> = Object.freeze({
  reactionUsersShown: DEFAULT_LIMITS.reactionUsersShown,
});
