import type { Limits } from '../../shared/limits';
import type { ChatStore } from '../store/types';
import type { Notifier } from './notifier';
import type { PresenceReader } from './presence';
import type { UserDirectory } from './user-directory';

/** What the domain services are built from; tests pass their own clock and ids. */
export interface DomainDeps {
  store: ChatStore;
  notifier: Notifier;
  presence: PresenceReader;
  users: UserDirectory;
  limits: Limits;
  now: () => Date;
  newId: () => string;
}
