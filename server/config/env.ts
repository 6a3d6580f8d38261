import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_LIMITS, type Limits } from '../../shared/limits';
import { DEFAULT_COALESCING } from '../domain/coalescing-notifier';
import { DEFAULT_RATE_BUDGETS, type RateBudgets } from '../domain/rate-limits';
import { parseAllowedHosts } from '../webhooks/allowed-hosts';
import { DEFAULT_WEBHOOK_SETTINGS as WEBHOOK, type WebhookSettings } from '../webhooks/settings';

const DEV_JWT_SECRET = 'chat-service-development-secret-do-not-use-in-production';
const MIN_SECRET_LENGTH = 32;

/** Bounds on what one connection or user may hold at once (server-side only). */
export interface ConnectionGuards {
  /** Client events one socket (or /ws connection) may have unanswered; more are refused RATE_LIMITED. */
  eventsInFlight: number;
  /** Live Socket.IO sockets plus /ws connections one user may hold on one node. */
  connectionsPerUser: number;
  /** Bytes waiting to be written to one connection; past this the connection is closed (slow reader). */
  bufferedBytes: number;
}

export const DEFAULT_GUARDS: Readonly<ConnectionGuards> = Object.freeze({
  eventsInFlight: 32,
  connectionsPerUser: 30,
  bufferedBytes: 8 * 1024 * 1024,
});

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Unset: 127.0.0.1 outside production (see defaultHost), every interface in production. */
  HOST: z.string().min(1).optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3002),
  LOG_LEVEL: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silent']).default('info'),
  JWT_SECRET: z
    .string()
    .min(MIN_SECRET_LENGTH, `must be at least ${MIN_SECRET_LENGTH} characters`)
    .optional(),
  DATABASE_URL: z.string().min(1).default('sqlite:./data/chat.db'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .transform(normalizedUrl)
    .optional(),
  /** Prefix of every Redis key and channel, so several deployments can share one Redis. */
  REDIS_KEY_PREFIX: z.string().min(1).max(64).default('chat:'),
  /** A node that stops refreshing its presence heartbeat is counted offline after this long (Redis only). */
  PRESENCE_TTL_MS: int(30_000, 1000),
  ADMIN_UI: z.enum(['true', 'false']).default('false'),
  ADMIN_UI_USERNAME: z.string().optional(),
  ADMIN_UI_PASSWORD: z.string().optional(),
  /**
   * Which peers are proxies whose X-Forwarded-For is believed (Express's `trust proxy`): `loopback`
   * by default; a comma-separated list of addresses, subnets or names (`uniquelocal`), a number of
   * hops, `true` or `false`.
   */
  TRUST_PROXY: z.string().min(1).default('loopback'),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const origins = parseOrigins(value);
      for (const bad of origins.refused) {
        ctx.addIssue({
          code: 'custom',
          message:
            `${JSON.stringify(redactUrl(bad))} is not an origin: give scheme://host[:port] with no path ` +
            '(for example https://app.example.com), comma-separated, or * for any origin',
        });
      }
      return origins.allowed;
    }),
  TYPING_TIMEOUT_MS: int(6000, 100),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0),
  MAX_CONTENT_LENGTH: int(DEFAULT_LIMITS.contentMax, 1),
  MAX_ROOM_NAME_LENGTH: int(DEFAULT_LIMITS.roomNameMax, 1),
  MAX_DESCRIPTION_LENGTH: int(DEFAULT_LIMITS.descriptionMax, 0),
  MAX_EMOJI_LENGTH: int(DEFAULT_LIMITS.emojiMax, 1),
  MAX_INVITED_USERS: int(DEFAULT_LIMITS.invitedUsersMax, 1),
  MAX_HISTORY_LIMIT: int(DEFAULT_LIMITS.historyMax, 1),
  DEFAULT_HISTORY_LIMIT: int(DEFAULT_LIMITS.historyDefault, 1),
  MAX_ROOM_LIST_LIMIT: int(DEFAULT_LIMITS.roomListMax, 1),
  DEFAULT_ROOM_LIST_LIMIT: int(DEFAULT_LIMITS.roomListDefault, 1),
  MAX_REACTIONS_PER_MESSAGE: int(DEFAULT_LIMITS.reactionsPerMessageMax, 1),
  MAX_REACTIONS_PER_USER: int(DEFAULT_LIMITS.reactionsPerUserMax, 1),
  MAX_REACTION_USERS_SHOWN: int(DEFAULT_LIMITS.reactionUsersShown, 1),
  MAX_CLIENT_ID_LENGTH: int(DEFAULT_LIMITS.clientIdMax, 1),
  RATE_LIMIT_MESSAGES_PER_SECOND: int(DEFAULT_LIMITS.messagesPerSecond, 1),
  RATE_LIMIT_TYPING_PER_SECOND: int(DEFAULT_LIMITS.typingPerSecond, 1),
  RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE: int(DEFAULT_RATE_BUDGETS.unauthenticatedPerMinute, 1),
  RATE_LIMIT_REACTIONS_PER_SECOND: int(DEFAULT_RATE_BUDGETS.reactionsPerSecond, 1),
  RATE_LIMIT_READS_PER_SECOND: int(DEFAULT_RATE_BUDGETS.readsPerSecond, 1),
  RATE_LIMIT_MEMBERSHIP_PER_SECOND: int(DEFAULT_RATE_BUDGETS.membershipPerSecond, 1),
  RATE_LIMIT_ROOMS_PER_MINUTE: int(DEFAULT_RATE_BUDGETS.roomsPerMinute, 1),
  RATE_LIMIT_INVITES_PER_MINUTE: int(DEFAULT_RATE_BUDGETS.invitesPerMinute, 1),
  RATE_LIMIT_HANDSHAKES_PER_MINUTE: int(DEFAULT_RATE_BUDGETS.handshakesPerMinute, 1),
  RATE_LIMIT_ADMIN_LOGINS_PER_MINUTE: int(DEFAULT_RATE_BUDGETS.adminLoginsPerMinute, 1),
  MAX_EVENTS_IN_FLIGHT: int(DEFAULT_GUARDS.eventsInFlight, 1),
  MAX_CONNECTIONS_PER_USER: int(DEFAULT_GUARDS.connectionsPerUser, 1),
  MAX_BUFFERED_BYTES: int(DEFAULT_GUARDS.bufferedBytes, 65_536),
  MAX_SOCKET_PACKET_BYTES: int(DEFAULT_LIMITS.packetBytes, 1024),
  MAX_HTTP_BODY_BYTES: int(DEFAULT_LIMITS.bodyBytes, 1024),
  /** Group commit window (see StoreOptions.writeWindowMs); 0: one event-loop turn. */
  STORE_WRITE_WINDOW_MS: int(0, 0).pipe(z.number().max(50)),
  /** How long frames bound for one connection are held to go out in one write; 0: one event-loop turn. */
  SOCKET_WRITE_COALESCE_MS: int(0, 0).pipe(z.number().max(50)),
  /** Joins and presence changes of a busy room go out as one batch per this many ms; 0: never held. */
  ANNOUNCE_WINDOW_MS: int(DEFAULT_COALESCING.windowMs, 0).pipe(z.number().max(1000)),
  /**
   * Host names, addresses and CIDR subnets webhooks may reach although they are loopback,
   * private or link-local (docs/webhooks.md), comma-separated.
   */
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((value, ctx) => {
      const { allowed, refused } = parseAllowedHosts(value);
      for (const bad of refused) {
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(bad)} is neither a host name, an IP address nor a CIDR subnet (10.0.0.0/8)`,
        });
      }
      return allowed;
    }),
  WEBHOOK_TIMEOUT_MS: int(WEBHOOK.timeoutMs, 100).pipe(z.number().max(120_000)),
  WEBHOOK_RETRY_BASE_MS: int(WEBHOOK.retryBaseMs, 1),
  WEBHOOK_RETRY_MAX_MS: int(WEBHOOK.retryMaxMs, 1),
  WEBHOOK_MAX_ATTEMPTS: int(WEBHOOK.maxAttempts, 1).pipe(z.number().max(100)),
  WEBHOOK_POLL_MS: int(WEBHOOK.pollMs, 10),
  WEBHOOK_LEASE_MS: int(WEBHOOK.leaseMs, 1000),
});

export type StorageConfig = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** Socket.IO Admin UI: off unless ADMIN_UI=true, and then only with credentials. */
export type AdminUiConfig = { enabled: false } | { enabled: true; username: string; password: string };

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  jwtSecret: string;
  /** True when no JWT_SECRET was given and the development secret is in use. */
  usingDevSecret: boolean;
  storage: StorageConfig;
  /** Set: Redis joins several instances into one service (fan-out, presence, typing, rate limits). */
  redisUrl: string | undefined;
  redisKeyPrefix: string;
  presenceTtlMs: number;
  adminUi: AdminUiConfig;
  /** Origins allowed by CORS for HTTP and Socket.IO; `true` allows any origin. */
  corsOrigins: string[] | true;
  /** Express's `trust proxy`: which peers' X-Forwarded-For names the client (per-address budgets). */
  trustProxy: boolean | number | string;
  typingTimeoutMs: number;
  shutdownTimeoutMs: number;
  /** Calls without a valid token allowed per client address per minute. */
  unauthenticatedPerMinute: number;
  /** Every rate budget (per user, or per address for unauthenticated calls and handshakes). */
  rateBudgets: Required<RateBudgets>;
  guards: ConnectionGuards;
  limits: Limits;
  /** Group commit window in milliseconds (0: what arrives within one event-loop turn). */
  storeWriteWindowMs: number;
  /** Frames for one connection are written together after this many ms (0: end of the turn). */
  socketWriteCoalesceMs: number;
  /** Joins and presence changes of a busy room are sent as one batch per this many ms; 0: never held. */
  announceWindowMs: number;
  /** Outgoing webhooks: what they may reach, timeouts, retries, the dispatcher's rhythm. */
  webhooks: WebhookSettings;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment once, at the entry point; every problem is reported together. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  // `NAME=` (as in a copied .env.example) means "not set", not "set to nothing".
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production' && !e.JWT_SECRET) {
    throw new ConfigError(
      'JWT_SECRET is required when NODE_ENV=production: set it to a random string of at least ' +
        `${MIN_SECRET_LENGTH} characters (for example: openssl rand -base64 48).`,
    );
  }
  if (e.ADMIN_UI === 'true' && (!e.ADMIN_UI_USERNAME || !e.ADMIN_UI_PASSWORD)) {
    throw new ConfigError('ADMIN_UI=true needs ADMIN_UI_USERNAME and ADMIN_UI_PASSWORD.');
  }
  if (e.DEFAULT_HISTORY_LIMIT > e.MAX_HISTORY_LIMIT) {
    throw new ConfigError('DEFAULT_HISTORY_LIMIT must not exceed MAX_HISTORY_LIMIT.');
  }
  if (e.DEFAULT_ROOM_LIST_LIMIT > e.MAX_ROOM_LIST_LIMIT) {
    throw new ConfigError('DEFAULT_ROOM_LIST_LIMIT must not exceed MAX_ROOM_LIST_LIMIT.');
  }
  if (e.MAX_INVITED_USERS > e.RATE_LIMIT_INVITES_PER_MINUTE) {
    // A full invite list would be refused forever, whatever `retry_after_ms` said.
    throw new ConfigError('MAX_INVITED_USERS must not exceed RATE_LIMIT_INVITES_PER_MINUTE.');
  }
  if (e.MAX_REACTIONS_PER_USER > e.MAX_REACTIONS_PER_MESSAGE) {
    throw new ConfigError('MAX_REACTIONS_PER_USER must not exceed MAX_REACTIONS_PER_MESSAGE.');
  }
  if (e.WEBHOOK_RETRY_BASE_MS > e.WEBHOOK_RETRY_MAX_MS) {
    throw new ConfigError('WEBHOOK_RETRY_BASE_MS must not exceed WEBHOOK_RETRY_MAX_MS.');
  }
  if (e.WEBHOOK_POLL_MS * 3 > e.WEBHOOK_LEASE_MS) {
    // The lease is renewed by the polling rounds: at least three of them within each lease.
    throw new ConfigError('WEBHOOK_LEASE_MS must be at least three times WEBHOOK_POLL_MS.');
  }
  return {
    env: e.NODE_ENV,
    host: e.HOST ?? defaultHost(e.NODE_ENV),
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    jwtSecret: e.JWT_SECRET ?? DEV_JWT_SECRET,
    usingDevSecret: !e.JWT_SECRET,
    storage: parseDatabaseUrl(e.DATABASE_URL),
    redisUrl: e.REDIS_URL,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    presenceTtlMs: e.PRESENCE_TTL_MS,
    adminUi:
      e.ADMIN_UI === 'true' && e.ADMIN_UI_USERNAME && e.ADMIN_UI_PASSWORD
        ? { enabled: true, username: e.ADMIN_UI_USERNAME, password: e.ADMIN_UI_PASSWORD }
        : { enabled: false },
    corsOrigins: e.CORS_ORIGINS,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    typingTimeoutMs: e.TYPING_TIMEOUT_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    unauthenticatedPerMinute: e.RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE,
    rateBudgets: {
      messagesPerSecond: e.RATE_LIMIT_MESSAGES_PER_SECOND,
      typingPerSecond: e.RATE_LIMIT_TYPING_PER_SECOND,
      unauthenticatedPerMinute: e.RATE_LIMIT_UNAUTHENTICATED_PER_MINUTE,
      reactionsPerSecond: e.RATE_LIMIT_REACTIONS_PER_SECOND,
      readsPerSecond: e.RATE_LIMIT_READS_PER_SECOND,
      membershipPerSecond: e.RATE_LIMIT_MEMBERSHIP_PER_SECOND,
      roomsPerMinute: e.RATE_LIMIT_ROOMS_PER_MINUTE,
      invitesPerMinute: e.RATE_LIMIT_INVITES_PER_MINUTE,
      handshakesPerMinute: e.RATE_LIMIT_HANDSHAKES_PER_MINUTE,
      adminLoginsPerMinute: e.RATE_LIMIT_ADMIN_LOGINS_PER_MINUTE,
    },
    guards: {
      eventsInFlight: e.MAX_EVENTS_IN_FLIGHT,
      connectionsPerUser: e.MAX_CONNECTIONS_PER_USER,
      bufferedBytes: e.MAX_BUFFERED_BYTES,
    },
    limits: {
      contentMax: e.MAX_CONTENT_LENGTH,
      roomNameMax: e.MAX_ROOM_NAME_LENGTH,
      descriptionMax: e.MAX_DESCRIPTION_LENGTH,
      emojiMax: e.MAX_EMOJI_LENGTH,
      invitedUsersMax: e.MAX_INVITED_USERS,
      historyMax: e.MAX_HISTORY_LIMIT,
      historyDefault: e.DEFAULT_HISTORY_LIMIT,
      roomListMax: e.MAX_ROOM_LIST_LIMIT,
      roomListDefault: e.DEFAULT_ROOM_LIST_LIMIT,
      reactionsPerMessageMax: e.MAX_REACTIONS_PER_MESSAGE,
      reactionsPerUserMax: e.MAX_REACTIONS_PER_USER,
      reactionUsersShown: e.MAX_REACTION_USERS_SHOWN,
      clientIdMax: e.MAX_CLIENT_ID_LENGTH,
      messagesPerSecond: e.RATE_LIMIT_MESSAGES_PER_SECOND,
      typingPerSecond: e.RATE_LIMIT_TYPING_PER_SECOND,
      packetBytes: e.MAX_SOCKET_PACKET_BYTES,
      bodyBytes: e.MAX_HTTP_BODY_BYTES,
    },
    storeWriteWindowMs: e.STORE_WRITE_WINDOW_MS,
    socketWriteCoalesceMs: e.SOCKET_WRITE_COALESCE_MS,
    announceWindowMs: e.ANNOUNCE_WINDOW_MS,
    webhooks: {
      allowedHosts: e.WEBHOOK_ALLOWED_HOSTS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      retryMaxMs: e.WEBHOOK_RETRY_MAX_MS,
      maxAttempts: e.WEBHOOK_MAX_ATTEMPTS,
      pollMs: e.WEBHOOK_POLL_MS,
      leaseMs: e.WEBHOOK_LEASE_MS,
    },
  };
}

/**
 * A URL with the password in front of its host replaced by `***` (`redis://default:***@host`), for
 * log lines and error messages. The credentials run to the authority's last `@` and the user name
 * to their first `:`, as a URL parser reads them, so a password holding a raw `@` or `:` is hidden
 * whole.
 */
export function redactUrl(url: string): string {
  return url.replace(
    /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)@/i,
    (_match, scheme: string, credentials: string) => {
      const colon = credentials.indexOf(':');
      return colon === -1 ? `${scheme}${credentials}@` : `${scheme}${credentials.slice(0, colon)}:***@`;
    },
  );
}

/**
 * The URL as the WHATWG parser (and so the Redis driver) reads it, written back with its password
 * percent-encoded: a raw `@` or `:` in a password stays inside the password, for the driver and for
 * every redaction of the URL that a log line makes. A URL that does not parse stops the server,
 * without being echoed (it may hold a password).
 */
function normalizedUrl(value: string, ctx: z.RefinementCtx): string {
  try {
    return new URL(value).href;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not a valid URL (percent-encode special characters)' });
    return z.NEVER;
  }
}

function parseDatabaseUrl(url: string): StorageConfig {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!file) throw new ConfigError('DATABASE_URL=sqlite:<path> needs a file path.');
    return { kind: 'sqlite', path: path.resolve(file) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    // Refused here rather than as a bare "Invalid URL" from the driver; never echoed (a password).
    if (!URL.canParse(url)) {
      throw new ConfigError(
        'DATABASE_URL is not a valid URL: percent-encode special characters in the user name and password.',
      );
    }
    return { kind: 'postgres', url };
  }
  throw new ConfigError(
    'DATABASE_URL must start with sqlite: (for example sqlite:./data/chat.db) or postgres://.',
  );
}

