import { signToken } from '../../server/auth/jwt';
import {
  createdWebhookSchema,
  webhookDeliveryListSchema,
  webhookEventSchema,
  type CreatedWebhook,
  type WebhookDelivery,
  type WebhookEvent,
} from '../../shared/schemas/webhooks';
import { roomDetailSchema } from '../../shared/schemas/objects';
import { eventually } from '../security/server-process';
import { TEST_SECRET, type HttpResult } from '../helpers/server';
import type { Received } from './receiver';

/**
 * Settings for a test server that delivers webhooks quickly to a receiver on 127.0.0.1: allowed
 * by WEBHOOK_ALLOWED_HOSTS, polled often, retried after milliseconds rather than seconds.
 */
export const FAST_WEBHOOKS: Readonly<Record<string, string>> = {
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  WEBHOOK_POLL_MS: '20',
  WEBHOOK_LEASE_MS: '3000',
  WEBHOOK_RETRY_BASE_MS: '50',
  WEBHOOK_RETRY_MAX_MS: '200',
  WEBHOOK_TIMEOUT_MS: '2000',
  RATE_LIMIT_ROOMS_PER_MINUTE: '1000',
  RATE_LIMIT_READS_PER_SECOND: '10000',
  RATE_LIMIT_MESSAGES_PER_SECOND: '1000',
  RATE_LIMIT_REACTIONS_PER_SECOND: '1000',
  RATE_LIMIT_MEMBERSHIP_PER_SECOND: '1000',
};

/** What the helpers need of a server: its HTTP door (a TestServer, a ServerProcess or a ChatNode). */
export interface HttpDoor {
  http<T = unknown>(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown },
  ): Promise<HttpResult<T>>;
}

/** A token with the `admin: true` claim, as `npm run token -- <id> --admin` mints. */
export const adminToken = (userId: string): Promise<string> =>
  signToken(TEST_SECRET, { id: userId, name: userId, admin: true });

/** Calls the API and fails with the whole answer unless the status is the one expected. */
export async function call<T = unknown>(
  door: HttpDoor,
  method: string,
  path: string,
  token: string,
  body?: unknown,
  status = method === 'POST' && !path.includes('/redeliver') ? 201 : 200,
): Promise<T> {
  const res = await door.http<T>(method, path, { token, body });
  if (res.status !== status) {
    throw new Error(`${method} ${path}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
  return res.body;
}

export async function createRoom(
  door: HttpDoor,
  token: string,
  body: { name: string; is_private?: boolean; invited_users?: string[] },
): Promise<string> {
  return roomDetailSchema.parse(await call(door, 'POST', '/api/rooms', token, body)).id;
}

export async function createHook(
  door: HttpDoor,
  token: string,
  body: Record<string, unknown>,
): Promise<CreatedWebhook> {
  return createdWebhookSchema.parse(await call(door, 'POST', '/api/webhooks', token, body));
}

export async function deliveriesOf(
  door: HttpDoor,
  token: string,
  hookId: string,
): Promise<WebhookDelivery[]> {
  const page = await call(door, 'GET', `/api/webhooks/${hookId}/deliveries?limit=100`, token);
  return webhookDeliveryListSchema.parse(page).deliveries;
}

/** Polls the delivery log (only polling can observe it) until `done` holds; answers the log. */
export async function waitForLog(
  door: HttpDoor,
  token: string,
  hookId: string,
  what: string,
  done: (log: WebhookDelivery[]) => boolean,
  timeoutMs = 10_000,
): Promise<WebhookDelivery[]> {
  let log: WebhookDelivery[] = [];
  await eventually(
    async () => {
      log = await deliveriesOf(door, token, hookId);
      return done(log);
    },
    what,
    timeoutMs,
  );
  return log;
}

/** The events a path received, parsed with the contract's schema, in arrival order. */
export function eventsAt(received: readonly Received[], path: string): WebhookEvent[] {
  return received.filter((r) => r.path === path).map((r) => webhookEventSchema.parse(JSON.parse(r.body)));
}

/** The content of each message event a path received (in arrival order). */
export function contentsAt(received: readonly Received[], path: string): string[] {
  return eventsAt(received, path).flatMap((e) =>
    e.type === 'message.new' || e.type === 'message.updated' || e.type === 'message.deleted'
      ? [e.data.message.content]
      : [],
  );
}
