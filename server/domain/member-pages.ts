import type { PageKey } from '../../shared/schemas/page-cursor';
import type { ChatStore, PageQuery, StoredMember } from '../store/types';

/** Where a member sits in a room's member list: its `joined_at`, then its user id to break ties. */
export const memberKey = (m: StoredMember): PageKey => ({ at: m.joined_at, id: m.user_id });

/** One page of a room's members in `(joined_at, user_id)` order, strictly after `query.after`. */
export function readMemberPage(store: ChatStore, roomId: string, query: PageQuery): Promise<StoredMember[]> {
  return store.listMembers(roomId, query);
}
