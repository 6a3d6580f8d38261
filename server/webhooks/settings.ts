import type { AllowedHosts } from './allowed-hosts';

/** How webhooks are delivered (server/config/env.ts reads them from WEBHOOK_* variables). */
export interface WebhookSettings {
  /** Hosts and addresses a hook may reach although they are loopback, private or link-local. */
  allowedHosts: AllowedHosts;
  /** One attempt's budget: connecting, sending and reading the answer's status. */
  timeoutMs: number;
  /** The first retry waits up to this long; each further one up to twice as long. */
  retryBaseMs: number;
  /** No retry waits longer than this. */
  retryMaxMs: number;
  /** Attempts per delivery; after the last failed one the hook is marked failing. */
  maxAttempts: number;
  /** How often the dispatcher looks for work when nothing wakes it sooner. */
  pollMs: number;
  /** How long the dispatcher lease lasts unless renewed (renewed every third of it). */
  leaseMs: number;
}

export const DEFAULT_WEBHOOK_SETTINGS: Readonly<Omit<WebhookSettings, 'allowedHosts'>> = Object.freeze({
  timeoutMs: 10_000,
  retryBaseMs: 5_000,
  retryMaxMs: 3_600_000,
  maxAttempts: 8,
  pollMs: 500,
  leaseMs: 15_000,
});
