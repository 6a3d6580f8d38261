import type { AccessChanges } from './access-changes';

/** One node: every write passes through its own cache, so there is nobody else to tell. */
export function singleNodeAccessChanges(): AccessChanges {
  return {
    live: true,
    publish: async () => undefined,
    listen: () => undefined,
  };
}
