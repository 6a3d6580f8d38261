import type { ChatStore } from '../store/types';
import type { Actor } from './actor';

const MAX_REMEMBERED = 50_000;

/**
 * Keeps the stored display name of each user current, writing only when a name is new or changed,
 * so that members who have not spoken yet are still shown by name.
 */
export class UserDirectory {
  private readonly written = new Map<string, string>();

  constructor(private readonly store: ChatStore) {}

  async remember(actor: Actor): Promise<void> {
    if (this.written.get(actor.id) === actor.name) return;
    await this.store.rememberUser(actor);
    if (this.written.size >= MAX_REMEMBERED) this.written.clear();
    this.written.set(actor.id, actor.name);
  }
}
