import { accessSync, constants } from 'node:fs';
import net from 'node:net';

/**
 * The services some test suites need beyond npm: where the tests find them, how a run finds out
 * whether they answer, and what it says when they do not. Jest's globalSetup (global-setup.ts) and
 * `npm test` (scripts/test-run.ts) probe once per run; suites ask tests/helpers/services.ts.
 */

export const SERVICES = ['postgres', 'redis', 'chromium'] as const;
export type Service = (typeof SERVICES)[number];

/** How a run tells its test files what answered: `postgres=up,redis=down,chromium=up`. */
export const SERVICES_ENV = 'CHAT_TEST_SERVICES';

export interface TestServiceSettings {
  /** TEST_DATABASE_URL: the PostgreSQL database in which tests make one schema each. */
  databaseUrl: string;
  /** TEST_REDIS_URL */
  redisUrl: string;
  /** CHROMIUM_PATH: Debian's Chromium, driven by playwright-core (never a downloaded browser). */
  chromiumPath: string;
}

/** The settings every test reads; an unset or empty variable means the default. */
export function testServiceSettings(env: NodeJS.ProcessEnv = process.env): TestServiceSettings {
  return {
    databaseUrl: env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
    chromiumPath: env.CHROMIUM_PATH || '/usr/bin/chromium',
  };
}

/** Where a client of a service URL connects. */
export interface Address {
  host: string;
  port: number;
}

function parseUrl(url: string, variable: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new Error(`${variable} is not a URL: ${url}`);
  }
}

/** `[::1]` in a URL is `::1` to net.connect. */
const unbracket = (host: string): string => host.replace(/^\[(.*)\]$/, '$1');

/** The host and port of a postgres:// URL (the tests reach PostgreSQL over TCP). */
export function postgresAddress(url: string): Address {
  const parsed = parseUrl(url, 'TEST_DATABASE_URL');
  return { host: unbracket(parsed.hostname || '127.0.0.1'), port: Number(parsed.port || 5432) };
}

/** The host and port of a redis:// URL. */
export function redisAddress(url: string): Address {
  const parsed = parseUrl(url, 'TEST_REDIS_URL');
  return { host: unbracket(parsed.hostname || '127.0.0.1'), port: Number(parsed.port || 6379) };
}

export const describeAddress = ({ host, port }: Address): string =>
  host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;

/** Resolves true once something accepts a connection at `address`, false on refusal or after `timeoutMs`. */
export function answers(address: Address, timeoutMs = 1500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(address.port, address.host);
    const done = (up: boolean): void => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Whether `file` exists and may be executed. */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export type Probe = { service: Service; up: true } | { service: Service; up: false; reason: string };

/**
 * What answers now. A TCP accept is enough: a server that answers but refuses the test's
 * credentials or database is a broken setup, and its suites should fail, not be skipped.
 */
export async function probeServices(settings: TestServiceSettings): Promise<Probe[]> {
  const pg = postgresAddress(settings.databaseUrl);
  const redis = redisAddress(settings.redisUrl);
  const [pgUp, redisUp] = await Promise.all([answers(pg), answers(redis)]);
  const probe = (service: Service, up: boolean, reason: string): Probe =>
    up ? { service, up } : { service, up, reason };
  return [
    probe('postgres', pgUp, `nothing answers on ${describeAddress(pg)} (TEST_DATABASE_URL)`),
    probe('redis', redisUp, `nothing answers on ${describeAddress(redis)} (TEST_REDIS_URL)`),
    probe(
      'chromium',
      isExecutable(settings.chromiumPath),
      `no executable at ${settings.chromiumPath} (CHROMIUM_PATH)`,
    ),
  ];
}

/** What each service is called, which suites need it, and what a reader does to provide it. */
const CATALOGUE: Record<Service, { label: string; suites: readonly string[]; remedy: string }> = {
  postgres: {
    label: 'PostgreSQL',
    suites: [
      'store suites on PostgreSQL',
      'PostgresStore',
      'PostgreSQL readiness',
      'durability on PostgreSQL',
      'multi-node',
      'leaving across nodes',
      'logs with service passwords',
      'webhook store on PostgreSQL',
      'webhooks across kill -9',
      'webhooks on two nodes',
    ],
    remedy: 'start PostgreSQL',
  },
  redis: {
    label: 'Redis',
    suites: [
      'shared state on Redis',
      'openSharedState with Redis',
      'plain WebSocket on two nodes',
      'multi-node',
      'leaving across nodes',
      'logs with service passwords',
      'webhooks on two nodes',
    ],
    remedy: 'start Redis',
  },
  chromium: {
    label: 'Chromium',
    suites: ['browser demo', 'API docs pages'],
    remedy: 'install Chromium (apt-get install chromium)',
  },
};

/** The second pass of `npm test`, which only scripts/test-run.ts runs. */
const POSTGRES_PASS = 'integration and e2e on PostgreSQL';

export interface DecisionOptions {
  /** CHAT_TEST_REQUIRE_ALL=1: a missing service fails the run instead of skipping its suites. */
  requireAll: boolean;
  /** Whether this run includes the PostgreSQL pass (scripts/test-run.ts), for the skip line. */
  postgresPass: boolean;
  /** TEST_STORE: a run told to use PostgreSQL for every server cannot do without it. */
  testStore?: string;
}

export type Decision = { ok: true; skipLines: string[] } | { ok: false; failure: string };

/** Whether the run goes on, and the one line per group of suites it skips. */
export function decide(probes: readonly Probe[], opts: DecisionOptions): Decision {
  const missing = probes.flatMap((p) => (p.up ? [] : [p]));
  const pgMissing = missing.find((p) => p.service === 'postgres');
  if (opts.testStore === 'postgres' && pgMissing) {
    return { ok: false, failure: `TEST_STORE=postgres, but PostgreSQL is missing: ${pgMissing.reason}` };
  }
  if (opts.requireAll && missing.length > 0) {
    const named = missing.map((p) => `${CATALOGUE[p.service].label} (${p.reason})`).join('; ');
    return { ok: false, failure: `CHAT_TEST_REQUIRE_ALL=1, but these test services are missing: ${named}` };
  }
  return {
    ok: true,
    skipLines: missing.map((p) => {
      const { label, suites, remedy } = CATALOGUE[p.service];
      const all = p.service === 'postgres' && opts.postgresPass ? [...suites, POSTGRES_PASS] : suites;
      return `skipped: ${label} suites (${all.join(', ')}) — ${p.reason}; ${remedy} and run npm run test:all`;
    }),
  };
}

/** `postgres=up,redis=down,chromium=up`: what a run hands its test files in CHAT_TEST_SERVICES. */
export function encodeServices(probes: readonly Probe[]): string {
  return probes.map((p) => `${p.service}=${p.up ? 'up' : 'down'}`).join(',');
}

/** The services that answered, from CHAT_TEST_SERVICES; throws on anything it does not expect. */
export function decodeServices(value: string): Set<Service> {
  const up = new Set<Service>();
  for (const entry of value.split(',')) {
    const [service, state] = entry.split('=');
    const known = SERVICES.find((s) => s === service);
    if (!known || (state !== 'up' && state !== 'down')) {
      throw new Error(`${SERVICES_ENV} must look like postgres=up,redis=down,chromium=up; got ${value}`);
    }
    if (state === 'up') up.add(known);
  }
  return up;
}
