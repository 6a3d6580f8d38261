import type { ChatClientEventName, ChatClientListener } from './chat-client';

/** The registry stores listeners of every event together; `on` and `emit` keep each one's type. */
type StoredListener = (...args: unknown[]) => void;

/**
 * The client's own listener registry: server events reach it after the client's ordering and
 * deduplication, next to the client's events (connected, caught-up, ...). A listener that throws
 * does not stop the others or the client's bookkeeping; its error is rethrown on its own tick, where
 * the platform reports it as uncaught (as an EventEmitter listener's error would be).
 */
export class Listeners {
  private readonly byEvent = new Map<ChatClientEventName, Set<StoredListener>>();

  on<E extends ChatClientEventName>(event: E, listener: ChatClientListener<E>): () => void {
    let set = this.byEvent.get(event);
    if (!set) {
      set = new Set();
      this.byEvent.set(event, set);
    }
    set.add(stored(listener));
    return () => this.off(event, listener);
  }

  off<E extends ChatClientEventName>(event: E, listener: ChatClientListener<E>): void {
    this.byEvent.get(event)?.delete(stored(listener));
  }

  emit<E extends ChatClientEventName>(event: E, ...args: Parameters<ChatClientListener<E>>): void {
    const set = this.byEvent.get(event);
    if (!set) return;
    // A copy: a listener may remove itself or others while this emit runs.
    for (const listener of [...set]) {
      try {
        listener(...args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  clear(): void {
    this.byEvent.clear();
  }
}

/** One function object either way, so `off` finds what `on` stored. */
function stored<E extends ChatClientEventName>(listener: ChatClientListener<E>): StoredListener {
  return listener as unknown as StoredListener;
}