/**
 * Outside production the server answers this machine only: the development secret is public, so a
 * server started without JWT_SECRET must not be reachable from the network unless HOST says so. A
 * production deployment (a container, behind a proxy) listens on every interface.
 */
function defaultHost(env: 'development' | 'production' | 'test'): string {
  return env === 'production' ? '0.0.0.0' : '127.0.0.1';
}

/**
 * CORS_ORIGINS: comma-separated origins, or `*`. An origin is what a browser sends in its Origin
 * header, scheme://host[:port] and nothing after: the cors middleware compares strings, so a
 * trailing slash or a path would silently never match, and a typo must stop the server instead.
 */
function parseOrigins(value: string): { allowed: string[] | true; refused: string[] } {
  const entries = value
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  const refused = entries.filter((o) => o !== '*' && normalizedOrigin(o) === undefined);
  const allowed = entries.includes('*')
    ? true
    : entries.flatMap((o) => {
        const origin = normalizedOrigin(o);
        return origin === undefined ? [] : [origin];
      });
  return { allowed, refused };
}

/**
 * The origin as a browser writes it (host lower-cased, default port dropped) for http(s); other
 * schemes (an app's `capacitor://localhost`) as given. `undefined` when it is not an origin.
 */
function normalizedOrigin(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#@\s]+$/i.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (!url.hostname) return undefined;
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : value;
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true' || value === 'false') return value === 'true';
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}
