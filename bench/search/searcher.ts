import { DEFAULT_LIMITS } from '../../shared/limits';
import { createPayloadSchemas } from '../../shared/schemas/payloads';
import type { Notifier } from '../../server/domain/notifier';
import { SearchService } from '../../server/domain/search';
import { UserDirectory } from '../../server/domain/user-directory';
import { LocalPresence } from '../../server/ephemeral/local-presence';
import { LocalRateLimiter } from '../../server/ephemeral/local-rate-limiter';
import { LocalTypingTracker } from '../../server/ephemeral/local-typing';
import type { ChatStore } from '../../server/store/types';
import type { BenchQuery } from './queries';

/** Search announces nothing; the other services this bench never calls. */
const silent: Notifier = {
  toRoom: () => undefined,
  toRooms: () => undefined,
  toUsers: () => undefined,
  joinRoom: () => undefined,
  leaveRoom: () => undefined,
};

export type Search = (query: BenchQuery) => Promise<number>;

/**
 * A search as the transports make it, minus the transport: the payload validated by the contract's
 * schema (`messageSearch`), then the domain's SearchService (the 'read' budget, the access check of
 * a given room, the terms, the store's ranked search, the highlight as HTML). Answers the number of
 * results. The budgets are raised so the bench's pace is never refused.
 */
export function domainSearch(store: ChatStore): Search {
  const payload = createPayloadSchemas(DEFAULT_LIMITS).messageSearch;
  const service = new SearchService({
    store,
    notifier: silent,
    presence: new LocalPresence(),
    typing: new LocalTypingTracker(60_000),
    rateLimiter: new LocalRateLimiter({
      messagesPerSecond: 1e9,
      typingPerSecond: 1e9,
      unauthenticatedPerMinute: 1e9,
      readsPerSecond: 1e9,
    }),
    users: new UserDirectory(store),
    limits: DEFAULT_LIMITS,
    now: () => new Date(),
    newId: () => 'unused',
  });
  return async (query) => {
    const input = payload.parse({ q: query.q, room_id: query.roomId });
    const page = await service.search({ id: query.viewer, name: query.viewer }, input);
    return page.results.length;
  };
}
